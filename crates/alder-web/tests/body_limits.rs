//! `max_body_size` means what it says for every extractor (axum's own 2 MiB default does not
//! override it), and a route can set its own limit.

use alder_web::extract::{Form, Json};
use alder_web::routing::post;
use alder_web::test::TestClient;
use alder_web::{App, Project, Settings};
use bytes::Bytes;
use serde::Deserialize;

mod common;

const MIB: usize = 1024 * 1024;

#[derive(Deserialize)]
struct Doc {
    text: String,
}

/// The POST routes are CSRF-exempt: the raw sockets here carry no token, and the CSRF
/// checks have tests of their own (tests/csrf.rs).
fn app() -> App {
    App::new("b")
        .route(
            "/json/",
            post(|Json(doc): Json<Doc>| async move { format!("json {}", doc.text.len()) })
                .csrf_exempt(),
            "json",
        )
        .route(
            "/form/",
            post(|Form(doc): Form<Doc>| async move { format!("form {}", doc.text.len()) })
                .csrf_exempt(),
            "form",
        )
        .route(
            "/bytes/",
            post(|body: Bytes| async move { format!("bytes {}", body.len()) }).csrf_exempt(),
            "bytes",
        )
        .route(
            "/string/",
            post(|body: String| async move { format!("string {}", body.len()) }).csrf_exempt(),
            "string",
        )
        .route(
            "/upload/",
            post(|body: Bytes| async move { format!("upload {}", body.len()) })
                .csrf_exempt()
                .max_body_size(8 * MIB),
            "upload",
        )
}

fn client(max_body_size: usize) -> TestClient {
    let mut settings = Settings::debug();
    settings.max_body_size = max_body_size;
    TestClient::new(Project::new(settings).app(app()))
}

/// A JSON document of exactly `size` bytes: `{"text":"xxx…"}`.
fn json_of(size: usize) -> String {
    format!("{{\"text\":\"{}\"}}", "x".repeat(size - 11))
}

#[tokio::test]
async fn a_5_mib_json_body_is_accepted_at_10_mib_and_refused_at_1_mib() {
    let body = json_of(5 * MIB);
    client(10 * MIB)
        .post("/json/")
        .body(body.clone(), "application/json")
        .await
        .assert_ok()
        .assert_contains(&format!("json {}", 5 * MIB - 11));
    client(MIB)
        .post("/json/")
        .body(body, "application/json")
        .await
        .assert_status(413);
}

#[tokio::test]
async fn every_extractor_takes_a_body_at_the_limit_and_refuses_one_byte_more() {
    let limit = 3 * MIB; // above axum's own 2 MiB default, which must not apply
    let client = client(limit);
    let form = |size: usize| format!("text={}", "x".repeat(size - 5));
    let raw = |size: usize| "x".repeat(size);
    type Maker = fn(usize) -> String;
    let cases: [(&str, &str, Maker); 4] = [
        ("/json/", "application/json", json_of),
        ("/form/", "application/x-www-form-urlencoded", form),
        ("/bytes/", "application/octet-stream", raw),
        ("/string/", "text/plain; charset=utf-8", raw),
    ];
    for (path, content_type, make) in cases {
        client
            .post(path)
            .body(make(limit), content_type)
            .await
            .assert_ok();
        client
            .post(path)
            .body(make(limit - 1), content_type)
            .await
            .assert_ok();
        client
            .post(path)
            .body(make(limit + 1), content_type)
            .await
            .assert_status(413);
    }
}

#[tokio::test]
async fn a_route_can_raise_its_own_limit_and_others_keep_the_setting() {
    let client = client(MIB);
    client
        .post("/upload/")
        .body(vec![b'x'; 6 * MIB], "application/octet-stream")
        .await
        .assert_ok()
        .assert_contains(&format!("upload {}", 6 * MIB));
    client
        .post("/upload/")
        .body(vec![b'x'; 8 * MIB + 1], "application/octet-stream")
        .await
        .assert_status(413);
    client
        .post("/bytes/")
        .body(vec![b'x'; MIB + 1], "application/octet-stream")
        .await
        .assert_status(413);
    assert_eq!(
        client.site().urls().max_body_size("/upload/"),
        Some(8 * MIB)
    );
}

/// Chunked, so no length is declared and the limit must stop the stream itself.
fn chunked(path: &str, body: &str) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for piece in body.as_bytes().chunks(64 * 1024) {
        request.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        request.extend_from_slice(piece);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    request
}

#[tokio::test]
async fn a_streamed_body_without_a_length_is_cut_at_the_limit_too() {
    let mut settings = Settings::debug();
    settings.max_body_size = 3 * MIB;
    let site = Project::new(settings).app(app()).build().unwrap();
    let (addr, _stop, _) = common::serve(site).await;
    let fits = common::raw(addr, &chunked("/json/", &json_of(3 * MIB))).await;
    assert!(
        fits.starts_with("HTTP/1.1 200"),
        "{}",
        &fits[..fits.len().min(200)]
    );
    let over = common::raw(addr, &chunked("/json/", &json_of(3 * MIB + 1))).await;
    assert!(
        over.starts_with("HTTP/1.1 413"),
        "{}",
        &over[..over.len().min(200)]
    );
}
