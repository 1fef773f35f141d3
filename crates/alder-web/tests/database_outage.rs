//! A database outage under concurrent requests: PostgreSQL (the test script's) reached through
//! a TCP proxy that this test cuts and restores, as a restart or a network failure would.
//! While it is down every answer is a 503 with `Retry-After`, and once the first failure has
//! been seen the rest come at once instead of after the pool's timeout; when it is back,
//! requests succeed within a second, in the same process.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alder_web::routing::get;
use alder_web::test::TestClient;
use alder_web::{App, Db, Project, Result, Settings};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards 127.0.0.1:`port` to `target` while on; off closes the listener (new connections
/// are refused) and cuts every connection it carries.
struct Proxy {
    port: u16,
    target: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let port = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let proxy = Proxy {
            port,
            target,
            tasks: Arc::default(),
        };
        proxy.on().await;
        proxy
    }

    async fn on(&self) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], self.port)))
            .unwrap();
        let listener = socket.listen(64).unwrap();
        let (target, tasks) = (self.target, Arc::clone(&self.tasks));
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(link);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    fn off(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

async fn ping(db: Db) -> Result<&'static str> {
    db.execute_unprepared("SELECT 1").await?;
    Ok("ok")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_gives_fast_503s_and_recovery_needs_no_restart() {
    let Ok(url) = std::env::var(alder_web::db::testing::POSTGRES_URL_VAR) else {
        return; // PostgreSQL only
    };
    let target: SocketAddr = {
        let host = url.split('@').nth(1).unwrap().split('/').next().unwrap();
        host.parse().unwrap()
    };
    let proxy = Proxy::start(target).await;
    let through_proxy = url.replace(&target.to_string(), &format!("127.0.0.1:{}", proxy.port));
    let mut settings = Settings::debug();
    settings.database_url = Some(through_proxy);
    settings.database_timeout = 1;
    let client = TestClient::new(Project::new(settings).app(App::new("up").route(
        "/ping/",
        get(ping),
        "ping",
    )));
    for _ in 0..5 {
        client.get("/ping/").await.assert_ok();
    }

    proxy.off();
    let outage = Instant::now();
    let mut answers = Vec::new(); // (status, how long it took, whether the outage was known)
    let mut known = false;
    while outage.elapsed() < Duration::from_secs(3) {
        let batch: Vec<_> = (0..8)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move {
                    let start = Instant::now();
                    let response = client.get("/ping/").await;
                    (
                        response.status(),
                        response.header("retry-after").map(str::to_string),
                        start.elapsed(),
                    )
                })
            })
            .collect();
        for task in batch {
            let (status, retry_after, took) = task.await.unwrap();
            answers.push((status.as_u16(), took, known));
            assert_eq!(status.as_u16(), 503, "only 503s while the database is down");
            assert_eq!(retry_after.as_deref(), Some("5"));
        }
        known = true; // the first batch has seen the failure
    }
    let fast: Vec<_> = answers.iter().filter(|(_, _, known)| *known).collect();
    assert!(
        fast.len() >= 16,
        "{} answers after the first batch",
        fast.len()
    );
    for (_, took, _) in &fast {
        assert!(
            *took < Duration::from_millis(400), // the pool timeout is 1 s; slack for a loaded CI machine
            "once the outage is known a 503 comes at once, not after the timeout: {took:?}"
        );
    }

    proxy.on().await;
    let back = Instant::now();
    loop {
        let response = client.get("/ping/").await;
        if response.status().is_success() {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(1),
            "a request succeeds within a second of the database's return"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..5 {
        client.get("/ping/").await.assert_ok();
    }
}
