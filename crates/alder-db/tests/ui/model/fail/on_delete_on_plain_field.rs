use alder_db::{Auto, Model};

#[derive(Model)]
struct Book {
    id: Auto<i64>,
    #[model(on_delete = "cascade")]
    author_id: i64,
}

fn main() {}
