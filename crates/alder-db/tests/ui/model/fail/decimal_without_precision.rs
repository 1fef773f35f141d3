use alder_db::{Auto, Decimal, Model};

#[derive(Model)]
struct Price {
    id: Auto<i64>,
    amount: Decimal,
}

fn main() {}
