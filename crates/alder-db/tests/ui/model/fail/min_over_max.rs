use alder_db::{Auto, Model};

#[derive(Model)]
struct Review {
    id: Auto<i64>,
    #[model(min = 5, max = 1)]
    stars: i32,
}

fn main() {}
