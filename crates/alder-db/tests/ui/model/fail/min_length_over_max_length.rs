use alder_db::{Auto, Model};

#[derive(Model)]
struct Person {
    id: Auto<i64>,
    #[model(max_length = 4, min_length = 8)]
    name: String,
}

fn main() {}
