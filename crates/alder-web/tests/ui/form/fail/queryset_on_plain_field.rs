use alder_web::db::{Auto, Model, QuerySet};
use alder_web::forms::Form;

fn recent() -> QuerySet<Note> {
    Note::objects()
}

#[derive(Model, Form)]
struct Note {
    id: Auto<i64>,
    #[form(queryset = "recent")]
    title: String,
}

fn main() {}
