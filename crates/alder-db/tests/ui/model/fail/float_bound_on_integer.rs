use alder_db::{Auto, Model};

#[derive(Model)]
struct Review {
    id: Auto<i64>,
    #[model(max = 4.5)]
    stars: i32,
}

fn main() {}
