use alder_db::{Auto, Model};

#[derive(Model)]
struct Person {
    id: Auto<i64>,
    #[model(max_length = 20, min = 3)]
    name: String,
}

fn main() {}
