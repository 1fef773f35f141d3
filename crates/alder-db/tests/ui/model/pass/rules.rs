use alder_db::{Auto, Model, ValidationError, ValidationErrors};
use rust_decimal::Decimal;

fn not_reserved(name: &String) -> Result<(), ValidationError> {
    if name == "admin" {
        return Err(ValidationError::new("reserved", "This name is reserved."));
    }
    Ok(())
}

fn positive(value: &Option<i64>) -> Result<(), ValidationError> {
    match value {
        Some(n) if *n < 0 => Err(ValidationError::invalid("negative")),
        _ => Ok(()),
    }
}

fn whole(account: &Account) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if account.name == account.email {
        errors.add("email", ValidationError::invalid("differs from the name"));
    }
    errors.into_result()
}

#[derive(Model)]
#[model(clean = whole)]
struct Account {
    id: Auto<i64>,
    #[model(max_length = 30, min_length = 3, slug, regex = r"[a-z][a-z0-9_-]*", validate = "not_reserved")]
    name: String,
    #[model(max_length = 254, email)]
    email: String,
    #[model(max_length = 200, url, blank)]
    site: String,
    #[model(max_length = 45, ip)]
    last_ip: Option<String>,
    #[model(min = -10, max = 10, default = 0)]
    balance: i32,
    #[model(min = 0.5, max = 9.5, default = 1.0)]
    ratio: f64,
    #[model(max_digits = 6, decimal_places = 2, min = 0, default = Decimal::new(100, 2))]
    fee: Decimal,
    #[model(validate = positive)]
    credit: Option<i64>,
    #[model(default)]
    active: bool,
    #[model(max_length = 10, default = "new", db_default = "'new'")]
    state: String,
}

fn main() {
    let meta = <Account as Model>::META;
    assert_eq!(meta.field("name").unwrap().validators.len(), 4);
    assert!(meta.field("active").unwrap().default.is_some());
}
