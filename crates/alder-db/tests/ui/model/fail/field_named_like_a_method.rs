use alder_db::{Auto, Model};

#[derive(Model)]
struct Game {
    id: Auto<i64>,
    save: i32,
}

fn main() {}
