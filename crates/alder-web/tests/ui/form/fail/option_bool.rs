use alder_web::forms::Form;

#[derive(Form)]
struct Survey {
    agree: Option<bool>,
}

fn main() {}
