//! The Redis engine against a real Redis (started by the test script from Debian's package):
//! sessions shared by two instances of a site, logout and lost sessions as with the
//! database, and a Redis that goes away — 503s, no panic — and comes back.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use alder_sessions::{Engine, Session, SessionConfig};
use alder_web::routing::{get, post};
use alder_web::test::TestClient;
use alder_web::{App, Project, Result, Settings};

const REDIS_VAR: &str = "ALDER_TEST_REDIS_URL";

async fn count(session: Session) -> Result<String> {
    let n: u32 = session.get("n")?.unwrap_or(0) + 1;
    session.insert("n", n)?;
    Ok(n.to_string())
}

async fn flush(session: Session) -> &'static str {
    session.flush();
    "flushed"
}

fn client(url: &str, prefix: &str) -> TestClient {
    let mut settings = Settings::debug();
    settings.database_url = None;
    let config = SessionConfig {
        engine: Engine::Redis,
        redis_url: url.into(),
        redis_prefix: prefix.into(),
        redis_timeout: 1,
        ..Default::default()
    };
    let (url, prefix) = (url.to_owned(), prefix.to_owned());
    // Deletes its own session's key, as a logout on another instance would, then changes it.
    let lost = move |session: Session| {
        let (url, prefix) = (url.clone(), prefix.clone());
        async move {
            let _: Option<u32> = session.get("n")?;
            let key = format!("{prefix}{}", session.key().unwrap_or_default());
            let client = redis::Client::open(url.as_str()).unwrap();
            let mut connection = client.get_multiplexed_async_connection().await.unwrap();
            let deleted: u32 = redis::cmd("DEL")
                .arg(&key)
                .query_async(&mut connection)
                .await
                .unwrap();
            assert_eq!(deleted, 1, "{key} was there");
            session.insert("n", 7)?;
            Ok::<_, alder_web::Error>("changed")
        }
    };
    TestClient::new(
        Project::new(settings)
            .app(alder_sessions::app_with(config))
            .app(
                App::new("site")
                    .route("/count/", get(count), "count")
                    .route("/flush/", post(flush), "flush")
                    .route("/lost/", get(lost), "lost"),
            ),
    )
}

/// The test script's Redis, or `None` outside it (an error under CI).
fn redis_url() -> Option<String> {
    match std::env::var(REDIS_VAR) {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{REDIS_VAR} is not set under CI: the test script must start Redis"
            );
            eprintln!("skipped: {REDIS_VAR} is not set (run scripts/redis)");
            None
        }
    }
}

async fn keys(url: &str, prefix: &str) -> Vec<String> {
    let client = redis::Client::open(url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut connection)
        .await
        .unwrap()
}

#[tokio::test]
async fn two_instances_share_sessions_and_logout_deletes_them() {
    let Some(url) = redis_url() else { return };
    let prefix = format!("test:{}:shared:", std::process::id());
    let first = client(&url, &prefix);
    let second = client(&url, &prefix);
    first.get("/count/").await.assert_contains("1");
    let cookie = first.cookie("sessionid").unwrap();
    assert_eq!(keys(&url, &prefix).await, vec![format!("{prefix}{cookie}")]);
    // Another instance of the site reads the same session.
    second.set_cookie("sessionid", &cookie);
    second.get("/count/").await.assert_contains("2");
    first.get("/count/").await.assert_contains("3");

    first.post("/flush/").await.assert_ok();
    assert!(keys(&url, &prefix).await.is_empty());
    second.get("/count/").await.assert_contains("1");
    assert_ne!(
        second.cookie("sessionid").unwrap(),
        cookie,
        "never the old key"
    );
}

#[tokio::test]
async fn a_session_deleted_in_redis_during_the_request_is_not_brought_back() {
    let Some(url) = redis_url() else { return };
    let prefix = format!("test:{}:lost:", std::process::id());
    let client = client(&url, &prefix);
    client.get("/count/").await.assert_contains("1");
    client
        .get("/lost/")
        .await
        .assert_status(400)
        .assert_contains("session was deleted before the request completed");
    // `SET … XX` wrote nothing back; the next request starts afresh under a new key.
    assert!(keys(&url, &prefix).await.is_empty());
    client.get("/count/").await.assert_contains("1");
}

/// A Redis of the test's own on a free port, to stop and start.
fn own_redis(port: u16) -> Child {
    let mut child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server (scripts/redis installs it)");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("redis-server did not start on {port}");
}

#[tokio::test]
async fn a_redis_that_goes_away_is_a_503_and_sessions_recover_when_it_returns() {
    if redis_url().is_none() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://127.0.0.1:{port}/0");
    let mut server = own_redis(port);
    let client = client(&url, "outage:");
    client.get("/count/").await.assert_contains("1");
    client.get("/count/").await.assert_contains("2");

    server.kill().unwrap();
    server.wait().unwrap();
    for _ in 0..3 {
        client
            .get("/count/")
            .await
            .assert_status(503)
            .assert_contains("The session store is unavailable");
    }

    let mut server = own_redis(port);
    // The connection manager reconnects by itself; the new server has no data, so the
    // session starts afresh under a new key.
    let mut recovered = false;
    for _ in 0..50 {
        let response = client.get("/count/").await;
        if response.status() == 200 {
            response.assert_contains("1");
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "sessions did not recover after Redis came back");
    client.get("/count/").await.assert_contains("2");
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn a_bad_redis_url_fails_the_build() {
    let mut settings = Settings::debug();
    settings.database_url = None;
    let err = Project::new(settings)
        .app(alder_sessions::app_with(SessionConfig {
            engine: Engine::Redis,
            redis_url: "http://not-redis".into(),
            ..Default::default()
        }))
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sessions.redis_url is `http://not-redis`"),
        "{err}"
    );
}
