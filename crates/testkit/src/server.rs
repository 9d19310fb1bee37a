//! A real HTTP server on 127.0.0.1, on a port of its own, for one test.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::serve::ListenerExt as _;
use tokio::sync::oneshot;

use crate::fault::{self, Faults};
use crate::log::{self, RequestLog};

/// An axum app served on `127.0.0.1:0` until dropped, behind the request log and the fault
/// layer. Every emulator is one of these.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
/// use axum::{Router, routing::get};
/// use omniauth_testkit::TestServer;
///
/// let server = TestServer::start(Router::new().route("/ping", get(|| async { "pong" }))).await?;
/// assert!(server.url("/ping").starts_with("http://127.0.0.1:"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    base_url: String,
    log: RequestLog,
    faults: Faults,
    connections: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl TestServer {
    /// Serves `app` on a free loopback port.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start(app: Router) -> std::io::Result<Self> {
        Self::start_at(app, "").await
    }

    /// Serves `app` with `base_path` (`/api/v1`) as part of the base URL, so clients are
    /// built the way they are for a real deployment.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start_at(app: Router, base_path: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let log = RequestLog::default();
        let faults = Faults::default();
        // Layers run outside-in: the log sees every request, faults included.
        let app = app
            .layer(axum::middleware::from_fn_with_state(
                faults.clone(),
                fault::inject,
            ))
            .layer(axum::middleware::from_fn_with_state(
                log.clone(),
                log::record,
            ));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let listener = listener.tap_io(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(err) = serve.await {
                tracing::warn!(error = %err, "test server stopped with an error");
            }
        });
        let base_url = format!("http://{addr}{}", base_path.trim_end_matches('/'));
        Ok(Self {
            addr,
            base_url,
            log,
            faults,
            connections,
            shutdown: Some(shutdown),
        })
    }

    /// The base URL clients are built with (`http://127.0.0.1:PORT` plus the base path).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The base URL joined with `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base_url, path.trim_start_matches('/'))
    }

    /// The socket address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The requests received so far.
    pub fn requests(&self) -> &RequestLog {
        &self.log
    }

    /// The fault switchboard.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// How many TCP connections the server has accepted (to see a client reuse them).
    pub fn connections_accepted(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
