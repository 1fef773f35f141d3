use alder_db::{Auto, ForeignKey, Model};

#[derive(Model)]
struct Country {
    #[model(primary_key, max_length = 2)]
    code: String,
}

#[derive(Model)]
struct City {
    id: Auto<i64>,
    country: ForeignKey<Country>,
}

fn main() {}
