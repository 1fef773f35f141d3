use alder_db::{Auto, Model};

#[derive(Model)]
#[model(display = "{title} by {writer}")]
struct Book {
    id: Auto<i64>,
    title: String,
}

fn main() {}
