//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;

use alder_web::Settings;

/// Writes `files` (relative path, content) below `root`.
pub fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (name, content) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// Debug settings whose project template and static folders are inside `root`.
pub fn settings_in(root: &Path, debug: bool) -> Settings {
    let mut settings = if debug {
        Settings::debug()
    } else {
        production()
    };
    settings.templates_dir = root.join("templates");
    settings.static_dir = root.join("static");
    settings.static_root = root.join("collected");
    settings
}

/// Production settings with a proper secret key, answering to `localhost`.
pub fn production() -> Settings {
    let mut settings = Settings::default();
    settings.secret_key = "k".repeat(50);
    settings.allowed_hosts = vec!["localhost".into()];
    settings
}

/// Serves `site` on a free loopback port until the returned sender fires or is dropped. The
/// listen queue is as deep as `runserver`'s, so bursts of test connections are not dropped.
pub async fn serve(
    site: alder_web::Site,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1024).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        alder_web::serve_listener(site, listener, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (addr, stop, handle)
}

/// Sends `request` on a new connection and reads until the server closes it (at most 5 s).
pub async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut buf),
    )
    .await;
    String::from_utf8_lossy(&buf).into_owned()
}

/// Renders `template` (the text of a template) with `context` in a bare debug project, as a
/// page would: through the project's engine, its formatter and Alder's form templates.
pub fn render(template: &str, context: impl serde::Serialize) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("page.html"), template).unwrap();
    let mut settings = Settings::debug();
    settings.templates_dir = dir.path().into();
    let site = alder_web::Project::new(settings).build().unwrap();
    site.templates()
        .render_to_string("page.html", context)
        .unwrap()
}
