//! `Valid<Json<T>>`, `Valid<Query<T>>` and `Valid<Form<T>>`: what each kind of bad input is
//! answered with, and that good input reaches the handler.

use alder_web::db::validation::{check_rules, Limit, ValidationError, ValidationErrors, Validator};
use alder_web::extract::{Form, Query};
use alder_web::routing::{get, post};
use alder_web::test::TestClient;
use alder_web::valid::{Valid, Validate};
use alder_web::{App, Json, Project, Settings};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Deserialize, Serialize)]
struct Tag {
    name: String,
}

impl Validate for Tag {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.name.chars().count() > 10 {
            errors.add(
                "name",
                ValidationError::new("max_length", "at most 10 characters"),
            );
        }
        errors.into_result()
    }
}

#[derive(Deserialize, Serialize)]
struct NewPost {
    title: String,
    stars: u8,
    #[serde(default)]
    tags: Vec<Tag>,
}

impl Validate for NewPost {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.title.trim().is_empty() {
            errors.add(
                "title",
                ValidationError::new("blank", "This field cannot be blank."),
            );
        }
        if let Err(tag_errors) = self.tags.validate() {
            for (field, list) in tag_errors.fields() {
                for error in list {
                    errors.add(format!("tags.{field}"), error.clone());
                }
            }
        }
        errors.into_result()
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Strict {
    name: String,
}

impl Validate for Strict {
    fn validate(&self) -> Result<(), ValidationErrors> {
        Ok(())
    }
}

#[derive(Deserialize)]
struct Page {
    page: u32,
}

impl Validate for Page {
    fn validate(&self) -> Result<(), ValidationErrors> {
        // The vocabulary of `#[model(min = 1)]`, with its message.
        let mut errors = ValidationErrors::new();
        let rules = [Validator::MinValue(Limit::Int(1))];
        for error in check_rules(&rules, &alder_web::db::Value::from(self.page)) {
            errors.add("page", error);
        }
        errors.into_result()
    }
}

/// Any JSON at all under `data`, so nesting is limited only by the parser.
#[derive(Deserialize)]
struct Echo {
    data: Value,
}

impl Validate for Echo {
    fn validate(&self) -> Result<(), ValidationErrors> {
        Ok(())
    }
}

async fn echo(Valid(Json(e)): Valid<Json<Echo>>) -> String {
    e.data.to_string()
}

async fn create(Valid(Json(post)): Valid<Json<NewPost>>) -> Json<NewPost> {
    Json(post)
}

async fn strict(Valid(Json(s)): Valid<Json<Strict>>) -> String {
    s.name
}

async fn list(Valid(Query(p)): Valid<Query<Page>>) -> String {
    format!("page {}", p.page)
}

async fn lend(Valid(Form(p)): Valid<Form<Page>>) -> String {
    format!("form page {}", p.page)
}

fn client() -> TestClient {
    let mut settings = Settings::debug();
    settings.max_body_size = 1024;
    TestClient::new(
        Project::new(settings).app(
            App::new("api")
                .api()
                .route("/posts/", post(create), "create")
                .route("/strict/", post(strict), "strict")
                .route("/list/", get(list), "list")
                .route("/lend/", post(lend), "lend"),
        ),
    )
}

/// The one problem of a 422 (or 415) body.
fn only_problem(body: &Value) -> &Value {
    let detail = body["detail"].as_array().expect("detail is a list");
    assert_eq!(detail.len(), 1, "{body}");
    &detail[0]
}

#[tokio::test]
async fn good_input_reaches_the_handler() {
    let client = client();
    let body = json!({"title": "Hello", "stars": 5, "tags": [{"name": "rust"}]});
    let response = client.post("/posts/").json(&body).await;
    response.assert_ok();
    assert_eq!(response.json::<Value>(), body);
    client
        .get("/list/?page=2")
        .await
        .assert_ok()
        .assert_contains("page 2");
    client
        .post("/lend/")
        .form(&[("page", "3")])
        .await
        .assert_ok()
        .assert_contains("form page 3");
}

#[tokio::test]
async fn every_broken_rule_is_listed_with_its_place() {
    let client = client();
    let body =
        json!({"title": " ", "stars": 1, "tags": [{"name": "ok"}, {"name": "much too long"}]});
    let response = client.post("/posts/").json(&body).await;
    response.assert_status(422);
    let body: Value = response.json();
    assert_eq!(
        body,
        json!({"detail": [
            {"loc": ["body", "title"], "msg": "This field cannot be blank.", "type": "blank"},
            {"loc": ["body", "tags", 1, "name"], "msg": "at most 10 characters", "type": "max_length"},
        ]})
    );
}

#[tokio::test]
async fn wrong_types_missing_fields_and_large_numbers_name_the_field() {
    let client = client();
    let wrong = client
        .post("/posts/")
        .json(&json!({"title": 7, "stars": 1}))
        .await;
    wrong.assert_status(422);
    let problem = only_problem(&wrong.json()).clone();
    assert_eq!(problem["loc"], json!(["body", "title"]));
    assert_eq!(problem["type"], "type_error");
    assert!(
        problem["msg"]
            .as_str()
            .unwrap()
            .contains("expected a string"),
        "{problem}"
    );

    let missing = client.post("/posts/").json(&json!({"title": "x"})).await;
    missing.assert_status(422);
    let problem = only_problem(&missing.json()).clone();
    assert_eq!(problem["type"], "missing");
    assert_eq!(
        problem["loc"],
        json!(["body", "stars"]),
        "the loc ends with the field"
    );
    assert!(
        problem["msg"].as_str().unwrap().contains("stars"),
        "{problem}"
    );

    let large = client
        .post("/posts/")
        .json(&json!({"title": "x", "stars": 300}))
        .await;
    large.assert_status(422);
    let problem = only_problem(&large.json()).clone();
    assert_eq!(problem["loc"], json!(["body", "stars"]));
    assert!(
        problem["msg"].as_str().unwrap().contains("300"),
        "{problem}"
    );

    let nested = client
        .post("/posts/")
        .json(&json!({"title": "x", "stars": 1, "tags": [{"name": "a"}, {"name": false}]}))
        .await;
    nested.assert_status(422);
    assert_eq!(
        only_problem(&nested.json())["loc"],
        json!(["body", "tags", 1, "name"])
    );
}

#[tokio::test]
async fn extra_fields_are_ignored_unless_the_type_forbids_them() {
    let client = client();
    let extra = json!({"title": "x", "stars": 1, "colour": "red"});
    client.post("/posts/").json(&extra).await.assert_ok();
    client
        .post("/strict/")
        .json(&json!({"name": "a"}))
        .await
        .assert_ok();
    let refused = client
        .post("/strict/")
        .json(&json!({"name": "a", "colour": "red"}))
        .await;
    refused.assert_status(422);
    let problem = only_problem(&refused.json()).clone();
    assert!(
        problem["msg"]
            .as_str()
            .unwrap()
            .contains("unknown field `colour`"),
        "{problem}"
    );
}

#[tokio::test]
async fn malformed_json_says_where_it_broke() {
    let client = client();
    let response = client
        .post("/posts/")
        .body("{\"title\": \"x\",\n  \"stars\": }", "application/json")
        .await;
    response.assert_status(422);
    let problem = only_problem(&response.json()).clone();
    assert_eq!(problem["type"], "json_invalid");
    assert!(
        problem["msg"].as_str().unwrap().contains("line 2 column"),
        "{problem}"
    );

    let mut bad_utf8 = b"{\"title\": \"".to_vec();
    bad_utf8.extend_from_slice(&[0xff, 0xfe]);
    bad_utf8.extend_from_slice(b"\", \"stars\": 1}");
    let response = client
        .post("/posts/")
        .body(bad_utf8, "application/json")
        .await;
    response.assert_status(422);
    assert_eq!(only_problem(&response.json())["type"], "json_invalid");

    let empty = client.post("/posts/").body("", "application/json").await;
    empty.assert_status(422);
    assert_eq!(only_problem(&empty.json())["type"], "json_invalid");
}

#[tokio::test]
async fn deep_nesting_is_refused_without_a_stack_overflow() {
    let mut settings = Settings::debug();
    settings.max_body_size = 1024 * 1024;
    let client = TestClient::new(
        Project::new(settings).app(
            App::new("api")
                .api()
                .route("/posts/", post(create), "create")
                .route("/echo/", post(echo), "echo"),
        ),
    );
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let response = client
        .post("/posts/")
        .body(deep.clone(), "application/json")
        .await;
    response.assert_status(422);
    let deep = format!("{{\"data\": {deep}}}");
    let response = client.post("/echo/").body(deep, "application/json").await;
    response.assert_status(422);
    let problem = only_problem(&response.json()).clone();
    assert_eq!(problem["type"], "json_invalid");
    assert!(
        problem["msg"].as_str().unwrap().contains("recursion limit"),
        "{problem}"
    );
    client
        .post("/echo/")
        .json(&json!({"data": [[[1]]]}))
        .await
        .assert_ok()
        .assert_contains("[[[1]]]");
}

#[tokio::test]
async fn the_wrong_content_type_is_a_415_and_oversize_bodies_a_413() {
    let client = client();
    let response = client.post("/posts/").body("title=x", "text/plain").await;
    response.assert_status(415);
    let problem = only_problem(&response.json()).clone();
    assert_eq!(problem["type"], "content_type");
    assert!(problem["msg"]
        .as_str()
        .unwrap()
        .contains("application/json"));
    client
        .post("/posts/")
        .body("{}", "application/problem+json")
        .await
        .assert_status(422);

    let big = json!({"title": "x".repeat(2000), "stars": 1});
    let response = client.post("/posts/").json(&big).await;
    response.assert_status(413);
    assert!(response.header("content-type").unwrap().contains("json"));

    client
        .post("/lend/")
        .json(&json!({"page": 1}))
        .await
        .assert_status(415);
}

#[tokio::test]
async fn query_and_form_problems_name_their_parameter() {
    let client = client();
    let response = client.get("/list/?page=two").await;
    response.assert_status(422);
    let problem = only_problem(&response.json()).clone();
    assert_eq!(problem["loc"], json!(["query", "page"]));

    let response = client.get("/list/").await;
    response.assert_status(422);
    assert_eq!(only_problem(&response.json())["type"], "missing");
    assert_eq!(
        only_problem(&response.json())["loc"],
        json!(["query", "page"])
    );

    let response = client.get("/list/?page=0").await;
    response.assert_status(422);
    let problem = only_problem(&response.json()).clone();
    assert_eq!(
        problem,
        json!({"loc": ["query", "page"], "msg": "Ensure this value is greater than or equal to 1.", "type": "min_value"})
    );

    let response = client.post("/lend/").form(&[("page", "-1")]).await;
    response.assert_status(422);
    assert_eq!(
        only_problem(&response.json())["loc"],
        json!(["body", "page"])
    );
}
