use alder_db::{Auto, Model};

#[derive(Model)]
struct Code {
    id: Auto<i64>,
    #[model(max_length = 10, regex = "[A-Z")]
    value: String,
}

fn main() {}
