use alder_db::{Auto, Model};

#[derive(Model)]
struct Counter {
    id: Auto<i64>,
    #[model(default = "0")]
    hits: i32,
}

fn main() {}
