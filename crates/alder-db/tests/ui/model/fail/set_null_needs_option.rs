use alder_db::{Auto, ForeignKey, Model};

#[derive(Model)]
struct Author {
    id: Auto<i64>,
}

#[derive(Model)]
struct Book {
    id: Auto<i64>,
    #[model(on_delete = "set_null")]
    author: ForeignKey<Author>,
}

fn main() {}
