//! `#[derive(Validate)]`: rules declared on an API input type's fields are checked by `Valid`
//! and refused with FastAPI's 422, each error at the field as the client spelt it.

use alder_web::db::validation::{ValidationError, ValidationErrors, Validator};
use alder_web::extract::Path;
use alder_web::routing::{get, post};
use alder_web::test::TestClient;
use alder_web::valid::{Valid, Validate};
use alder_web::{App, Json, Project, Settings};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize, Validate)]
struct Author {
    #[validate(email)]
    email: String,
}

#[derive(Deserialize, Validate)]
struct Tag {
    #[validate(min_length = 1, max_length = 10, slug)]
    name: String,
}

fn not_spam(title: &str) -> Result<(), ValidationError> {
    if title.to_lowercase().contains("buy now") {
        return Err(ValidationError::new("spam", "Titles may not advertise."));
    }
    Ok(())
}

fn dates_in_order(post: &NewPost) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if let (Some(from), Some(to)) = (post.show_from, post.show_until) {
        if from > to {
            errors.add(
                "showUntil",
                ValidationError::new("order", "Must not be before showFrom."),
            );
        }
    }
    errors.into_result()
}

#[derive(Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
#[validate(clean = "dates_in_order")]
struct NewPost {
    #[validate(min_length = 3, max_length = 40, validate = "not_spam")]
    title: String,
    #[validate(min = 1, max = 5)]
    stars: u32,
    #[validate(min = 0.0, max = 1.0)]
    #[serde(default)]
    weight: Option<f64>,
    #[serde(rename = "link")]
    #[validate(url)]
    homepage: Option<String>,
    #[validate(nested)]
    author: Author,
    #[validate(nested)]
    #[serde(default)]
    tags: Vec<Tag>,
    show_from: Option<i64>,
    show_until: Option<i64>,
}

async fn create(Valid(Json(post)): Valid<Json<NewPost>>) -> String {
    format!("{} ({} tags)", post.title, post.tags.len())
}

fn client() -> TestClient {
    TestClient::new(
        Project::new(Settings::debug()).app(App::new("api").api().route(
            "/posts/",
            post(create),
            "create",
        )),
    )
}

fn good() -> Value {
    json!({
        "title": "Hello",
        "stars": 4,
        "author": {"email": "ann@example.com"},
        "tags": [{"name": "rust"}],
    })
}

/// The `detail` list of a refusal, as (loc, type) pairs.
async fn refused(client: &TestClient, body: Value) -> Vec<(Value, String)> {
    let response = client.post("/posts/").json(&body).await;
    response.assert_status(422);
    let detail: Value = serde_json::from_str(&response.text()).unwrap();
    detail["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["loc"].clone(), p["type"].as_str().unwrap().to_owned()))
        .collect()
}

fn with(changes: Value) -> Value {
    let mut body = good();
    for (key, value) in changes.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

#[tokio::test]
async fn good_input_reaches_the_handler() {
    let client = client();
    let response = client.post("/posts/").json(&good()).await;
    response.assert_ok();
    assert_eq!(response.text(), "Hello (1 tags)");
    // Optional fields given good values pass too.
    client
        .post("/posts/")
        .json(&with(
            json!({"weight": 0.5, "link": "https://example.com/", "showFrom": 1, "showUntil": 2}),
        ))
        .await
        .assert_ok();
}

#[tokio::test]
async fn each_rule_is_reported_at_its_field_as_the_client_spelt_it() {
    let client = client();
    let problems = refused(
        &client,
        with(json!({
            "title": "Hi",
            "stars": 9,
            "weight": 1.5,
            "link": "not a url",
            "author": {"email": "nobody"},
            "tags": [{"name": "ok"}, {"name": "no spaces"}, {"name": ""}],
            "showFrom": 5,
            "showUntil": 1,
        })),
    )
    .await;
    let expected = [
        (json!(["body", "title"]), "min_length"),
        (json!(["body", "stars"]), "max_value"),
        (json!(["body", "weight"]), "max_value"),
        (json!(["body", "link"]), "invalid"),
        (json!(["body", "author", "email"]), "invalid"),
        (json!(["body", "tags", 1, "name"]), "invalid"),
        (json!(["body", "tags", 2, "name"]), "min_length"),
        // Empty text is not a slug either: every rule that fails is named.
        (json!(["body", "tags", 2, "name"]), "invalid"),
        (json!(["body", "showUntil"]), "order"),
    ];
    let found: Vec<(Value, &str)> = problems
        .iter()
        .map(|(l, t)| (l.clone(), t.as_str()))
        .collect();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn text_length_counts_characters_and_both_bounds_hold() {
    let client = client();
    let long = "é".repeat(41);
    let problems = refused(&client, with(json!({"title": long, "stars": 0}))).await;
    assert_eq!(
        problems,
        [
            (json!(["body", "title"]), "max_length".to_owned()),
            (json!(["body", "stars"]), "min_value".to_owned()),
        ]
    );
    // Forty two-byte characters are within max_length = 40.
    client
        .post("/posts/")
        .json(&with(json!({"title": "é".repeat(40)})))
        .await
        .assert_ok();
}

#[tokio::test]
async fn a_function_runs_after_the_rules_and_only_when_they_pass() {
    let client = client();
    let problems = refused(&client, with(json!({"title": "Buy now, cheap"}))).await;
    assert_eq!(problems, [(json!(["body", "title"]), "spam".to_owned())]);
    // Too short: the rule's error alone, the function is not asked.
    let problems = refused(&client, with(json!({"title": "b"}))).await;
    assert_eq!(
        problems,
        [(json!(["body", "title"]), "min_length".to_owned())]
    );
}

#[test]
fn the_declared_rules_are_listed_for_documents() {
    let rules = NewPost::field_rules();
    let names: Vec<&str> = rules.iter().map(|r| r.name).collect();
    assert_eq!(
        names,
        ["title", "stars", "weight", "link", "author", "tags"]
    );
    assert!(rules[0].validators.contains(&Validator::MaxLength(40)));
    assert!(rules[0].validators.contains(&Validator::Custom("not_spam")));
    assert!(rules[4].nested && !rules[0].nested);
    assert!(Author::field_rules()[0].validators == [Validator::Email]);
}

#[derive(Deserialize, Validate)]
struct Archive {
    #[validate(min = 2000, max = 2100)]
    year: i32,
    #[validate(slug)]
    slug: String,
}

async fn archive(Valid(Path(a)): Valid<Path<Archive>>) -> String {
    format!("{} {}", a.year, a.slug)
}

async fn pair(Valid(Path((year, month))): Valid<Path<(i32, u8)>>) -> String {
    format!("{year}-{month}")
}

async fn one(Valid(Path(id)): Valid<Path<u64>>) -> String {
    id.to_string()
}

fn path_client() -> TestClient {
    TestClient::new(
        Project::new(Settings::debug()).app(
            App::new("api")
                .api()
                .route("/archive/{year}/{slug}/", get(archive), "archive")
                .route("/months/{year}/{month}/", get(pair), "pair")
                .route("/posts/{id}/", get(one), "one"),
        ),
    )
}

async fn path_problem(client: &TestClient, url: &str) -> (Value, String) {
    let response = client.get(url).await;
    response.assert_status(422);
    let body: Value = serde_json::from_str(&response.text()).unwrap();
    let problem = &body["detail"][0];
    assert_eq!(body["detail"].as_array().unwrap().len(), 1, "{body}");
    (
        problem["loc"].clone(),
        problem["type"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn path_parameters_are_parsed_checked_and_refused_at_their_name() {
    let client = path_client();
    client
        .get("/archive/2024/rust/")
        .await
        .assert_ok()
        .assert_contains("2024 rust");
    client
        .get("/months/2024/12/")
        .await
        .assert_ok()
        .assert_contains("2024-12");
    client
        .get("/posts/7/")
        .await
        .assert_ok()
        .assert_contains("7");

    let cases = [
        (
            "/archive/twenty/rust/",
            json!(["path", "year"]),
            "type_error",
        ),
        ("/archive/1999/rust/", json!(["path", "year"]), "min_value"),
        (
            "/archive/2024/not%20a%20slug/",
            json!(["path", "slug"]),
            "invalid",
        ),
        // A tuple's parameters are named as the route names them.
        ("/months/2024/300/", json!(["path", "month"]), "type_error"),
        ("/posts/-1/", json!(["path", "id"]), "type_error"),
        (
            "/posts/99999999999999999999999/",
            json!(["path", "id"]),
            "type_error",
        ),
    ];
    for (url, loc, kind) in cases {
        assert_eq!(
            path_problem(&client, url).await,
            (loc, kind.to_owned()),
            "{url}"
        );
    }
}

#[derive(Deserialize, Validate)]
struct Paging {
    #[validate(min = 1, max = 100)]
    per_page: u32,
}

/// A generic wrapper: `nested` on a field of a type parameter adds the `Validate` bound.
#[derive(Deserialize, Validate)]
struct Batch<T> {
    #[validate(nested)]
    items: Vec<T>,
    /// Flattened: its fields sit at this level of the input, and so do their errors.
    #[serde(flatten)]
    #[validate(nested)]
    paging: Paging,
    /// Named by what serde reads.
    #[serde(rename(deserialize = "note", serialize = "comment"))]
    #[validate(max_length = 5)]
    remark: Option<String>,
}

async fn batch(Valid(Json(b)): Valid<Json<Batch<Tag>>>) -> String {
    b.items.len().to_string()
}

async fn two(Valid(Path((a, b))): Valid<Path<(u32, u32)>>) -> String {
    format!("{a}{b}")
}

#[tokio::test]
async fn generic_flattened_and_renamed_fields_are_named_as_the_input_spells_them() {
    let client = TestClient::new(
        Project::new(Settings::debug()).app(
            App::new("api")
                .api()
                .route("/batch/", post(batch), "batch")
                .route("/two/{a}/", get(two), "two"),
        ),
    );
    client
        .post("/batch/")
        .json(&json!({"items": [{"name": "a"}], "per_page": 10}))
        .await
        .assert_ok();
    let response = client
        .post("/batch/")
        .json(&json!({"items": [{"name": "a b"}], "per_page": 0, "note": "too long"}))
        .await;
    response.assert_status(422);
    let body: Value = serde_json::from_str(&response.text()).unwrap();
    let locs: Vec<Value> = body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["loc"].clone())
        .collect();
    assert_eq!(
        locs,
        [
            json!(["body", "items", 0, "name"]),
            json!(["body", "per_page"]),
            json!(["body", "note"]),
        ]
    );
    // A route with fewer parameters than its handler reads is the program's mistake: a 500,
    // not a 422 blaming the client.
    client.get("/two/1/").await.assert_status(500);
}

/// A model whose fields an API type follows.
#[derive(alder_web::db::Model)]
struct Review {
    id: alder_web::db::Auto<i64>,
    #[model(max_length = 40)]
    reviewer: String,
    #[model(min = 1, max = 5)]
    stars: i32,
    #[model(blank, email)]
    contact: Option<String>,
}

/// Sent to add a review: the fields' rules are the model's.
#[derive(Deserialize, Validate)]
#[validate(model = "Review")]
#[serde(rename_all = "camelCase")]
struct NewReview {
    reviewer: String,
    stars: i32,
    #[serde(default)]
    contact: Option<String>,
}

#[test]
fn a_type_with_model_follows_the_models_field_rules() {
    let ok = NewReview {
        reviewer: "Ada".into(),
        stars: 5,
        contact: Some(String::new()),
    };
    assert!(
        ok.validate().is_ok(),
        "blank is allowed where the model allows it"
    );
    let bad = NewReview {
        reviewer: "x".repeat(41),
        stars: 9,
        contact: Some("not an address".into()),
    };
    let errors = bad.validate().unwrap_err();
    assert_eq!(errors.field("reviewer")[0].code(), "max_length");
    assert_eq!(
        errors.field("stars")[0].message(),
        "Ensure this value is less than or equal to 5."
    );
    assert_eq!(errors.field("contact")[0].code(), "invalid");
    let empty = NewReview {
        reviewer: String::new(),
        stars: 1,
        contact: None,
    };
    assert_eq!(
        empty.validate().unwrap_err().field("reviewer")[0].code(),
        "blank"
    );
    // The table names the model's field, for schemas.
    let rules = NewReview::field_rules();
    let stars = rules.iter().find(|r| r.name == "stars").unwrap();
    assert_eq!(stars.model_field.unwrap().name, "stars");
    assert!(stars.validators.is_empty(), "the rules stay the model's");
}
