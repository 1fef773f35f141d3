//! The blog's API: its OpenAPI document covers every API route, and bad input gets a 4xx
//! with a JSON body saying what is wrong, where.

use alder::test::{TestClient, TestResponse};
use alder::Settings;
use serde_json::{json, Value};

async fn client() -> TestClient {
    let mut settings = Settings::debug();
    settings.database_url = Some("sqlite::memory:".into());
    let client = TestClient::new(blog::project_with(settings));
    client.site().migrate().await.expect("migrations apply");
    client
}

/// The problems of a 422, as `(loc, type)` pairs.
fn problems(response: &TestResponse) -> Vec<(Value, String)> {
    let body: Value = response.json();
    body["detail"]
        .as_array()
        .unwrap_or_else(|| panic!("a list of problems: {body}"))
        .iter()
        .map(|p| {
            (
                p["loc"].clone(),
                p["type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_api_route_is_in_the_document_with_its_path_parameters() {
    let client = client().await;
    let doc: Value = client.get("/api/openapi.json").await.assert_ok().json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Alder blog");
    let urls = client.site().state().urls();
    let api_routes: Vec<_> = urls.routes().iter().filter(|r| r.api).collect();
    assert_eq!(api_routes.len(), 3, "posts, post, comments");
    for route in api_routes {
        let path = route.path.replace("{*", "{");
        let item = &doc["paths"][&path];
        assert!(
            item.is_object(),
            "{} ({path}) is not in the document",
            route.name
        );
        for (method, _) in &route.handlers {
            let op = &item[method.to_ascii_lowercase()];
            assert!(op.is_object(), "{method} {path} is not in the document");
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            let in_path: Vec<&str> = path
                .split('{')
                .skip(1)
                .map(|part| part.split('}').next().unwrap())
                .collect();
            assert_eq!(declared, in_path, "{method} {path}");
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()));
        }
    }
    // The query's rules and the model's show in the schemas.
    let list = &doc["paths"]["/api/posts/"]["get"];
    let page_size = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "page_size")
        .unwrap();
    assert_eq!(page_size["schema"]["maximum"], 50);
    assert_eq!(page_size["required"], false);
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["Post"]["properties"]["title"]["maxLength"], 200);
    assert_eq!(schemas["Post"]["properties"]["id"]["readOnly"], true);
    assert_eq!(schemas["NewComment"]["properties"]["body"]["minLength"], 3);
    assert!(
        schemas["CommentOut"]["properties"].get("email").is_none(),
        "never shown"
    );
    let add = &doc["paths"]["/api/posts/{slug}/comments/"]["post"];
    assert!(add["responses"]["201"].is_object() && add["responses"]["422"].is_object());
    // The document is written once and served as it was.
    let again: Value = client.get("/api/openapi.json").await.json();
    assert_eq!(doc, again);
}

#[tokio::test]
async fn the_docs_page_is_served_from_the_binary() {
    let client = client().await;
    let page = client.get("/api/docs/").await;
    page.assert_ok();
    page.assert_contains("data-openapi=\"/api/openapi.json\"")
        .assert_contains("/api/docs/swagger-ui-bundle.js");
    let bundle = client.get("/api/docs/swagger-ui-bundle.js").await;
    bundle.assert_ok();
    bundle.assert_header("content-type", "text/javascript; charset=utf-8");
    assert!(bundle.bytes().len() > 1_000_000, "the whole of Swagger UI");
    client.get("/api/docs/swagger-ui.css").await.assert_ok();
    client
        .get("/api/docs/docs.js")
        .await
        .assert_ok()
        .assert_contains("validatorUrl: null");
}

#[tokio::test]
async fn a_comment_is_added_and_listed_without_its_email() {
    let client = client().await;
    let url = "/api/posts/welcome/comments/";
    let sent =
        json!({ "name": "Ada", "email": "ada@example.com", "body": "Lovely post.", "extra": 1 });
    let created: Value = client.post(url).json(&sent).await.assert_status(201).json();
    assert_eq!(created["name"], "Ada");
    assert!(created.get("email").is_none());
    let listed: Value = client.get(url).await.assert_ok().json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["body"], "Lovely post.");
}

#[tokio::test]
async fn bad_comments_are_422s_naming_the_field() {
    let client = client().await;
    let url = "/api/posts/welcome/comments/";
    // Missing fields.
    let missing = client.post(url).json(&json!({ "name": "Ada" })).await;
    missing.assert_status(422);
    assert_eq!(
        problems(&missing),
        [(json!(["body", "body"]), "missing".to_string())]
    );
    // The model's rules, before the handler runs.
    let refused = client
        .post(url)
        .json(&json!({ "name": "", "email": "not-an-address", "body": "hi" }))
        .await;
    refused.assert_status(422);
    let found = problems(&refused);
    assert!(
        found.contains(&(json!(["body", "name"]), "blank".to_string())),
        "{found:?}"
    );
    assert!(
        found.contains(&(json!(["body", "email"]), "invalid".to_string())),
        "{found:?}"
    );
    assert!(
        found.contains(&(json!(["body", "body"]), "min_length".to_string())),
        "{found:?}"
    );
    // The wrong type.
    let wrong = client
        .post(url)
        .json(&json!({ "name": 7, "body": "hello" }))
        .await;
    wrong.assert_status(422);
    assert_eq!(problems(&wrong)[0].1, "type_error");
    // Malformed JSON, invalid UTF-8, 10,000-deep nesting.
    client
        .post(url)
        .body("{\"name\": ", "application/json")
        .await
        .assert_status(422);
    let bytes: Vec<u8> = b"{\"name\": \"\xff\xfe\", \"body\": \"hello\"}".to_vec();
    let invalid = client.post(url).body(bytes, "application/json").await;
    invalid.assert_status(422);
    assert_eq!(problems(&invalid)[0].1, "json_invalid");
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let nested = client.post(url).body(deep, "application/json").await;
    // Refused at the first level that does not fit (serde reads a struct from a list too,
    // and its first item is a list where the name goes), without recursing further;
    // serde_json would stop at 128 levels anyway.
    nested.assert_status(422);
    assert_eq!(problems(&nested)[0].0, json!(["body", 0]));
    // The wrong content type, an oversize body.
    client
        .post(url)
        .body("name=Ada", "application/x-www-form-urlencoded")
        .await
        .assert_status(415);
    let huge = format!(
        "{{\"name\": \"Ada\", \"body\": \"{}\"}}",
        "x".repeat(3 * 1024 * 1024)
    );
    client
        .post(url)
        .body(huge, "application/json")
        .await
        .assert_status(413);
    // An unknown post.
    client
        .post("/api/posts/never-written/comments/")
        .json(&json!({ "name": "Ada", "body": "hello" }))
        .await
        .assert_status(404);
}

#[tokio::test]
async fn bad_pages_are_4xx_with_json_bodies() {
    let client = client().await;
    let wrong = client.get("/api/posts/?page=abc").await;
    wrong.assert_status(422);
    assert_eq!(
        problems(&wrong),
        [(json!(["query", "page"]), "type_error".to_string())]
    );
    let too_large = client.get("/api/posts/?page=1099511627776").await;
    too_large.assert_status(422);
    assert_eq!(problems(&too_large)[0].0, json!(["query", "page"]));
    let zero = client.get("/api/posts/?page_size=0").await;
    zero.assert_status(422);
    assert_eq!(
        problems(&zero),
        [(json!(["query", "page_size"]), "min_value".to_string())]
    );
    let past = client.get("/api/posts/?page=2").await;
    past.assert_status(404);
    assert_eq!(past.json::<Value>()["detail"], "Invalid page.");
    // The first page of nothing is no error; an unknown parameter is ignored.
    client
        .get("/api/posts/?page=1&colour=red")
        .await
        .assert_ok();
}
