//! Malformed and hostile requests get the right 4xx, never a panic or a hang.

use std::time::Duration;

use alder_web::extract::{Form, Json, Query};
use alder_web::routing::{get, post};
use alder_web::test::TestClient;
use alder_web::{App, Project, Settings, Site};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;

#[derive(Deserialize)]
struct Page {
    #[allow(dead_code)]
    page: u32,
}

#[derive(Deserialize)]
struct Item {
    #[allow(dead_code)]
    name: String,
    #[allow(dead_code)]
    qty: u8,
}

async fn explode() -> &'static str {
    panic!("the handler broke: secret detail")
}

/// The POST routes are CSRF-exempt: the raw sockets here carry no token, and the CSRF
/// checks have tests of their own (tests/csrf.rs).
fn app() -> App {
    App::new("b")
        .route(
            "/list/",
            get(|Query(_): Query<Page>| async { "listed" }),
            "list",
        )
        .route(
            "/upload/",
            post(|body: axum::body::Bytes| async move { format!("{} bytes", body.len()) })
                .csrf_exempt(),
            "upload",
        )
        .route(
            "/form/",
            post(|Form(_): Form<Item>| async { "form ok" }).csrf_exempt(),
            "form",
        )
        .route(
            "/json/",
            post(|Json(_): Json<Item>| async { "json ok" }).csrf_exempt(),
            "json",
        )
        .route("/panic/", get(explode), "panic")
        .route(
            "/ip/",
            get(
                |axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<
                    std::net::SocketAddr,
                >| async move { peer.ip().to_string() },
            ),
            "ip",
        )
        .route(
            "/slow/",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "slow done"
            }),
            "slow",
        )
}

fn small_limit(debug: bool) -> Settings {
    let mut settings = if debug {
        Settings::debug()
    } else {
        common::production()
    };
    settings.max_body_size = 1024;
    settings
}

#[tokio::test]
async fn bad_query_strings_are_400() {
    let client = TestClient::new(Project::new(Settings::debug()).app(app()));
    client.get("/list/?page=2").await.assert_ok();
    client.get("/list/?page=abc").await.assert_status(400);
    client.get("/list/").await.assert_status(400);
    client.get("/list/?page=%FF").await.assert_status(400);
    client
        .get("/list/?page=99999999999999")
        .await
        .assert_status(400);
}

#[tokio::test]
async fn oversize_bodies_are_413() {
    let client = TestClient::new(Project::new(small_limit(true)).app(app()));
    client
        .post("/upload/")
        .body(vec![b'x'; 1024], "application/octet-stream")
        .await
        .assert_ok()
        .assert_contains("1024 bytes");
    client
        .post("/upload/")
        .body(vec![b'x'; 1025], "application/octet-stream")
        .await
        .assert_status(413);
    client
        .post("/json/")
        .body(vec![b' '; 5000], "application/json")
        .await
        .assert_status(413);
}

#[tokio::test]
async fn malformed_forms_and_json_are_4xx() {
    let client = TestClient::new(Project::new(Settings::debug()).app(app()));
    client
        .post("/form/")
        .form(&[("name", "a"), ("qty", "3")])
        .await
        .assert_ok();
    client
        .post("/form/")
        .form(&[("name", "a"), ("qty", "300")])
        .await
        .assert_status(422);
    client
        .post("/form/")
        .body("%%%&&&=", "application/x-www-form-urlencoded")
        .await
        .assert_status(422);
    client
        .post("/json/")
        .body("{\"name\": \"a\", \"qty\": 3}", "application/json")
        .await
        .assert_ok();
    client
        .post("/json/")
        .body("{\"name\": ", "application/json")
        .await
        .assert_status(400);
    client
        .post("/json/")
        .body("{\"name\": 1, \"qty\": 3}", "application/json")
        .await
        .assert_status(422);
    client
        .post("/json/")
        .body("{}", "text/plain")
        .await
        .assert_status(415);
}

#[tokio::test]
async fn a_panic_fails_only_its_own_request() {
    let client = TestClient::new(Project::new(Settings::debug()).app(app()));
    client
        .get("/panic/")
        .await
        .assert_status(500)
        .assert_contains("the handler broke");
    client.get("/list/?page=1").await.assert_ok();

    let prod = TestClient::new(Project::new(common::production()).app(app()));
    prod.get("/panic/")
        .await
        .assert_status(500)
        .assert_not_contains("secret detail");
}

/// The test app on a free loopback port, stopped when the returned sender is dropped or fired.
async fn start(
    settings: Settings,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let site: Site = Project::new(settings).app(app()).build().unwrap();
    common::serve(site).await
}

use common::raw;

#[tokio::test]
async fn malformed_requests_on_the_wire_get_4xx() {
    let mut settings = Settings::debug();
    settings.max_headers = 20;
    settings.max_header_bytes = 8192;
    let (addr, _stop, _) = start(settings).await;

    let ok = raw(
        addr,
        b"GET /list/?page=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");

    let ip = raw(
        addr,
        b"GET /ip/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(ip.ends_with("127.0.0.1"), "{ip}");

    let garbage = raw(addr, b"THIS IS NOT HTTP\r\n\r\n").await;
    assert!(garbage.starts_with("HTTP/1.1 400"), "{garbage}");

    let mut many = b"GET / HTTP/1.1\r\nHost: localhost\r\n".to_vec();
    for i in 0..40 {
        many.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let response = raw(addr, &many).await;
    assert!(response.starts_with("HTTP/1.1 431"), "{response}");

    let big = format!(
        "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    let response = raw(addr, big.as_bytes()).await;
    assert!(response.starts_with("HTTP/1.1 431"), "{response}");

    let declared = raw(addr, b"POST /upload/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 999999999\r\nConnection: close\r\n\r\n").await;
    assert!(declared.starts_with("HTTP/1.1 413"), "{declared}");
}

#[tokio::test]
async fn slow_headers_are_cut_off() {
    let mut settings = Settings::debug();
    settings.header_read_timeout = 1;
    let (addr, _stop, _) = start(settings).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "the server kept a connection whose headers never finished"
    );
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish() {
    let (addr, stop, handle) = start(Settings::debug()).await;
    let request = tokio::spawn(raw(
        addr,
        b"GET /slow/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    ));
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let response = request.await.unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200") && response.contains("slow done"),
        "{response}"
    );
    tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}

#[tokio::test]
async fn connections_over_the_cap_wait_for_a_free_slot() {
    let mut settings = Settings::debug();
    settings.max_connections = 1;
    let (addr, _stop, _) = start(settings).await;
    let mut first = TcpStream::connect(addr).await.unwrap();
    first
        .write_all(b"GET /list/?page=1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 12];
    first.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"HTTP/1.1 200");

    let second = tokio::spawn(raw(
        addr,
        b"GET /list/?page=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !second.is_finished(),
        "the second connection was served while the first held the only slot"
    );
    drop(first);
    let response = tokio::time::timeout(Duration::from_secs(5), second)
        .await
        .unwrap()
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

#[tokio::test]
async fn a_body_that_stalls_is_cut_off_and_an_oversize_stream_refused() {
    let mut settings = Settings::debug();
    settings.body_read_timeout = 1;
    settings.max_body_size = 16;
    let (addr, _stop, _) = start(settings).await;

    // Ten bytes promised, two sent, then nothing: the read times out with a 4xx, not a hang.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"POST /upload/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\nConnection: close\r\n\r\nab")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server waited forever for the body");
    let response = String::from_utf8_lossy(&buf);
    assert!(response.starts_with("HTTP/1.1 4"), "{response}");

    // Chunked, so no length is declared: the limit stops the stream at 16 bytes.
    let chunked = raw(addr, b"POST /upload/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n14\r\n01234567890123456789\r\n0\r\n\r\n").await;
    assert!(chunked.starts_with("HTTP/1.1 413"), "{chunked}");

    // Within the limits, the body arrives whole.
    let fine = raw(
        addr,
        b"POST /upload/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
    )
    .await;
    assert!(fine.starts_with("HTTP/1.1 200"), "{fine}");
}

#[tokio::test]
async fn requests_for_foreign_missing_duplicated_or_malformed_hosts_are_400() {
    let (addr, _stop, _) = start(common::production()).await;
    let get = |head: &'static str| async move {
        raw(
            addr,
            format!("{head}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
    };
    let ok = get("GET /list/?page=1 HTTP/1.1\r\nHost: LOCALHOST:8000").await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    for head in [
        "GET /list/?page=1 HTTP/1.1\r\nHost: evil.com",
        "GET /list/?page=1 HTTP/1.1",
        "GET /list/?page=1 HTTP/1.1\r\nHost: localhost\r\nHost: evil.com",
        "GET /list/?page=1 HTTP/1.1\r\nHost: local host",
        "GET /list/?page=1 HTTP/1.1\r\nHost: localhost:80:80",
        "GET /list/?page=1 HTTP/1.1\r\nHost: evil.com@localhost",
        "GET http://evil.com/list/?page=1 HTTP/1.1\r\nHost: localhost",
    ] {
        let response = get(head).await;
        assert!(response.starts_with("HTTP/1.1 400"), "{head:?}: {response}");
    }
    // An absolute-form target for this site is served; CONNECT is not, this is no proxy.
    let absolute = get("GET http://localhost/list/?page=1 HTTP/1.1\r\nHost: localhost").await;
    assert!(absolute.starts_with("HTTP/1.1 200"), "{absolute}");
    let connect = get("CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443").await;
    assert!(connect.starts_with("HTTP/1.1 405"), "{connect}");
}

#[tokio::test]
async fn the_test_client_is_an_allowed_host_and_has_a_client_address() {
    let mut settings = common::production();
    settings.allowed_hosts = vec!["example.com".into()];
    let client = TestClient::new(Project::new(settings).app(app()));
    client
        .get("/ip/")
        .await
        .assert_ok()
        .assert_contains("127.0.0.1");
    client
        .get("/ip/")
        .header("host", "example.com")
        .await
        .assert_ok();
    client
        .get("/ip/")
        .header("host", "evil.com")
        .await
        .assert_status(400);
}

#[tokio::test]
async fn a_rejected_query_or_form_gets_alders_error_page_naming_the_field() {
    let client = TestClient::new(Project::new(Settings::debug()).app(app()));
    client
        .get("/list/?page=abc")
        .await
        .assert_status(400)
        .assert_contains("<html")
        .assert_contains("The query string is not valid: page: invalid digit found in string");
    client
        .post("/form/")
        .form(&[("qty", "300")])
        .await
        .assert_status(422)
        .assert_contains("The form is not valid: qty: number too large to fit in target type");
    // An API client gets the same message as JSON.
    let body: serde_json::Value = client
        .get("/list/?page=abc")
        .header("accept", "application/json")
        .await
        .assert_status(400)
        .json();
    assert_eq!(
        body["detail"],
        "The query string is not valid: page: invalid digit found in string"
    );
    // In production the page says it too: the message is about the client's own input.
    let client = TestClient::new(Project::new(common::production()).app(app()));
    client
        .get("/list/?page=abc")
        .await
        .assert_status(400)
        .assert_contains("page: invalid digit found in string");
}
