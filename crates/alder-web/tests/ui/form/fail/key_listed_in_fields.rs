use alder_web::db::{Auto, Model};
use alder_web::forms::Form;

#[derive(Model, Form)]
#[form(fields = "id, title")]
struct Note {
    id: Auto<i64>,
    title: String,
}

fn main() {}
