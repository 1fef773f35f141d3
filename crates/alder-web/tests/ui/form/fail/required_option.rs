use alder_web::forms::Form;

#[derive(Form)]
struct Profile {
    #[form(required)]
    nickname: Option<String>,
}

fn main() {}
