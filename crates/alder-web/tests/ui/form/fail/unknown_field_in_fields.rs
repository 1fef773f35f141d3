use alder_web::db::{Auto, Model};
use alder_web::forms::Form;

#[derive(Model, Form)]
#[form(fields = "title, body")]
struct Note {
    id: Auto<i64>,
    title: String,
}

fn main() {}
