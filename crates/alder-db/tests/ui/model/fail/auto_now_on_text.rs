use alder_db::{Auto, Model};

#[derive(Model)]
struct Note {
    id: Auto<i64>,
    #[model(auto_now)]
    stamp: String,
}

fn main() {}
