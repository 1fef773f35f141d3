use alder_db::{Auto, Model, ValidationError};

fn even(value: &i64) -> Result<(), ValidationError> {
    if value % 2 == 0 { Ok(()) } else { Err(ValidationError::invalid("odd")) }
}

#[derive(Model)]
struct Pair {
    id: Auto<i64>,
    #[model(validate = "even")]
    count: i32,
}

fn main() {}
