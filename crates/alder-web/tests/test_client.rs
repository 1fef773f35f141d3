//! The test client: cookies across requests, redirects, forms and JSON.

use alder_web::extract::{Form, Json};
use alder_web::routing::{get, post};
use alder_web::test::TestClient;
use alder_web::{App, IntoResponse, Project, Redirect, Settings, StatusCode};
use http::{header, HeaderMap};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Login {
    user: String,
}

fn app() -> App {
    App::new("t")
        .route(
            "/set/",
            get(|| async {
                (
                    [(header::SET_COOKIE, "session=abc; Path=/; HttpOnly")],
                    "set",
                )
            }),
            "set",
        )
        .route(
            "/clear/",
            get(|| async {
                (
                    [(header::SET_COOKIE, "session=; Path=/; Max-Age=0")],
                    "cleared",
                )
            }),
            "clear",
        )
        .route(
            "/show/",
            get(|headers: HeaderMap| async move {
                headers
                    .get(header::COOKIE)
                    .map_or("none".to_string(), |v| v.to_str().unwrap().to_string())
            }),
            "show",
        )
        .route(
            "/login/",
            post(|Form(login): Form<Login>| async move {
                (
                    [(header::SET_COOKIE, format!("user={}; Path=/", login.user))],
                    Redirect::to("/welcome/"),
                )
            }),
            "login",
        )
        .route(
            "/welcome/",
            get(|headers: HeaderMap| async move {
                format!("welcome {:?}", headers.get(header::COOKIE))
            }),
            "welcome",
        )
        .route("/loop/", get(|| async { Redirect::to("/loop/") }), "loop")
        .route(
            "/away/",
            get(|| async { Redirect::to("https://example.com/x") }),
            "away",
        )
        .route(
            "/keep/",
            post(|| async { Redirect::temporary("/echo/") }),
            "keep",
        )
        .route(
            "/echo/",
            post(|body: String| async move { format!("echo {body}") }),
            "echo",
        )
        .route(
            "/api/",
            post(|Json(login): Json<Login>| async move {
                (
                    StatusCode::CREATED,
                    Json(serde_json::json!({ "hello": login.user })),
                )
                    .into_response()
            }),
            "api",
        )
}

fn client() -> TestClient {
    TestClient::new(Project::new(Settings::debug()).app(app()))
}

#[tokio::test]
async fn cookies_are_kept_and_cleared_across_requests() {
    let client = client();
    client.get("/show/").await.assert_contains("none");
    client.get("/set/").await.assert_ok();
    assert_eq!(client.cookie("session").as_deref(), Some("abc"));
    client.get("/show/").await.assert_contains("session=abc");
    client.get("/clear/").await.assert_ok();
    assert_eq!(client.cookie("session"), None);
    client.get("/show/").await.assert_contains("none");
    client.set_cookie("theme", "dark");
    client.get("/show/").await.assert_contains("theme=dark");
}

#[tokio::test]
async fn a_posted_form_redirects_and_the_client_follows_with_get() {
    let client = client();
    let response = client
        .post("/login/")
        .form(&Login { user: "ann".into() })
        .await;
    response.assert_status(303).assert_redirects_to("/welcome/");
    let followed = client
        .post("/login/")
        .form(&[("user", "bob")])
        .follow_redirects()
        .await;
    followed.assert_ok().assert_contains("user=bob");
    assert_eq!(
        followed.redirect_chain(),
        &[(StatusCode::SEE_OTHER, "/welcome/".to_string())]
    );
}

#[tokio::test]
async fn a_307_keeps_method_and_body() {
    client()
        .post("/keep/")
        .body("payload", "text/plain")
        .follow_redirects()
        .await
        .assert_ok()
        .assert_contains("echo payload");
}

#[tokio::test]
#[should_panic(expected = "more than 10 redirects")]
async fn redirect_loops_fail_the_test() {
    let _ = client().get("/loop/").follow_redirects().await;
}

#[tokio::test]
async fn json_in_and_out() {
    let response = client()
        .post("/api/")
        .json(&Login { user: "cy".into() })
        .await;
    response.assert_status(201);
    assert_eq!(response.json::<serde_json::Value>()["hello"], "cy");
}

#[tokio::test]
async fn redirects_to_other_sites_are_not_followed() {
    let response = client().get("/away/").follow_redirects().await;
    response
        .assert_status(303)
        .assert_redirects_to("https://example.com/x");
    assert!(response.redirect_chain().is_empty());
}

#[tokio::test]
async fn a_hand_set_cookie_header_is_kept_beside_the_jar() {
    let client = client();
    client.set_cookie("jar", "1");
    client
        .get("/show/")
        .header("cookie", "own=2")
        .await
        .assert_contains("own=2; jar=1");
}
