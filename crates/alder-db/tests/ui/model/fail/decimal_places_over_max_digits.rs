use alder_db::{Auto, Decimal, Model};

#[derive(Model)]
struct Price {
    id: Auto<i64>,
    #[model(max_digits = 4, decimal_places = 6)]
    amount: Decimal,
}

fn main() {}
