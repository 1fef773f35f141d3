use alder_db::{Auto, Model};

#[derive(Model)]
struct Note {
    id: Auto<i64>,
    #[model(max_length = 10)]
    count: i32,
}

fn main() {}
