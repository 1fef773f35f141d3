use alder_web::db::{Auto, ManyToMany, Model};
use alder_web::forms::Form;

#[derive(Model)]
struct Tag {
    id: Auto<i64>,
    name: String,
}

#[derive(Form)]
struct Search {
    q: String,
    tags: ManyToMany<Tag>,
}

fn main() {}
