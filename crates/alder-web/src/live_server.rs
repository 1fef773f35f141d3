//! A project served on a real socket for the length of a test (Django's
//! `LiveServerTestCase`): what a browser driven over WebDriver, or any client that needs a
//! URL, talks to. The test client stays the tool for everything else: it needs no socket.

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{Error, Result, Site};

/// A site served on `127.0.0.1` at a port the system picks, stopped (its connections closed
/// gracefully) when dropped.
///
/// ```
/// use alder_web::{App, Project, Settings, routing::get, test::LiveServer};
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let project = Project::new(Settings::debug())
///     .app(App::new("pages").route("/", get(|| async { "home" }), "home"));
/// let server = LiveServer::start(project.build().unwrap()).await.unwrap();
/// assert!(server.url("/").starts_with("http://127.0.0.1:"));
/// # });
/// ```
#[derive(Debug)]
pub struct LiveServer {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<()>>>,
}

impl LiveServer {
    /// Serves `site` until the server is dropped.
    pub async fn start(site: Site) -> Result<LiveServer> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Error::io("binding a port on 127.0.0.1", e))?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::io("reading the bound address", e))?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(crate::serve_listener(site, listener, async move {
            let _ = stopped.await;
        }));
        Ok(LiveServer {
            base: format!("http://{address}"),
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The absolute URL of `path` on this server (`server.url("/posts/")`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops serving and waits for the server to finish.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(|e| Error::other("the live server's task", e))?,
            None => Ok(()),
        }
    }
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
