//! Sessions through the test client, on SQLite and on PostgreSQL when the test script starts
//! it: stored only when changed, keys never taken from the client, flush and cycle_key as
//! Django's, lost and expired sessions, the cookie engine's tampering checks, and settings
//! refused at start-up.

use alder_db::chrono::{Duration, Utc};
use alder_db::testing;
use alder_sessions::models::StoredSession;
use alder_sessions::{Engine, Expiry, Session, SessionConfig};
use alder_web::extract::Path;
use alder_web::routing::{get, post};
use alder_web::test::{TestClient, TestResponse};
use alder_web::{App, Db, Project, Result, Settings, StatusCode};

const COOKIE: &str = "sessionid";

async fn count(session: Session) -> Result<String> {
    let n: u32 = session.get("n")?.unwrap_or(0) + 1;
    session.insert("n", n)?;
    Ok(n.to_string())
}

async fn peek(session: Session) -> Result<String> {
    Ok(session.get::<u32>("n")?.unwrap_or(0).to_string())
}

async fn flush(session: Session) -> &'static str {
    session.flush();
    "flushed"
}

async fn cycle(session: Session) -> String {
    let old = session.key().unwrap_or_default();
    session.cycle_key();
    old
}

async fn fail(session: Session) -> Result<String> {
    session.insert("n", 100)?;
    Err(alder_web::Error::http(
        StatusCode::INTERNAL_SERVER_ERROR,
        "boom",
    ))
}

async fn big(session: Session) -> Result<&'static str> {
    session.insert("essay", "x".repeat(5_000))?;
    Ok("stored")
}

async fn expiry(session: Session, Path(mode): Path<String>) -> Result<String> {
    session.set_expiry(match mode.as_str() {
        "close" => Expiry::AtBrowserClose,
        "minute" => Expiry::Seconds(60),
        "zero" => Expiry::Seconds(0),
        _ => Expiry::Default,
    });
    session.insert("set", true)?;
    Ok(format!(
        "{} {}",
        session.expiry_age(),
        session.expires_at_browser_close()
    ))
}

/// Deletes its own session's row, as a logout in another tab would, then changes it.
async fn lost(session: Session, db: Db) -> Result<&'static str> {
    let key = session.key().unwrap_or_default();
    StoredSession::objects()
        .filter(StoredSession::session_key().eq(key))
        .delete(&db)
        .await?;
    session.insert("n", 7)?;
    Ok("changed")
}

async fn flush_then_fail(session: Session) -> Result<&'static str> {
    session.flush();
    Err(alder_web::Error::http(
        StatusCode::INTERNAL_SERVER_ERROR,
        "boom",
    ))
}

async fn wrong_type(session: Session) -> Result<String> {
    let n: String = session.get("n")?.unwrap_or_default();
    Ok(n)
}

fn site() -> App {
    App::new("site")
        .route("/count/", get(count), "count")
        .route("/peek/", get(peek), "peek")
        .route("/plain/", get(|| async { "no session" }), "plain")
        .route("/flush/", post(flush), "flush")
        .route("/cycle/", post(cycle), "cycle")
        .route("/fail/", get(fail), "fail")
        .route("/big/", get(big), "big")
        .route("/expiry/{mode}/", get(expiry), "expiry")
        .route("/lost/", get(lost), "lost")
        .route("/wrong-type/", get(wrong_type), "wrong_type")
        .route("/flush-then-fail/", get(flush_then_fail), "flush_then_fail")
}

/// A database URL per backend: a fresh SQLite file, and a fresh PostgreSQL database when the
/// test script started one. The folder lives as long as the returned guard.
async fn database_urls() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut urls = vec![format!(
        "sqlite://{}",
        dir.path().join("db.sqlite3").display()
    )];
    if let Some(pg) = testing::postgres().await.unwrap() {
        urls.push(pg.url().to_string());
    }
    (dir, urls)
}

async fn client(url: &str, config: Option<SessionConfig>) -> TestClient {
    let mut settings = Settings::debug();
    settings.database_url = Some(url.into());
    let sessions = match config {
        Some(config) => alder_sessions::app_with(config),
        None => alder_sessions::app(),
    };
    let client = TestClient::new(Project::new(settings).app(sessions).app(site()));
    client.site().migrate().await.unwrap();
    client
}

fn set_cookies(response: &TestResponse) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

async fn stored_keys(client: &TestClient) -> Vec<String> {
    let db = client.site().state().database().await.unwrap();
    StoredSession::objects()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.session_key)
        .collect()
}

#[tokio::test]
async fn a_session_is_stored_when_changed_and_its_cookie_sent_only_then() {
    let (_dir, urls) = database_urls().await;
    for url in urls {
        let client = client(&url, None).await;

        // A page that does not read the session sends no cookie and does not vary on it.
        let plain = client.get("/plain/").await;
        assert!(set_cookies(&plain).is_empty());
        assert_eq!(plain.header("vary"), None);
        // Reading an empty session stores nothing and sends no cookie either.
        let peeked = client.get("/peek/").await;
        peeked.assert_ok().assert_contains("0");
        assert!(set_cookies(&peeked).is_empty());
        assert_eq!(peeked.header("vary"), Some("Cookie"));
        assert!(stored_keys(&client).await.is_empty());

        let first = client.get("/count/").await;
        first.assert_ok().assert_contains("1");
        let cookies = set_cookies(&first);
        assert_eq!(cookies.len(), 1, "{cookies:?}");
        let cookie = &cookies[0];
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=1209600"] {
            assert!(
                cookie.contains(attribute),
                "{attribute} missing in {cookie}"
            );
        }
        assert!(!cookie.contains("Secure"), "{cookie}");
        let key = client.cookie(COOKIE).unwrap();
        assert_eq!(key.len(), 32);
        assert!(key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        assert_eq!(stored_keys(&client).await, vec![key.clone()]);

        client.get("/count/").await.assert_contains("2");
        // Only read: nothing written, no cookie sent again, the same key.
        let read = client.get("/peek/").await;
        read.assert_contains("2");
        assert!(set_cookies(&read).is_empty());
        assert_eq!(client.cookie(COOKIE).unwrap(), key);

        // The row holds the data as JSON and expires in two weeks.
        let db = client.site().state().database().await.unwrap();
        let row = StoredSession::objects().get(&db).await.unwrap();
        assert_eq!(row.session_data, r#"{"n":2}"#);
        let left = row.expire_date - Utc::now();
        assert!(
            left > Duration::days(13) && left <= Duration::days(14),
            "{left}"
        );
    }
}

#[tokio::test]
async fn keys_the_server_did_not_make_are_never_adopted() {
    let (_dir, urls) = database_urls().await;
    for url in urls {
        let client = client(&url, None).await;
        // A well-formed key naming no session, one with forbidden characters, one far too
        // long: each starts an empty session, saved under a key of the server's own.
        for planted in [
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "'; DROP TABLE sessions_session; --",
            &"a".repeat(5_000),
        ] {
            client.set_cookie(COOKIE, planted);
            client.get("/peek/").await.assert_ok().assert_contains("0");
            client.set_cookie(COOKIE, planted);
            client.get("/count/").await.assert_ok().assert_contains("1");
            let key = client.cookie(COOKIE).unwrap();
            assert_ne!(key, planted);
            assert_eq!(key.len(), 32);
        }
        assert_eq!(stored_keys(&client).await.len(), 3);
    }
}

#[tokio::test]
async fn flush_ends_the_session_and_a_replayed_cookie_is_worthless() {
    let (_dir, urls) = database_urls().await;
    for url in urls {
        let client = client(&url, None).await;
        client.get("/count/").await;
        client.get("/count/").await;
        let old = client.cookie(COOKIE).unwrap();

        let flushed = client.post("/flush/").await;
        flushed.assert_ok();
        let removal = set_cookies(&flushed);
        assert_eq!(removal.len(), 1);
        assert!(removal[0].starts_with("sessionid=;"), "{removal:?}");
        assert!(removal[0].contains("Max-Age=0"), "{removal:?}");
        assert_eq!(client.cookie(COOKIE), None);
        assert!(stored_keys(&client).await.is_empty());

        // The old cookie, sent again (a copy an attacker kept), opens nothing.
        client.set_cookie(COOKIE, &old);
        client.get("/peek/").await.assert_contains("0");
        client.get("/count/").await.assert_contains("1");
        assert_ne!(client.cookie(COOKIE).unwrap(), old);
    }
}

#[tokio::test]
async fn cycle_key_keeps_the_values_under_a_new_key() {
    let (_dir, urls) = database_urls().await;
    for url in urls {
        let client = client(&url, None).await;
        client.get("/count/").await;
        let old = client.cookie(COOKIE).unwrap();
        let response = client.post("/cycle/").await;
        response.assert_ok().assert_contains(&old);
        let new = client.cookie(COOKIE).unwrap();
        assert_ne!(new, old);
        assert_eq!(stored_keys(&client).await, vec![new]);
        client.get("/peek/").await.assert_contains("1");
        client.set_cookie(COOKIE, &old);
        client.get("/peek/").await.assert_contains("0");
    }
}

#[tokio::test]
async fn a_session_deleted_during_the_request_is_not_brought_back() {
    let (_dir, urls) = database_urls().await;
    for url in urls {
        let client = client(&url, None).await;
        client.get("/count/").await;
        client
            .get("/lost/")
            .await
            .assert_status(400)
            .assert_contains("session was deleted before the request completed");
        assert!(stored_keys(&client).await.is_empty());
    }
}

#[tokio::test]
async fn expired_sessions_are_not_read_and_clearsessions_deletes_them() {
    let (_dir, urls) = database_urls().await;
    for url in urls {
        let client = client(&url, None).await;
        client.get("/count/").await;
        client.get("/count/").await;
        let db = client.site().state().database().await.unwrap();
        StoredSession::objects()
            .update(
                &db,
                [StoredSession::expire_date().set(Utc::now() - Duration::seconds(1))],
            )
            .await
            .unwrap();
        client.get("/peek/").await.assert_contains("0");

        let mut settings = Settings::debug();
        settings.database_url = Some(url.clone());
        let project = Project::new(settings).app(alder_sessions::app());
        project
            .execute(["manage", "clearsessions"], &mut Vec::new())
            .await
            .unwrap();
        assert!(stored_keys(&client).await.is_empty());
    }
}

#[tokio::test]
async fn a_failed_request_saves_nothing_and_bad_values_are_errors() {
    let (_dir, urls) = database_urls().await;
    let client = client(&urls[0], None).await;
    client.get("/count/").await;
    client.get("/fail/").await.assert_status(500);
    assert_eq!(client.get("/peek/").await.text(), "1");

    // A value read as the wrong type is an error naming the key and the type.
    client
        .get("/wrong-type/")
        .await
        .assert_status(500)
        .assert_contains("the session value `n` is not a alloc::string::String");
    // A logout whose response then fails stays a logout.
    client.get("/flush-then-fail/").await.assert_status(500);
    assert_eq!(client.cookie(COOKIE), None);
    assert!(stored_keys(&client).await.is_empty());
    assert_eq!(client.get("/peek/").await.text(), "0");
}

#[tokio::test]
async fn expiry_per_session() {
    let (_dir, urls) = database_urls().await;
    let client = client(&urls[0], None).await;
    let close = client.get("/expiry/close/").await;
    close.assert_contains("1209600 true");
    assert!(!set_cookies(&close)[0].contains("Max-Age"));
    let minute = client.get("/expiry/minute/").await;
    minute.assert_contains("60 false");
    assert!(set_cookies(&minute)[0].contains("Max-Age=60"));
    let db = client.site().state().database().await.unwrap();
    let row = StoredSession::objects().get(&db).await.unwrap();
    let left = row.expire_date - Utc::now();
    assert!(
        left > Duration::seconds(50) && left <= Duration::seconds(60),
        "{left}"
    );
    // Django's set_expiry(0): at browser close.
    client
        .get("/expiry/zero/")
        .await
        .assert_contains("1209600 true");
}

#[tokio::test]
async fn save_every_request_renews_the_cookie_on_every_read() {
    let (_dir, urls) = database_urls().await;
    let config = SessionConfig {
        save_every_request: true,
        ..Default::default()
    };
    let client = client(&urls[0], Some(config)).await;
    client.get("/count/").await;
    let db = client.site().state().database().await.unwrap();
    // Pretend the session was saved a day ago: a read renews it to two weeks from now.
    StoredSession::objects()
        .update(
            &db,
            [StoredSession::expire_date().set(Utc::now() + Duration::days(13))],
        )
        .await
        .unwrap();
    let read = client.get("/peek/").await;
    read.assert_contains("1");
    let cookies = set_cookies(&read);
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].contains("Max-Age=1209600"), "{cookies:?}");
    let row = StoredSession::objects().get(&db).await.unwrap();
    assert!(row.expire_date - Utc::now() > Duration::days(13) + Duration::hours(23));
}

#[tokio::test]
async fn the_removal_cookie_matches_the_cookie_it_removes() {
    let (_dir, urls) = database_urls().await;
    let config = SessionConfig {
        cookie_path: "/shop".into(),
        cookie_domain: Some(".example.com".into()),
        ..Default::default()
    };
    let client = client(&urls[0], Some(config)).await;
    let set = set_cookies(&client.get("/count/").await);
    // The client's jar keeps a cookie for example.com from this `testserver`: send it by hand.
    let key = set[0]
        .strip_prefix("sessionid=")
        .and_then(|rest| rest.split(';').next())
        .unwrap();
    client.set_cookie(COOKIE, key);
    let removal = set_cookies(&client.post("/flush/").await);
    for cookie in [&set[0], &removal[0]] {
        assert!(cookie.contains("Path=/shop"), "{cookie}");
        assert!(
            cookie.contains("Domain=example.com") || cookie.contains("Domain=.example.com"),
            "{cookie}"
        );
    }
    assert!(removal[0].contains("Max-Age=0"), "{removal:?}");
}

fn cookie_client(encrypt: bool) -> TestClient {
    let config = SessionConfig {
        engine: Engine::Cookie,
        encrypt_cookie: encrypt,
        cookie_secure: true,
        ..Default::default()
    };
    // No database at all: the cookie engine needs none.
    TestClient::new(
        Project::new(Settings::debug())
            .app(alder_sessions::app_with(config))
            .app(site()),
    )
}

#[tokio::test]
async fn the_cookie_engine_keeps_values_in_a_signed_or_sealed_cookie() {
    for encrypt in [false, true] {
        let client = cookie_client(encrypt);
        let first = client.get("/count/").await;
        first.assert_contains("1");
        assert!(set_cookies(&first)[0].contains("Secure"));
        client.get("/count/").await.assert_contains("2");
        let value = client.cookie(COOKIE).unwrap();

        // Changed by one character, cut short, or made up: an empty session, no error.
        let mut tampered = value.clone().into_bytes();
        tampered[10] = if tampered[10] == b'a' { b'b' } else { b'a' };
        for bad in [
            String::from_utf8(tampered).unwrap(),
            value[..value.len() / 2].to_string(),
            "garbage".to_string(),
        ] {
            client.set_cookie(COOKIE, &bad);
            client.get("/peek/").await.assert_ok().assert_contains("0");
        }
        // A cookie from a site with another secret key is refused too.
        let mut other = Settings::debug();
        other.secret_key = "another-secret-key-of-enough-length-0123".into();
        let foreign = TestClient::new(
            Project::new(other)
                .app(alder_sessions::app_with(SessionConfig {
                    engine: Engine::Cookie,
                    encrypt_cookie: encrypt,
                    ..Default::default()
                }))
                .app(site()),
        );
        foreign.set_cookie(COOKIE, &value);
        foreign.get("/peek/").await.assert_contains("0");

        client.set_cookie(COOKIE, &value);
        client.get("/peek/").await.assert_contains("2");
        client.post("/flush/").await.assert_ok();
        assert_eq!(client.cookie(COOKIE), None);
    }
}

#[tokio::test]
async fn a_session_too_large_for_a_cookie_is_a_clear_error() {
    let client = cookie_client(false);
    client
        .get("/big/")
        .await
        .assert_status(500)
        .assert_contains("more than browsers keep (4096)");
    assert_eq!(client.cookie(COOKIE), None);
}

#[tokio::test]
async fn a_handler_without_the_app_is_told_to_install_it() {
    let client = TestClient::new(Project::new(Settings::debug()).app(site()));
    client
        .get("/peek/")
        .await
        .assert_status(500)
        .assert_contains("add `.app(alder_sessions::app())`");
}

#[tokio::test]
async fn an_unreachable_database_is_a_503() {
    let mut settings = Settings::debug();
    // A port nothing listens on.
    settings.database_url = Some("postgres://alder:alder@127.0.0.1:9/none".into());
    settings.database_timeout = 1;
    let client = TestClient::new(
        Project::new(settings)
            .app(alder_sessions::app())
            .app(site()),
    );
    client.get("/peek/").await.assert_status(503);
}

/// A session handle kept after its request (here in a static; in practice a template context
/// a test holds, or a spawned task).
static KEPT: std::sync::Mutex<Option<Session>> = std::sync::Mutex::new(None);

async fn keep(session: Session) -> Result<&'static str> {
    session.insert("n", 1)?;
    *KEPT.lock().unwrap() = Some(session);
    Ok("kept")
}

#[tokio::test]
async fn a_session_kept_after_its_request_does_not_keep_its_connection() {
    // An in-memory SQLite database has exactly one connection: a handle still holding it
    // would make the next request wait for the pool and fail with 503.
    let mut settings = Settings::debug();
    settings.database_url = Some("sqlite::memory:".into());
    settings.database_timeout = 1;
    let client = TestClient::new(
        Project::new(settings)
            .app(alder_sessions::app())
            .app(site().route("/keep/", get(keep), "keep")),
    );
    client.site().migrate().await.unwrap();
    client.get("/keep/").await.assert_ok();
    assert!(KEPT.lock().unwrap().is_some());
    client.get("/peek/").await.assert_ok().assert_contains("1");
    client.get("/count/").await.assert_ok().assert_contains("2");
}

#[test]
fn settings_the_app_cannot_use_fail_the_build() {
    let build = |settings: Settings, config: SessionConfig| {
        Project::new(settings)
            .app(alder_sessions::app_with(config))
            .build()
            .err()
            .map(|err| err.to_string())
            .unwrap_or_default()
    };
    let mut without_database = Settings::debug();
    without_database.database_url = None;
    let no_database = build(without_database, SessionConfig::default());
    assert!(no_database.contains("no database_url"), "{no_database}");
    for (config, expected) in [
        (
            SessionConfig {
                cookie_samesite: "sometimes".into(),
                ..Default::default()
            },
            "sessions.cookie_samesite is `sometimes`",
        ),
        (
            SessionConfig {
                cookie_name: "my session".into(),
                ..Default::default()
            },
            "sessions.cookie_name is `my session`",
        ),
        (
            SessionConfig {
                cookie_age: 0,
                ..Default::default()
            },
            "sessions.cookie_age is 0",
        ),
        (
            SessionConfig {
                cookie_domain: Some("example.com; evil".into()),
                ..Default::default()
            },
            "sessions.cookie_domain is `example.com; evil`",
        ),
    ] {
        let message = build(Settings::debug(), config);
        assert!(message.contains(expected), "{message}");
    }
}

#[tokio::test]
async fn settings_come_from_the_sessions_table() {
    use figment::providers::{Format, Serialized, Toml};
    let figment = figment::Figment::from(Serialized::defaults(Settings::debug())).merge(
        Toml::string("[sessions]\nengine = \"cookie\"\ncookie_name = \"sid\"\ncookie_age = 60\n"),
    );
    let settings = Settings::from_figment(figment).unwrap();
    let client = TestClient::new(
        Project::new(settings)
            .app(alder_sessions::app())
            .app(site()),
    );
    let response = client.get("/count/").await;
    let cookie = &set_cookies(&response)[0];
    assert!(
        cookie.starts_with("sid=") && cookie.contains("Max-Age=60"),
        "{cookie}"
    );

    let figment = figment::Figment::from(Serialized::defaults(Settings::debug()))
        .merge(Toml::string("[sessions]\nengine = \"redis-cluster\"\n"));
    let settings = Settings::from_figment(figment).unwrap();
    let err = Project::new(settings)
        .app(alder_sessions::app())
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sessions") && err.contains("redis-cluster"),
        "{err}"
    );
}

#[tokio::test]
async fn the_migration_matches_the_model_and_deploy_checks_warn() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::debug();
    settings.database_url = Some(format!("sqlite://{}", dir.path().join("db").display()));
    let mut out = Vec::new();
    Project::new(settings.clone())
        .app(alder_sessions::app())
        .execute(["manage", "makemigrations", "--check"], &mut out)
        .await
        .unwrap();
    let mut out = Vec::new();
    let result = Project::new(settings)
        .app(alder_sessions::app())
        .execute(["manage", "check", "--deploy"], &mut out)
        .await;
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("sessions.W010"), "{result:?} {out}");
}
