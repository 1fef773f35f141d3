use alder_web::db::{Auto, FileField, Model};
use alder_web::forms::Form;

#[derive(Model, Form)]
struct Report {
    id: Auto<i64>,
    #[form(initial = "report.pdf")]
    attachment: FileField,
}

fn main() {}
