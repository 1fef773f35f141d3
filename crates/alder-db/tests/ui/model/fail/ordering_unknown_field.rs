use alder_db::{Auto, Model};

#[derive(Model)]
#[model(ordering = "-created")]
struct Note {
    id: Auto<i64>,
    text: String,
}

fn main() {}
