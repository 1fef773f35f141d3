//! The server loop against clients that hold connections without using them: silent
//! sockets, partial heads and HTTP/2 prefaces, idle keep-alive, dripping bodies, floods of
//! concurrent requests. Each is closed or refused within its timeout while normal clients
//! are still served. Timeouts are set to one second so the tests stay short.

use std::time::{Duration, Instant};

use alder_web::routing::{get, post};
use alder_web::test::TestClient;
use alder_web::{App, Project, Settings};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;

/// The POST routes are CSRF-exempt: the raw sockets here carry no token, and the CSRF
/// checks have tests of their own (tests/csrf.rs).
fn app() -> App {
    App::new("s")
        .route("/", get(|| async { "home" }), "home")
        .route(
            "/slow/",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                "slow done"
            }),
            "slow",
        )
        .route(
            "/stream/",
            get(|| async {
                // Five pieces, 500 ms apart: the body takes longer than idle_timeout.
                let pieces = futures_util::stream::unfold(0, |n| async move {
                    if n == 5 {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    Some((
                        Ok::<_, std::io::Error>(Bytes::from(format!("piece{n};"))),
                        n + 1,
                    ))
                });
                axum::body::Body::from_stream(pieces)
            }),
            "stream",
        )
        .route(
            "/upload/",
            post(|body: Bytes| async move { format!("{} bytes", body.len()) }).csrf_exempt(),
            "upload",
        )
}

fn one_second_timeouts() -> Settings {
    let mut settings = Settings::debug();
    settings.header_read_timeout = 1;
    settings.idle_timeout = 1;
    settings.body_read_timeout = 1;
    settings
}

async fn start(settings: Settings) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let site = Project::new(settings).app(app()).build().unwrap();
    let (addr, stop, _) = common::serve(site).await;
    (addr, stop)
}

/// Connects, sends `bytes`, then waits for the server to close; returns the time from just
/// before the connect to the close (or 10 s if it never closes).
async fn time_to_close(addr: std::net::SocketAddr, bytes: &'static [u8]) -> Duration {
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut sink = Vec::new();
    match tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut sink)).await {
        Ok(_) => start.elapsed(),
        Err(_) => Duration::from_secs(10),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_sockets_and_partial_prefaces_are_closed_within_the_head_timeout() {
    let (addr, _stop) = start(one_second_timeouts()).await;
    let mut holders = Vec::new();
    for i in 0..450 {
        let bytes: &'static [u8] = match i % 9 {
            // 200 silent sockets, 200 with the first line of the HTTP/2 preface, 50 with
            // half an HTTP/1 head.
            0..=3 => b"",
            4..=7 => b"PRI * HTTP/2.0\r\n",
            _ => b"GET / HTTP/1.1\r\nHost: localh",
        };
        holders.push((bytes, tokio::spawn(time_to_close(addr, bytes))));
    }
    // Meanwhile a normal client is served, on fresh connections, again and again.
    let deadline = Instant::now() + Duration::from_millis(1500);
    let mut served = 0;
    while Instant::now() < deadline {
        let response = common::raw(
            addr,
            b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        served += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served >= 10, "only {served} normal requests were served");
    for (sent, holder) in holders {
        let open = holder.await.unwrap();
        let sent = String::from_utf8_lossy(sent);
        assert!(
            open <= Duration::from_secs(2),
            "a socket that sent {sent:?} was kept {open:?}, past header_read_timeout (1 s) + 1 s"
        );
        assert!(
            open >= Duration::from_millis(900),
            "a socket that sent {sent:?} was closed after {open:?}, before header_read_timeout"
        );
    }
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_but_a_slow_response_is_not() {
    let (addr, _stop) = start(one_second_timeouts()).await;
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The handler takes 1.5 s, longer than the idle timeout: a request in flight is not idle.
    stream
        .write_all(b"GET /slow/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(6), stream.read_to_end(&mut buf)).await;
    let response = String::from_utf8_lossy(&buf);
    assert!(
        response.starts_with("HTTP/1.1 200") && response.contains("slow done"),
        "{response}"
    );
    assert!(
        read.is_ok(),
        "the idle keep-alive connection was never closed"
    );
    let open = start.elapsed();
    assert!(
        open < Duration::from_millis(1500 + 2000),
        "the connection stayed open {open:?} after its response"
    );
}

/// hyper's per-request header timer is off (the watchdog is the one timer), so the watchdog
/// must bound the second head of a keep-alive connection by `header_read_timeout` even when
/// `idle_timeout` is long.
#[tokio::test]
async fn a_partial_second_head_on_keep_alive_is_closed_within_the_head_timeout() {
    let mut settings = one_second_timeouts();
    settings.idle_timeout = 60;
    let (addr, _stop) = start(settings).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    stream.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let start = Instant::now();
    stream.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(
        closed.is_ok(),
        "a stalled second head kept the connection open"
    );
    let open = start.elapsed();
    assert!(
        open < Duration::from_millis(2000 + 1000),
        "the stalled head was allowed {open:?}"
    );
}

#[tokio::test]
async fn a_response_body_still_being_sent_keeps_its_connection_open() {
    let (addr, _stop) = start(one_second_timeouts()).await;
    let response = common::raw(
        addr,
        b"GET /stream/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(
        response.contains("piece0;") && response.contains("piece4;"),
        "{response}"
    );
}

#[tokio::test]
async fn a_body_dripping_below_the_minimum_rate_is_cut_off_with_408() {
    let mut settings = one_second_timeouts();
    settings.body_min_rate = 100;
    let (addr, _stop) = start(settings).await;
    let start = Instant::now();
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    write
        .write_all(b"POST /upload/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n")
        .await
        .unwrap();
    // One byte every 200 ms: each piece comes well within body_read_timeout, but the rate
    // is 5 bytes a second against a minimum of 100.
    let dripper = tokio::spawn(async move {
        for _ in 0..50 {
            if write.write_all(b"x").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let mut head = vec![0u8; 12];
    tokio::time::timeout(Duration::from_secs(5), read.read_exact(&mut head))
        .await
        .expect("the dripping upload was never cut off")
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&head), "HTTP/1.1 408");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    dripper.abort();
}

#[tokio::test]
async fn requests_over_the_in_flight_cap_get_503_with_retry_after() {
    let mut settings = Settings::debug();
    settings.max_requests_in_flight = 2;
    let client = TestClient::new(Project::new(settings).app(app()));
    let (a, b, c) = tokio::join!(client.get("/slow/"), client.get("/slow/"), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        client.get("/").await
    });
    a.assert_ok();
    b.assert_ok();
    c.assert_status(503).assert_header("retry-after", "1");
    // Once the slow requests are done, there is room again.
    client.get("/").await.assert_ok();
}

/// An HTTP/2 (prior knowledge) connection to `addr`, with its driver running.
async fn h2(
    addr: std::net::SocketAddr,
) -> (
    hyper::client::conn::http2::SendRequest<Empty<Bytes>>,
    tokio::task::JoinHandle<()>,
) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    (sender, driver)
}

fn h2_get(path: &str) -> http::Request<Empty<Bytes>> {
    http::Request::get(format!("http://localhost{path}"))
        .body(Empty::new())
        .unwrap()
}

#[tokio::test]
async fn http2_is_served_with_the_http1_head_limits_and_closed_when_idle() {
    let mut settings = one_second_timeouts();
    settings.max_headers = 20;
    let (addr, _stop) = start(settings).await;
    let (mut sender, driver) = h2(addr).await;

    let response = sender.send_request(h2_get("/")).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"home");

    let mut crowded = h2_get("/");
    for i in 0..30 {
        crowded.headers_mut().insert(
            http::HeaderName::try_from(format!("x-h{i}")).unwrap(),
            http::HeaderValue::from_static("v"),
        );
    }
    let response = sender.send_request(crowded).await.unwrap();
    assert_eq!(response.status(), 431);

    // Nothing more is asked: the server sends GOAWAY after idle_timeout and the connection ends.
    let idle = Instant::now();
    tokio::time::timeout(Duration::from_secs(4), driver)
        .await
        .expect("the idle HTTP/2 connection was never closed")
        .unwrap();
    assert!(
        idle.elapsed() >= Duration::from_millis(900),
        "{:?}",
        idle.elapsed()
    );
}

#[tokio::test]
async fn with_http2_off_a_preface_is_refused() {
    let mut settings = one_second_timeouts();
    settings.http2 = false;
    let (addr, _stop) = start(settings).await;
    let stream = TcpStream::connect(addr).await.unwrap();
    let handshake = hyper::client::conn::http2::handshake::<_, _, Empty<Bytes>>(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await;
    let refused = match handshake {
        Err(_) => true,
        Ok((mut sender, conn)) => {
            tokio::spawn(conn);
            sender.send_request(h2_get("/")).await.is_err()
        }
    };
    assert!(refused, "an HTTP/2 request was served with http2 = false");
    // HTTP/1.1 is still served.
    let ok = common::raw(
        addr,
        b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
}

/// Opens a connection and upgrades it to a toy echo protocol; returns the upgraded socket.
async fn upgraded(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /echo/ HTTP/1.1\r\nHost: localhost\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n")
        .await
        .unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    stream.write_all(b"ping").await.unwrap();
    let mut echo = [0u8; 4];
    stream.read_exact(&mut echo).await.unwrap();
    assert_eq!(&echo, b"ping");
    stream
}

/// An upgraded connection (a WebSocket, here a toy echo protocol) leaves hyper's HTTP task
/// behind, and must still count against `max_connections` until it closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgraded_connections_keep_their_slot_under_max_connections() {
    use alder_web::extract::Request;
    async fn echo(mut request: Request) -> http::Response<axum::body::Body> {
        let upgrade = hyper::upgrade::on(&mut request);
        tokio::spawn(async move {
            let io = upgrade.await.unwrap();
            let (mut read, mut write) = tokio::io::split(hyper_util::rt::TokioIo::new(io));
            let _ = tokio::io::copy(&mut read, &mut write).await;
        });
        http::Response::builder()
            .status(101)
            .header("connection", "upgrade")
            .header("upgrade", "echo")
            .body(axum::body::Body::empty())
            .unwrap()
    }
    let mut settings = Settings::debug();
    settings.max_connections = 2;
    let site = Project::new(settings)
        .app(App::new("ws").route("/echo/", get(echo), "echo"))
        .build()
        .unwrap();
    let (addr, _stop, _) = common::serve(site).await;

    let first = upgraded(addr).await;
    let _second = upgraded(addr).await;
    // Both slots are held by upgraded sockets: a third client waits in the listen queue.
    let waiting = tokio::spawn(common::raw(
        addr,
        b"GET /nothing/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !waiting.is_finished(),
        "a third connection was served over the cap"
    );
    // Closing one upgraded socket frees its slot, and the waiting client is served.
    drop(first);
    let answer = tokio::time::timeout(Duration::from_secs(3), waiting)
        .await
        .expect("the freed slot was not reused")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
}
