use alder_db::{Auto, Model};

#[derive(Model)]
struct Book {
    id: Auto<i64>,
    #[model(blank)]
    pages: i32,
}

fn main() {}
