use alder_db::{Auto, Model};

#[derive(Model)]
struct Price {
    id: Auto<i64>,
    #[model(max_digits = 10, decimal_places = 2)]
    amount: f64,
}

fn main() {}
