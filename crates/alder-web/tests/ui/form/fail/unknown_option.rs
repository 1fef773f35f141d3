use alder_web::forms::Form;

#[derive(Form)]
struct Search {
    #[form(placeholder = "Search…")]
    q: String,
}

fn main() {}
