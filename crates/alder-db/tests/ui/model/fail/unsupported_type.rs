use alder_db::{Auto, Model};

struct Money;

#[derive(Model)]
struct Order {
    id: Auto<i64>,
    total: Money,
}

fn main() {}
