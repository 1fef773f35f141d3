use alder_db::{Auto, Model};

#[derive(Model)]
struct Book {
    id: Auto<i64>,
    #[model(related_name = "books")]
    author_id: i64,
}

fn main() {}
