use alder_web::valid::Validate;

#[derive(Validate)]
struct Misspelt {
    #[validate(min_lenght = 3)]
    title: String,
}

#[derive(Validate)]
struct TextRuleOnNumber {
    #[validate(email)]
    stars: u8,
}

#[derive(Validate)]
struct LengthOnNumber {
    #[validate(max_length = 5)]
    stars: u8,
}

#[derive(Validate)]
struct Impossible {
    #[validate(min = 5, max = 1)]
    stars: u8,
}

struct Plain {
    name: String,
}

#[derive(Validate)]
struct NotNested {
    #[validate(nested)]
    author: Plain,
}

fn main() {}

#[derive(Validate, serde::Deserialize)]
struct Skipped {
    #[serde(skip)]
    #[validate(min_length = 1)]
    secret: String,
}
