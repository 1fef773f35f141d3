use alder_web::db::FileField;
use alder_web::forms::Form;

#[derive(Form)]
struct Upload {
    title: String,
    document: FileField,
}

fn main() {}
