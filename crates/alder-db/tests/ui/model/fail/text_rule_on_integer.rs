use alder_db::{Auto, Model};

#[derive(Model)]
struct Person {
    id: Auto<i64>,
    #[model(email)]
    age: i32,
}

fn main() {}
