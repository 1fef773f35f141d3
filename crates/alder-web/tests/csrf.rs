//! CSRF protection as a browser and an attacker meet it: the token in the page and the
//! cookie, each way a forged request is refused, and the ways a real one gets through.

use alder_web::csrf::CsrfToken;
use alder_web::routing::{get, post};
use alder_web::test::{TestClient, TestResponse};
use alder_web::{context, App, Project, Result, Settings, TemplateResponse, Templates};

async fn form(t: Templates) -> Result<TemplateResponse> {
    t.render("form.html", context! {})
}

async fn plain(t: Templates) -> Result<TemplateResponse> {
    t.render("plain.html", context! {})
}

/// Echoes the form's `a` field, to show the body reached the handler whole.
async fn save(axum::extract::Form(data): axum::extract::Form<Vec<(String, String)>>) -> String {
    let a = data.iter().find(|(k, _)| k == "a").map(|(_, v)| v.as_str());
    format!("saved {}", a.unwrap_or("-"))
}

/// Says how long the multipart body was and whether the file part arrived.
async fn upload(body: axum::body::Bytes) -> String {
    let text = String::from_utf8_lossy(&body);
    format!(
        "{} bytes, file {}",
        body.len(),
        text.contains(&"z".repeat(200_000))
    )
}

async fn rotate(token: CsrfToken) -> &'static str {
    token.rotate();
    "rotated"
}

fn project(dir: &std::path::Path, adjust: impl FnOnce(&mut Settings)) -> Project {
    std::fs::write(
        dir.join("form.html"),
        r#"<meta name="csrf" content="{{ csrf_token }}"><form method="post">{{ csrf_input }}<input name="a"></form>"#,
    )
    .unwrap();
    std::fs::write(dir.join("plain.html"), "no form here").unwrap();
    let mut settings = Settings::debug();
    settings.templates_dir = dir.into();
    adjust(&mut settings);
    Project::new(settings).app(
        App::new("site")
            .route("/", get(form).post(save), "form")
            .route("/plain/", get(plain).post(save), "plain")
            .route("/hook/", post(save).csrf_exempt(), "hook")
            .route("/rotate/", post(rotate), "rotate")
            .route("/upload/", post(upload), "upload"),
    )
}

fn client(dir: &std::path::Path) -> TestClient {
    TestClient::new(project(dir, |_| {})).enforce_csrf_checks()
}

/// The masked token a page's hidden field holds.
fn token_in(page: &TestResponse) -> String {
    let text = page.text();
    let field = text
        .split(r#"name="csrfmiddlewaretoken" value=""#)
        .nth(1)
        .expect("the page has the hidden field");
    field.split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn a_page_with_a_form_gets_a_masked_token_and_sets_the_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let client = client(dir.path());
    let page = client.get("/").await;
    page.assert_ok();
    let token = token_in(&page);
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()), "{token}");
    let secret = client.cookie("csrftoken").expect("the cookie is set");
    assert_eq!(secret.len(), 32);
    assert!(
        !page.text().contains(&secret),
        "the page never shows the secret itself"
    );
    let set_cookie = page.header("set-cookie").unwrap();
    assert!(
        set_cookie.contains("SameSite=Lax") && set_cookie.contains("Path=/"),
        "{set_cookie}"
    );
    assert!(page.header("vary").unwrap().contains("cookie"));
    // The <meta> token is another masking of the same secret.
    let meta = page.text().split("content=\"").nth(1).unwrap()[..64].to_string();
    assert_ne!(meta, token);

    // A second page masks anew, and the cookie is not set again.
    let again = client.get("/").await;
    assert_ne!(token_in(&again), token);
    assert!(again.header("set-cookie").is_none());
    assert_eq!(client.cookie("csrftoken").unwrap(), secret);
}

#[tokio::test]
async fn a_page_without_a_form_sets_no_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let client = client(dir.path());
    let page = client.get("/plain/").await;
    page.assert_ok();
    assert!(page.header("set-cookie").is_none());
    assert!(page.header("vary").is_none_or(|v| !v.contains("cookie")));
}

/// The matrix of the issue: only the last request is accepted.
#[tokio::test]
async fn forged_requests_are_refused_and_the_real_one_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let victim = client(dir.path());
    let attacker = client(dir.path());
    let theirs = token_in(&attacker.get("/").await);
    let ours = token_in(&victim.get("/").await);

    let refused = [
        // No token at all.
        victim.post("/").form(&[("a", "1")]).await,
        // A token from another client's page (its own cookie's secret).
        victim
            .post("/")
            .form(&[("a", "1"), ("csrfmiddlewaretoken", theirs.as_str())])
            .await,
        // A good token, but in the query string.
        victim
            .post(&format!("/?csrfmiddlewaretoken={ours}"))
            .form(&[("a", "1")])
            .await,
        // A good token from another site.
        victim
            .post("/")
            .header("origin", "https://evil.example")
            .form(&[("a", "1"), ("csrfmiddlewaretoken", ours.as_str())])
            .await,
        // A token whose shape is wrong.
        victim
            .post("/")
            .form(&[("a", "1"), ("csrfmiddlewaretoken", "short")])
            .await,
    ];
    let reasons = [
        "CSRF token missing.",
        "CSRF token from the &#x27;csrfmiddlewaretoken&#x27; field incorrect.",
        "CSRF token missing.",
        "Origin checking failed - https://evil.example does not match any trusted origins.",
        "has incorrect length.",
    ];
    for (response, reason) in refused.iter().zip(reasons) {
        response
            .assert_status(403)
            .assert_contains("CSRF verification failed")
            .assert_contains(reason);
    }

    victim
        .post("/")
        .header("origin", "http://testserver")
        .form(&[("a", "1"), ("csrfmiddlewaretoken", ours.as_str())])
        .await
        .assert_ok()
        .assert_contains("saved 1");
}

#[tokio::test]
async fn without_a_cookie_even_a_well_formed_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = client(dir.path());
    let token = token_in(&other.get("/").await);
    let fresh = client(dir.path());
    fresh
        .post("/")
        .form(&[("csrfmiddlewaretoken", token.as_str())])
        .await
        .assert_status(403)
        .assert_contains("CSRF cookie not set.");
}

#[tokio::test]
async fn scripts_send_the_token_or_the_cookie_in_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let client = client(dir.path());
    let token = token_in(&client.get("/").await);
    let secret = client.cookie("csrftoken").unwrap();
    for sent in [token.as_str(), secret.as_str()] {
        client
            .post("/plain/")
            .header("x-csrftoken", sent)
            .json(&serde_json::json!({}))
            .await
            .assert_status(415); // past the CSRF check: the handler wants a form, not JSON
    }
    client
        .post("/plain/")
        .header("x-csrftoken", &"a".repeat(64))
        .form(&[("a", "1")])
        .await
        .assert_status(403)
        .assert_contains("from the X-CSRFToken header incorrect");
    // JSON without the header: there is no field to look in.
    client
        .post("/plain/")
        .json(&serde_json::json!({"csrfmiddlewaretoken": token}))
        .await
        .assert_status(403)
        .assert_contains("CSRF token missing.");
}

#[tokio::test]
async fn exempt_routes_and_safe_methods_pass_without_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let client = client(dir.path());
    client
        .post("/hook/")
        .form(&[("a", "2")])
        .await
        .assert_ok()
        .assert_contains("saved 2");
    client.get("/plain/").await.assert_ok();
    client.head("/plain/").await.assert_ok();
    // (`/plain/` has no PUT or DELETE: those are the router's 405, see below.)
    let routes = client
        .site()
        .urls()
        .routes()
        .iter()
        .find(|r| r.name == "site:hook")
        .unwrap()
        .csrf_exempt;
    assert!(routes);
}

#[tokio::test]
async fn the_test_client_skips_the_checks_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let relaxed = TestClient::new(project(dir.path(), |_| {}));
    relaxed
        .post("/")
        .form(&[("a", "3")])
        .await
        .assert_ok()
        .assert_contains("saved 3");
}

#[tokio::test]
async fn over_https_the_referer_must_name_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let client = TestClient::new(project(dir.path(), |s| {
        s.trusted_proxies = vec!["127.0.0.1".into()];
        s.csrf_trusted_origins = vec!["https://*.partner.example".into()];
    }))
    .enforce_csrf_checks();
    let token = token_in(&client.get("/").header("x-forwarded-proto", "https").await);
    let post = |referer: Option<&'static str>| {
        let mut request = client
            .post("/")
            .header("x-forwarded-proto", "https")
            .form(&[("csrfmiddlewaretoken", token.clone())]);
        if let Some(referer) = referer {
            request = request.header("referer", referer);
        }
        request
    };
    post(None)
        .await
        .assert_status(403)
        .assert_contains("no Referer.");
    post(Some("http://testserver/"))
        .await
        .assert_status(403)
        .assert_contains("Referer is insecure");
    post(Some("https://evil.example/"))
        .await
        .assert_status(403)
        .assert_contains("does not match any trusted origins");
    post(Some("https://testserver/form/")).await.assert_ok();
    post(Some("https://eu.partner.example/")).await.assert_ok();
}

#[tokio::test]
async fn trusted_origins_are_let_through_and_checked_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let client = TestClient::new(project(dir.path(), |s| {
        s.csrf_trusted_origins = vec!["https://pay.example".into()];
    }))
    .enforce_csrf_checks();
    let token = token_in(&client.get("/").await);
    for (origin, status) in [("https://pay.example", 200), ("http://pay.example", 403)] {
        client
            .post("/")
            .header("origin", origin)
            .form(&[("csrfmiddlewaretoken", token.as_str())])
            .await
            .assert_status(status);
    }
    let err = TestClient::try_new(project(dir.path(), |s| {
        s.csrf_trusted_origins = vec!["pay.example".into()];
    }))
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("csrf_trusted_origins: `pay.example`"),
        "{err}"
    );
}

#[tokio::test]
async fn production_hides_the_reason_and_uses_403_csrf_html() {
    let dir = tempfile::tempdir().unwrap();
    let production = |s: &mut Settings| {
        s.debug = false;
        s.secret_key = "x".repeat(60);
        s.allowed_hosts = vec!["testserver".into()];
    };
    let client = TestClient::new(project(dir.path(), production)).enforce_csrf_checks();
    client
        .post("/")
        .form(&[("a", "1")])
        .await
        .assert_status(403)
        .assert_contains("CSRF verification failed. Request aborted.")
        .assert_not_contains("token missing");
    std::fs::write(
        dir.path().join("403_csrf.html"),
        "Your form expired: {{ message }}",
    )
    .unwrap();
    let client = TestClient::new(project(dir.path(), production)).enforce_csrf_checks();
    client
        .post("/")
        .await
        .assert_status(403)
        .assert_contains("Your form expired: CSRF verification failed. Request aborted.");
}

#[tokio::test]
async fn a_form_body_over_the_limit_is_413_not_a_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let client =
        TestClient::new(project(dir.path(), |s| s.max_body_size = 1024)).enforce_csrf_checks();
    token_in(&client.get("/").await);
    let big = "x".repeat(4096);
    client
        .post("/")
        .form(&[("a", big.as_str())])
        .await
        .assert_status(413);
}

#[tokio::test]
async fn rotating_gives_a_new_secret_and_old_tokens_stop_working() {
    let dir = tempfile::tempdir().unwrap();
    let client = client(dir.path());
    let old = token_in(&client.get("/").await);
    let before = client.cookie("csrftoken").unwrap();
    client
        .post("/rotate/")
        .form(&[("csrfmiddlewaretoken", old.as_str())])
        .await
        .assert_ok();
    let after = client.cookie("csrftoken").unwrap();
    assert_ne!(before, after);
    client
        .post("/")
        .form(&[("csrfmiddlewaretoken", old.as_str())])
        .await
        .assert_status(403);
    let new = token_in(&client.get("/").await);
    client
        .post("/")
        .form(&[("csrfmiddlewaretoken", new.as_str())])
        .await
        .assert_ok();
}

fn multipart(token: Option<&str>) -> String {
    let mut body = String::new();
    if let Some(token) = token {
        body += &format!(
            "--B0und\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{token}\r\n"
        );
    }
    body += "--B0und\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n\
             Content-Type: text/plain\r\n\r\n";
    body += &"z".repeat(200_000);
    body += "\r\n--B0und--\r\n";
    body
}

#[tokio::test]
async fn a_multipart_form_carries_its_token_in_a_field_and_the_upload_arrives_whole() {
    let dir = tempfile::tempdir().unwrap();
    let client = client(dir.path());
    let token = token_in(&client.get("/").await);
    let content_type = "multipart/form-data; boundary=B0und";
    let with = multipart(Some(&token));
    client
        .post("/upload/")
        .body(with.clone(), content_type)
        .await
        .assert_ok()
        .assert_contains(&format!("{} bytes, file true", with.len()));
    client
        .post("/upload/")
        .body(multipart(None), content_type)
        .await
        .assert_status(403)
        .assert_contains("CSRF token missing.");
    client
        .post("/upload/")
        .body(multipart(Some(&"q".repeat(64))), content_type)
        .await
        .assert_status(403)
        .assert_contains("incorrect");
}

#[tokio::test]
async fn exemption_is_exact_and_unrouted_paths_are_left_to_the_router() {
    let dir = tempfile::tempdir().unwrap();
    let client = client(dir.path());
    client.post("/hook/x").await.assert_status(404);
    // The missing slash is redirected (308 keeps the method); the check runs at /hook/.
    client.post("/hook").await.assert_status(308);
    client.post("/plain/").await.assert_status(403);
    client.post("/rotate/").await.assert_status(403);
}

#[tokio::test]
async fn the_cookie_attributes_follow_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    let cookie_of = |adjust: fn(&mut Settings)| {
        let client = TestClient::new(project(dir.path(), adjust));
        async move {
            let page = client.get("/").await;
            page.header("set-cookie").unwrap().to_string()
        }
    };
    let default = cookie_of(|_| {}).await;
    assert!(
        default.contains("; Max-Age=31449600") && default.contains("SameSite=Lax"),
        "{default}"
    );
    assert!(
        !default.contains("Secure") && !default.contains("HttpOnly"),
        "{default}"
    );
    let strict = cookie_of(|s| {
        s.csrf_cookie_samesite = "none".into();
        s.csrf_cookie_httponly = true;
        s.csrf_cookie_age = 0;
        s.csrf_cookie_name = "__Host-csrf".into();
    })
    .await;
    assert!(strict.starts_with("__Host-csrf="), "{strict}");
    for part in ["SameSite=None", "; Secure", "; HttpOnly"] {
        assert!(strict.contains(part), "{part} missing from {strict}");
    }
    assert!(!strict.contains("Max-Age"), "a session cookie: {strict}");
    for (adjust, setting) in [
        (
            (|s: &mut Settings| s.csrf_cookie_samesite = "sometimes".into()) as fn(&mut Settings),
            "csrf_cookie_samesite",
        ),
        (
            |s: &mut Settings| s.csrf_header_name = "HTTP_X_CSRFTOKEN".into(),
            "csrf_header_name",
        ),
        (
            |s: &mut Settings| s.csrf_cookie_name = "a b".into(),
            "csrf_cookie_name",
        ),
    ] {
        let err = TestClient::try_new(project(dir.path(), adjust)).unwrap_err();
        assert!(err.to_string().contains(setting), "{err}");
    }
}

#[tokio::test]
async fn odd_cookie_headers_still_find_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let first = client(dir.path());
    let token = token_in(&first.get("/").await);
    let secret = first.cookie("csrftoken").unwrap();
    let fresh = client(dir.path());
    // A non-ASCII cookie of another app, a stale malformed csrftoken first, the good one quoted.
    let header = format!("theme=caf\u{e9}; csrftoken=stale; csrftoken=\"{secret}\"");
    fresh
        .post("/")
        .header("cookie", &header)
        .form(&[("a", "7"), ("csrfmiddlewaretoken", token.as_str())])
        .await
        .assert_ok()
        .assert_contains("saved 7");
    // Only malformed ones: said so.
    fresh
        .post("/")
        .header("cookie", "csrftoken=stale")
        .form(&[("csrfmiddlewaretoken", token.as_str())])
        .await
        .assert_status(403)
        .assert_contains("CSRF cookie has incorrect length.");
}

#[tokio::test]
async fn the_form_field_comes_before_the_header_and_put_takes_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let client = client(dir.path());
    let token = token_in(&client.get("/").await);
    // jQuery's `X-CSRFToken: null` beside a good field.
    client
        .post("/")
        .header("x-csrftoken", "null")
        .form(&[("a", "8"), ("csrfmiddlewaretoken", token.as_str())])
        .await
        .assert_ok();
    // An empty field falls back to the header.
    client
        .post("/")
        .header("x-csrftoken", &token)
        .form(&[("a", "9"), ("csrfmiddlewaretoken", "")])
        .await
        .assert_ok()
        .assert_contains("saved 9");
    client
        .put("/plain/")
        .header("x-csrftoken", &token)
        .await
        .assert_status(405); // past the check: the route has no PUT
}

/// A method no handler answers runs nothing, so it needs no token: the answer is the
/// router's 405 (which API clients and schemathesis expect), not a 403.
#[tokio::test]
async fn a_method_the_route_does_not_answer_is_a_405_without_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let client = client(dir.path());
    client.delete("/plain/").await.assert_status(405);
    client.put("/plain/").await.assert_status(405);
    // A method the route answers is still checked.
    client
        .post("/")
        .form(&[("a", "1")])
        .await
        .assert_status(403);
}

/// Through the real server, where nothing skips the checks, and with a multipart body
/// arriving in many small pieces.
#[tokio::test]
async fn the_live_server_checks_and_reads_a_chunked_multipart_body_whole() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let site = project(dir.path(), |_| {}).build().unwrap();
    let server = alder_web::test::LiveServer::start(site).await.unwrap();
    let address = server
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let send = |request: Vec<u8>, pieces: usize| {
        let address = address.clone();
        async move {
            let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
            let (head, body) = match request.windows(4).position(|w| w == b"\r\n\r\n") {
                Some(at) => request.split_at(at + 4),
                None => (&request[..], &[][..]),
            };
            socket.write_all(head).await.unwrap();
            for piece in body.chunks(pieces.max(1)) {
                socket
                    .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                    .await
                    .unwrap();
                socket.write_all(piece).await.unwrap();
                socket.write_all(b"\r\n").await.unwrap();
                socket.flush().await.unwrap();
            }
            socket.write_all(b"0\r\n\r\n").await.unwrap();
            let mut answer = String::new();
            socket.read_to_string(&mut answer).await.unwrap();
            answer
        }
    };
    let get = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
    socket.write_all(get.as_bytes()).await.unwrap();
    let mut page = String::new();
    socket.read_to_string(&mut page).await.unwrap();
    let secret = page
        .split("set-cookie: csrftoken=")
        .nth(1)
        .expect("the page sets the cookie")[..32]
        .to_string();
    let token = page
        .split(r#"name="csrfmiddlewaretoken" value=""#)
        .nth(1)
        .unwrap()[..64]
        .to_string();

    let post = |path: &str, content_type: &str, body: &str, cookie: bool| {
        let cookie = if cookie {
            format!("Cookie: csrftoken={secret}\r\n")
        } else {
            String::new()
        };
        format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{cookie}\
             Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n{body}"
        )
        .into_bytes()
    };
    let form = "application/x-www-form-urlencoded";
    let answer = send(post("/", form, "a=1", false), 64).await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    let answer = send(
        post("/", form, &format!("a=1&csrfmiddlewaretoken={token}"), true),
        7,
    )
    .await;
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.contains("saved 1"),
        "{answer}"
    );

    let upload = |token_after: usize| {
        format!(
            "--B0und\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n\r\n{}\r\n\
             --B0und\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{token}\r\n--B0und--\r\n",
            "z".repeat(token_after)
        )
    };
    let multipart = "multipart/form-data; boundary=B0und";
    let body = upload(20_000);
    let answer = send(post("/upload/", multipart, &body, true), 100).await;
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.contains(&format!("{} bytes", body.len())),
        "{}",
        &answer[..answer.len().min(400)]
    );
    // Past the scan limit the token is not looked for: put {{ csrf_input }} first.
    let answer = send(post("/upload/", multipart, &upload(100_000), true), 4096).await;
    assert!(
        answer.starts_with("HTTP/1.1 403"),
        "{}",
        &answer[..answer.len().min(400)]
    );
    server.stop().await.unwrap();
}
