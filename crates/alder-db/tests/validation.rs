//! Validation of model instances: every declared rule refuses a bad value with its own code
//! and message, custom field functions and the model's `clean` run, typed defaults are in the
//! metadata, and `full_clean` finds unique clashes on SQLite and PostgreSQL.

use alder_db::validation::{Limit, Validator};
use alder_db::{
    crud, schema, testing, Auto, Choices, DbError, Decimal, Model, ValidationError,
    ValidationErrors, Value,
};

#[derive(Choices, Debug, Clone, Copy, PartialEq, Default)]
enum Plan {
    #[default]
    Free,
    Pro,
}

fn not_reserved(name: &String) -> Result<(), ValidationError> {
    if name == "admin" {
        return Err(ValidationError::new("reserved", "This name is reserved."));
    }
    Ok(())
}

fn even(value: &Option<i64>) -> Result<(), ValidationError> {
    match value {
        Some(n) if n % 2 != 0 => Err(ValidationError::invalid("Give an even number.")),
        _ => Ok(()),
    }
}

fn name_is_not_email(account: &Account) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if account.name == account.email {
        errors.add(
            "email",
            ValidationError::invalid("The email cannot be the name."),
        );
    }
    if account.balance > 0 && account.plan == Plan::Free {
        errors.add_non_field(ValidationError::new(
            "free_balance",
            "A free account has no balance.",
        ));
    }
    errors.into_result()
}

#[derive(Model, Debug, Clone)]
#[model(clean = "name_is_not_email", unique_together = "email, plan")]
struct Account {
    id: Auto<i64>,
    #[model(
        unique,
        max_length = 12,
        min_length = 3,
        slug,
        regex = "[a-z].*",
        validate = "not_reserved"
    )]
    name: String,
    #[model(max_length = 254, email)]
    email: String,
    #[model(max_length = 200, url, blank)]
    site: String,
    #[model(max_length = 45, ip, blank)]
    last_ip: Option<String>,
    #[model(min = -10, max = 10, default = 0)]
    balance: i32,
    #[model(min = 0.5, max = 2.5, default = 1.0)]
    ratio: f64,
    #[model(max_digits = 5, decimal_places = 2, min = 0, default = Decimal::new(150, 2))]
    fee: Decimal,
    #[model(validate = even, blank)]
    lucky: Option<i64>,
    #[model(default)]
    plan: Plan,
    #[model(default)]
    active: bool,
}

fn good() -> Account {
    Account {
        id: Auto::new(),
        name: "ann".into(),
        email: "ann@example.com".into(),
        site: String::new(),
        last_ip: None,
        balance: 0,
        ratio: 1.0,
        fee: Decimal::new(150, 2),
        lucky: None,
        plan: Plan::Free,
        active: true,
    }
}

/// The codes of the errors `change` causes, per field, from `clean_fields` and `clean`.
fn codes(change: impl FnOnce(&mut Account)) -> Vec<(String, Vec<String>)> {
    let mut account = good();
    change(&mut account);
    let mut errors = account.clean_fields().err().unwrap_or_default();
    if let Err(more) = account.clean() {
        errors.merge(more);
    }
    let mut found: Vec<(String, Vec<String>)> = errors
        .fields()
        .map(|(field, list)| {
            (
                field.to_string(),
                list.iter().map(|e| e.code().to_string()).collect(),
            )
        })
        .collect();
    if !errors.non_field().is_empty() {
        found.push((
            "__all__".into(),
            errors
                .non_field()
                .iter()
                .map(|e| e.code().to_string())
                .collect(),
        ));
    }
    found
}

fn one(field: &str, code: &str) -> Vec<(String, Vec<String>)> {
    vec![(field.to_string(), vec![code.to_string()])]
}

#[test]
fn a_good_object_passes_every_rule() {
    assert_eq!(codes(|_| {}), vec![]);
    // Every optional format filled in correctly passes too.
    assert_eq!(
        codes(|a| {
            a.site = "https://ann.example.com/".into();
            a.last_ip = Some("2001:db8::1".into());
            a.lucky = Some(4);
            a.balance = -10;
            a.ratio = 2.5;
        }),
        vec![]
    );
}

#[test]
fn each_rule_refuses_a_bad_value_with_its_code() {
    assert_eq!(codes(|a| a.name = String::new()), one("name", "blank"));
    assert_eq!(codes(|a| a.name = "ab".into()), one("name", "min_length"));
    assert_eq!(
        codes(|a| a.name = "a-very-long-name".into()),
        one("name", "max_length")
    );
    // Not a slug, and not matching `[a-z].*` as a whole: both reported, in declaration order.
    assert_eq!(
        codes(|a| a.name = "9 lives".into()),
        vec![("name".into(), vec!["invalid".into(), "invalid".into()])]
    );
    assert_eq!(codes(|a| a.name = "Ann".into()), one("name", "invalid"));
    assert_eq!(codes(|a| a.email = "ann@".into()), one("email", "invalid"));
    assert_eq!(
        codes(|a| a.site = "example.com".into()),
        one("site", "invalid")
    );
    assert_eq!(
        codes(|a| a.last_ip = Some("300.1.1.1".into())),
        one("last_ip", "invalid")
    );
    assert_eq!(codes(|a| a.balance = -11), one("balance", "min_value"));
    assert_eq!(
        codes(|a| {
            a.balance = 11;
            a.plan = Plan::Pro;
        }),
        one("balance", "max_value")
    );
    assert_eq!(codes(|a| a.ratio = 0.25), one("ratio", "min_value"));
    assert_eq!(codes(|a| a.ratio = 2.75), one("ratio", "max_value"));
    assert_eq!(
        codes(|a| a.fee = Decimal::new(-1, 2)),
        one("fee", "min_value")
    );
    assert_eq!(
        codes(|a| a.fee = Decimal::new(1234, 0)),
        one("fee", "max_whole_digits")
    );
    assert_eq!(
        codes(|a| a.fee = Decimal::new(1234, 3)),
        one("fee", "max_decimal_places")
    );
}

#[test]
fn messages_say_what_was_expected() {
    let mut account = good();
    account.name = "ab".into();
    account.balance = 12;
    account.email = "nobody".into();
    let errors = account.clean_fields().unwrap_err();
    assert_eq!(
        errors.field("name")[0].message(),
        "Ensure this value has at least 3 characters (it has 2)."
    );
    assert_eq!(
        errors.field("balance")[0].message(),
        "Ensure this value is less than or equal to 10."
    );
    assert_eq!(
        errors.field("email")[0].message(),
        "Enter a valid email address."
    );
    // Fields in declaration order, whatever order the problems were found in.
    let order: Vec<&str> = errors.fields().map(|(f, _)| f).collect();
    assert_eq!(order, ["name", "email", "balance"]);
    assert_eq!(
        errors.to_string(),
        "name: Ensure this value has at least 3 characters (it has 2).; \
         email: Enter a valid email address.; \
         balance: Ensure this value is less than or equal to 10."
    );
}

#[test]
fn custom_functions_run_once_the_built_in_rules_pass() {
    assert_eq!(codes(|a| a.name = "admin".into()), one("name", "reserved"));
    assert_eq!(codes(|a| a.lucky = Some(3)), one("lucky", "invalid"));
    // A value the built-in rules already refuse is not handed to the function too.
    assert_eq!(codes(|a| a.name = "ad".into()), one("name", "min_length"));
    // An empty optional value skips the function, as Django skips validators on empty values.
    assert_eq!(codes(|a| a.lucky = None), vec![]);
}

#[test]
fn the_model_clean_reports_on_fields_and_on_the_whole() {
    assert_eq!(
        codes(|a| {
            a.name = "ann".into();
            a.email = "ann".into();
        }),
        one("email", "invalid")
            .into_iter()
            .map(|(f, mut c)| {
                // `ann` is no email address, and the clean hook refuses it as the name too.
                c.push("invalid".into());
                (f, c)
            })
            .collect::<Vec<_>>()
    );
    assert_eq!(codes(|a| a.balance = 5), one("__all__", "free_balance"));
}

#[test]
fn rules_and_defaults_are_in_the_metadata() {
    let field = |name| Account::META.field(name).unwrap();
    assert_eq!(
        field("name").validators,
        &[
            Validator::MinLength(3),
            Validator::Slug,
            Validator::Regex("[a-z].*"),
            Validator::Custom("not_reserved"),
        ]
    );
    assert_eq!(
        field("ratio").validators,
        &[
            Validator::MinValue(Limit::Float(0.5)),
            Validator::MaxValue(Limit::Float(2.5))
        ]
    );
    assert_eq!(field("lucky").validators, &[Validator::Custom("even")]);
    assert_eq!(
        field("balance").default.unwrap().value(),
        Value::from(0_i32)
    );
    assert_eq!(
        field("fee").default.unwrap().value(),
        Value::from(Decimal::new(150, 2))
    );
    assert_eq!(field("plan").default.unwrap().value(), Value::from("free"));
    assert_eq!(field("active").default.unwrap().value(), Value::from(false));
    assert!(field("email").default.is_none());
    // A typed default is not SQL: the table's column has no database default.
    assert!(field("balance").db_default.is_none());

    let json = serde_json::to_value(field("balance")).unwrap();
    assert_eq!(json["default"], serde_json::json!(0));
    assert_eq!(
        json["validators"],
        serde_json::json!([{"kind": "min_value", "value": -10}, {"kind": "max_value", "value": 10}])
    );
    let json = serde_json::to_value(field("name")).unwrap();
    assert_eq!(
        json["validators"][2],
        serde_json::json!({"kind": "regex", "value": "[a-z].*"})
    );
    assert_eq!(json["validators"][1], serde_json::json!({"kind": "slug"}));
}

#[tokio::test]
async fn full_clean_finds_unique_clashes_but_not_the_object_itself() {
    for db in testing::all().await.unwrap() {
        schema::create_model(&db, Account::META).await.unwrap();
        let mut ann = good();
        crud::full_clean(&db, &ann).await.unwrap();
        crud::save(&db, &mut ann).await.unwrap();
        // Saved, the object is no clash with itself.
        crud::full_clean(&db, &ann).await.unwrap();

        let mut other = good();
        other.plan = Plan::Pro;
        let Err(DbError::Invalid { model, errors }) = crud::full_clean(&db, &other).await else {
            panic!("a second `ann` must be refused on {:?}", db.backend());
        };
        assert_eq!(model, "Account");
        assert_eq!(
            errors.field("name")[0].message(),
            "Account with this Name already exists."
        );
        assert!(errors.non_field().is_empty(), "{errors}");

        // Same email and plan: a unique_together clash, reported on the whole object.
        other.name = "bob".into();
        other.plan = Plan::Free;
        let Err(DbError::Invalid { errors, .. }) = crud::full_clean(&db, &other).await else {
            panic!("email and plan together must be unique");
        };
        assert!(!errors.has_field("name"));
        assert_eq!(
            errors.non_field()[0].message(),
            "Account with this Email and Plan already exists."
        );
        assert_eq!(errors.non_field()[0].code(), "unique_together");

        // A field already invalid is not looked up; the field error is the one reported.
        let mut bad = good();
        bad.name = "an".into();
        let Err(DbError::Invalid { errors, .. }) = crud::full_clean(&db, &bad).await else {
            panic!("too short");
        };
        let codes: Vec<&str> = errors.field("name").iter().map(|e| e.code()).collect();
        assert_eq!(codes, ["min_length"]);

        // Nothing clashes once the values differ; and validation never wrote anything.
        other.email = "bob@example.com".into();
        crud::full_clean(&db, &other).await.unwrap();
        assert_eq!(Account::objects().count(&db).await.unwrap(), 1);
    }
}

#[test]
fn invalid_errors_read_well_and_serialize_for_apis() {
    let mut account = good();
    account.balance = 5;
    account.name = "x".into();
    let errors = {
        let mut e = account.clean_fields().unwrap_err();
        e.merge(account.clean().unwrap_err());
        e
    };
    let error = DbError::Invalid {
        model: "Account",
        errors,
    };
    let text = error.to_string();
    assert!(text.contains("Account"), "{text}");
    assert!(
        text.contains("name: Ensure this value has at least 3 characters"),
        "{text}"
    );
    let DbError::Invalid { errors, .. } = error else {
        unreachable!()
    };
    let json = serde_json::to_value(&errors).unwrap();
    assert_eq!(
        json["fields"]["name"][0]["code"],
        serde_json::json!("min_length")
    );
    assert_eq!(
        json["non_field"][0]["message"],
        serde_json::json!("A free account has no balance.")
    );
}

#[tokio::test]
async fn every_model_saves_reloads_validates_and_deletes_itself() {
    for db in testing::all().await.unwrap() {
        schema::create_model(&db, Account::META).await.unwrap();
        let mut ann = good();
        ann.full_clean(&db).await.unwrap();
        ann.save(&db).await.unwrap();
        assert!(ann.id.get().is_some());

        let mut copy = Account::objects().get(&db).await.unwrap();
        ann.balance = -3;
        ann.save(&db).await.unwrap();
        copy.refresh(&db).await.unwrap();
        assert_eq!(copy.balance, -3);

        let mut twin = good();
        twin.plan = Plan::Pro;
        assert!(matches!(
            twin.full_clean(&db).await,
            Err(DbError::Invalid { .. })
        ));
        assert!(ann.delete(&db).await.unwrap());
        assert!(!ann.delete(&db).await.unwrap(), "the row is gone already");
        twin.full_clean(&db).await.unwrap();
        // Refreshing an object whose row is gone says so.
        assert!(matches!(
            copy.refresh(&db).await,
            Err(DbError::NotFound { .. })
        ));
    }
}
