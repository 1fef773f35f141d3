use alder_web::forms::{Form, FromForm};

#[derive(alder_web::db::Model, Form)]
#[form(fields = "title")]
struct Note {
    id: alder_web::db::Auto<i64>,
    title: String,
    views: i64,
}

fn takes<F: FromForm>() {}

fn main() {
    // The form leaves `views` out, so it cannot build a whole Note.
    takes::<Note>();
}
