use alder_web::forms::Form;

#[derive(Form)]
struct Search {
    #[form(widget = "slider")]
    q: String,
}

fn main() {}
