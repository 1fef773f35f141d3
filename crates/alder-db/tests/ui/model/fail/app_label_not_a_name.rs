use alder_db::{Auto, Model};

#[derive(Model)]
#[model(app = "my blog")]
struct Post {
    id: Auto<i64>,
}

fn main() {}
