use alder_db::{Auto, Model};

#[derive(Model)]
struct Note {
    id: Auto<i64>,
    #[model(max_lenght = 10)]
    text: String,
}

fn main() {}
