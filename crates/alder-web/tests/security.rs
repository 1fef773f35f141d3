//! The security middleware: headers on every response, the opt-outs, HSTS and the HTTPS
//! redirect, trusted proxies.

use alder_web::extract::ConnectInfo;
use alder_web::routing::{get, post};
use alder_web::security::{FrameOptionsExempt, Scheme, SecurityHeadersExempt};
use alder_web::test::{TestClient, TestResponse};
use alder_web::{App, Project, Settings};

mod common;

const DEFAULTS: [(&str, &str); 4] = [
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
];

fn app() -> App {
    App::new("s")
        .route("/", get(|| async { "home" }), "home")
        .route(
            "/own/",
            get(|| async { ([("x-frame-options", "SAMEORIGIN")], "own") }),
            "own",
        )
        .route(
            "/widget/",
            get(|| async { (FrameOptionsExempt, "widget") }),
            "widget",
        )
        .route(
            "/raw/",
            get(|| async { (SecurityHeadersExempt, "raw") }),
            "raw",
        )
        .route("/small/", post(|body: String| async move { body }), "small")
        .route(
            "/whoami/",
            get(
                |ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>, scheme: Scheme| async move {
                    format!("{} {}", peer.ip(), scheme.as_str())
                },
            ),
            "whoami",
        )
}

fn client(settings: Settings) -> TestClient {
    TestClient::new(Project::new(settings).app(app()))
}

fn assert_defaults(response: &TestResponse, what: &str) {
    for (name, value) in DEFAULTS {
        assert_eq!(response.header(name), Some(value), "{name} on {what}");
    }
}

#[tokio::test]
async fn every_response_gets_the_four_headers_errors_and_redirects_too() {
    let mut settings = common::production();
    settings.max_body_size = 4;
    let client = client(settings);
    assert_defaults(client.get("/").await.assert_ok(), "a page");
    assert_defaults(client.get("/missing/").await.assert_status(404), "a 404");
    assert_defaults(&client.get("/whoami").await, "an append-slash redirect");
    assert_defaults(
        client
            .post("/small/")
            .body("too long", "text/plain")
            .await
            .assert_status(413),
        "a refused body",
    );
    assert_defaults(
        client
            .get("/")
            .header("host", "evil.com")
            .await
            .assert_status(400),
        "a refused host",
    );
    assert_eq!(
        client.get("/").await.header("strict-transport-security"),
        None
    );
}

#[tokio::test]
async fn a_handlers_own_value_wins_and_the_exemptions_leave_headers_out() {
    let client = client(Settings::debug());
    let own = client.get("/own/").await;
    own.assert_header("x-frame-options", "SAMEORIGIN");
    let widget = client.get("/widget/").await;
    assert_eq!(widget.header("x-frame-options"), None);
    widget.assert_header("x-content-type-options", "nosniff");
    let raw = client.get("/raw/").await;
    for (name, _) in DEFAULTS {
        assert_eq!(raw.header(name), None, "{name}");
    }
}

#[tokio::test]
async fn the_headers_follow_the_settings_and_a_typo_is_a_start_up_error() {
    let mut settings = Settings::debug();
    settings.x_frame_options = "SAMEORIGIN".into();
    settings.secure_referrer_policy = "no-referrer, strict-origin-when-cross-origin".into();
    settings.secure_cross_origin_opener_policy = String::new();
    settings.secure_content_type_nosniff = false;
    let response = client(settings).get("/").await;
    response.assert_header("x-frame-options", "SAMEORIGIN");
    response.assert_header(
        "referrer-policy",
        "no-referrer, strict-origin-when-cross-origin",
    );
    assert_eq!(response.header("cross-origin-opener-policy"), None);
    assert_eq!(response.header("x-content-type-options"), None);

    let mut typo = Settings::debug();
    typo.x_frame_options = "DENNY".into();
    let err = TestClient::try_new(Project::new(typo).app(app()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("setting `x_frame_options` is `DENNY`") && err.contains("DENY, SAMEORIGIN"),
        "{err}"
    );
}

/// Production settings behind a proxy on the loopback address the test client connects from.
fn behind_proxy() -> Settings {
    let mut settings = common::production();
    settings.allowed_hosts = vec!["example.com".into()];
    settings.trusted_proxies = vec!["127.0.0.0/8".into()];
    settings
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client_scheme_and_host() {
    let mut settings = behind_proxy();
    settings.use_x_forwarded_host = true;
    let client = client(settings);
    client
        .get("/whoami/")
        .header("x-forwarded-for", "6.6.6.6, 203.0.113.9, 127.0.0.2")
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "example.com")
        .header("host", "internal:8000")
        .await
        .assert_ok()
        .assert_contains("203.0.113.9 https");
    // The forwarded host is checked against allowed_hosts like any other.
    client
        .get("/whoami/")
        .header("x-forwarded-host", "evil.com")
        .await
        .assert_status(400);
}

#[tokio::test]
async fn the_forwarded_host_needs_its_own_setting_and_bad_entries_stop_the_walk() {
    let client = client(behind_proxy());
    // Without use_x_forwarded_host the proxy's Host is used: here a foreign one, so 400.
    client
        .get("/whoami/")
        .header("x-forwarded-host", "example.com")
        .header("host", "internal:8000")
        .await
        .assert_status(400);
    // `unknown` is not an address: the walk stops, and the client address stays the proxy's
    // instead of the one the client wrote further left.
    client
        .get("/whoami/")
        .header("host", "example.com")
        .header("x-forwarded-for", "203.0.113.9, unknown")
        .await
        .assert_ok()
        .assert_contains("127.0.0.1 http");
    // Ports and brackets as proxies write them; the rightmost Proto value wins.
    client
        .get("/whoami/")
        .header("host", "example.com")
        .header("x-forwarded-for", "[2001:db8::7]:4711")
        .header("x-forwarded-proto", "https, http")
        .await
        .assert_ok()
        .assert_contains("2001:db8::7 http");
}

#[tokio::test]
async fn forwarded_headers_from_anyone_else_are_ignored() {
    let mut settings = behind_proxy();
    settings.trusted_proxies = vec!["10.0.0.0/8".into()];
    client(settings)
        .get("/whoami/")
        .header("x-forwarded-for", "203.0.113.9")
        .header("x-forwarded-proto", "https")
        .await
        .assert_ok()
        .assert_contains("127.0.0.1 http");
}

#[tokio::test]
async fn hsts_goes_on_https_responses_and_plain_http_is_redirected() {
    let mut settings = behind_proxy();
    settings.secure_hsts_seconds = 31_536_000;
    settings.secure_hsts_include_subdomains = true;
    settings.secure_hsts_preload = true;
    settings.secure_ssl_redirect = true;
    let client = client(settings);
    client
        .get("/whoami/?x=1")
        .header("host", "example.com")
        .await
        .assert_status(301)
        .assert_header("location", "https://example.com/whoami/?x=1");
    let secure = client
        .get("/whoami/")
        .header("x-forwarded-proto", "https")
        .header("host", "example.com")
        .await;
    secure.assert_ok().assert_header(
        "strict-transport-security",
        "max-age=31536000; includeSubDomains; preload",
    );
    assert_defaults(&secure, "an HTTPS page");
}
