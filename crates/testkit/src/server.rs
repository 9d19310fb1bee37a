//! A real HTTP server on 127.0.0.1, on a port of its own (or one given), for one test or a
//! standalone emulator.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use axum::Router;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::control::{self, ControlSlot, Peer};
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
///
/// // A restart: every connection is cut, then the same port is served again.
/// let before = server.base_url().to_owned();
/// server.restart().await?;
/// assert_eq!(server.base_url(), before);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    base_url: String,
    log: RequestLog,
    faults: Faults,
    connections: Arc<AtomicUsize>,
    /// The app with its layers, kept to serve it again after [`TestServer::stop`].
    app: Router,
    open: Arc<OpenConnections>,
    running: Mutex<Option<Running>>,
    control: ControlSlot,
}

/// One serving of the app: its accept loop and the signal for a graceful end.
#[derive(Debug)]
struct Running {
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// Serves `app` on a free loopback port.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start(app: Router) -> io::Result<Self> {
        Self::start_at(app, "").await
    }

    /// Serves `app` with `base_path` (`/api/v1`) as part of the base URL, so clients are
    /// built the way they are for a real deployment.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start_at(app: Router, base_path: &str) -> io::Result<Self> {
        Self::launch(app, LOOPBACK_ANY_PORT, base_path).await
    }

    /// Serves `app` on `addr` (port `0`: a free one), for a server on a fixed port such as
    /// the `omniauth-emulator` binary's. The address is taken as given: binding a
    /// non-loopback one exposes the emulator to the network.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use std::net::{Ipv4Addr, SocketAddr};
    /// use axum::Router;
    /// use omniauth_testkit::TestServer;
    ///
    /// let server = TestServer::start_on(Router::new(), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    /// assert!(server.addr().ip().is_loopback());
    /// assert_ne!(server.addr().port(), 0);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// When `addr` cannot be bound (the port is in use).
    pub async fn start_on(app: Router, addr: SocketAddr) -> io::Result<Self> {
        Self::launch(app, addr, "").await
    }

    /// The emulators' way in: `addr` and a base path.
    // Async without an await so that it can only be called inside a runtime, which the
    // listener registers with.
    #[allow(clippy::unused_async)]
    pub(crate) async fn launch(app: Router, addr: SocketAddr, base_path: &str) -> io::Result<Self> {
        let listener = bind(addr)?;
        let addr = listener.local_addr()?;
        let log = RequestLog::default();
        let faults = Faults::default();
        let control = ControlSlot::default();
        // Layers run outside-in: the log sees every request, faults included. The control
        // API is outermost, so faults never hit it and the log never lists it.
        let app = app
            .layer(axum::middleware::from_fn_with_state(
                faults.clone(),
                fault::inject,
            ))
            .layer(axum::middleware::from_fn_with_state(
                log.clone(),
                log::record,
            ))
            .layer(axum::middleware::from_fn_with_state(
                control.clone(),
                control::dispatch,
            ));
        let base_url = format!("http://{addr}{}", base_path.trim_end_matches('/'));
        let server = Self {
            addr,
            base_url,
            log,
            faults,
            connections: Arc::new(AtomicUsize::new(0)),
            app,
            open: Arc::new(OpenConnections::default()),
            running: Mutex::new(None),
            control,
        };
        *server.running() = Some(server.serve(listener));
        Ok(server)
    }

    fn serve(&self, listener: TcpListener) -> Running {
        let (shutdown, stopped) = oneshot::channel::<()>();
        let listener = Tracked {
            listener,
            accepted: self.connections.clone(),
            open: self.open.clone(),
        };
        // The peer address lets the control API answer loopback callers only.
        let app = self
            .app
            .clone()
            .into_make_service_with_connect_info::<Peer>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(err) = serve.await {
                tracing::warn!(error = %err, "test server stopped with an error");
            }
        });
        Running { shutdown, task }
    }

    fn running(&self) -> MutexGuard<'_, Option<Running>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
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

    /// Serves `routes` under [`CONTROL_PREFIX`](crate::CONTROL_PREFIX) (`/__omniauth/…`,
    /// at the root whatever the base path), to loopback peers only; others get `403`. The
    /// routes are written with the prefix (`/__omniauth/faults`). Replaces routes set
    /// before. Requests to them pass neither the fault layer nor the request log.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use axum::{Router, routing::get};
    /// use omniauth_testkit::TestServer;
    ///
    /// let server = TestServer::start(Router::new()).await?;
    /// server.set_control(Router::new().route("/__omniauth/hello", get(|| async { "hi" })));
    /// assert!(server.url("/__omniauth/hello").ends_with("/__omniauth/hello"));
    /// # Ok(()) }
    /// ```
    pub fn set_control(&self, routes: Router) {
        self.control.set(routes);
    }

    /// How many TCP connections the server has accepted (to see a client reuse them).
    pub fn connections_accepted(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// How many accepted TCP connections are open now, upgraded ones (WebSockets) included.
    pub fn open_connections(&self) -> usize {
        self.open.len()
    }

    /// Whether the port is being served (false between [`stop`](Self::stop) and
    /// [`resume`](Self::resume)).
    pub fn is_serving(&self) -> bool {
        self.running().is_some()
    }

    /// Stops serving at once, as a killed server process does: the port stops accepting
    /// (connecting is refused) and every open connection is cut, WebSockets included,
    /// without an HTTP answer or a WebSocket close. Requests in flight get no answer.
    /// What the app keeps in its own state is untouched. Does nothing when stopped.
    ///
    /// The connections are shut down at the socket (both directions), so a client sees the
    /// end of the stream at once and the tasks serving them end on their next read or
    /// write.
    pub async fn stop(&self) {
        let running = self.running().take();
        if let Some(running) = running {
            // Aborting the accept loop (not a graceful shutdown, which would wait for the
            // requests in flight) and waiting for it drops the listening socket, so the
            // port is free once this returns.
            running.task.abort();
            let _ = running.task.await;
        }
        self.open.cut_all();
    }

    /// Serves the app again on the same address after [`stop`](Self::stop), so clients
    /// keep their URL. Does nothing when serving.
    ///
    /// The listening socket has `SO_REUSEADDR` (on unix), so the port can be bound again
    /// while the cut connections linger in `TIME_WAIT`.
    ///
    /// Call it inside a Tokio runtime, like [`start`](Self::start).
    ///
    /// # Errors
    /// When the port cannot be bound again (another process took it meanwhile).
    pub fn resume(&self) -> io::Result<()> {
        if self.is_serving() {
            return Ok(());
        }
        let listener = bind(self.addr)?;
        let mut running = self.running();
        if running.is_none() {
            *running = Some(self.serve(listener));
        }
        Ok(())
    }

    /// [`stop`](Self::stop) then [`resume`](Self::resume): a server restart, as clients see
    /// one.
    ///
    /// # Errors
    /// As [`resume`](Self::resume).
    pub async fn restart(&self) -> io::Result<()> {
        self.stop().await;
        self.resume()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(running) = self.running().take() {
            let _ = running.shutdown.send(());
        }
    }
}

/// `127.0.0.1:0`: a free loopback port.
pub(crate) const LOOPBACK_ANY_PORT: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// A loopback listener with `SO_REUSEADDR` (unix), so a restart can take its port back
/// while connections of the previous serving are in `TIME_WAIT`. On Windows the option
/// would let another socket take a port in use, so it is left off there.
fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// The accepted connections that are still open: a second handle on each socket (a
/// duplicated descriptor), to shut it down from outside whoever owns the stream, even
/// after hyper handed it over to a WebSocket task.
#[derive(Debug, Default)]
struct OpenConnections {
    next: AtomicU64,
    sockets: Mutex<HashMap<u64, std::net::TcpStream>>,
}

impl OpenConnections {
    fn sockets(&self) -> MutexGuard<'_, HashMap<u64, std::net::TcpStream>> {
        self.sockets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn len(&self) -> usize {
        self.sockets().len()
    }

    /// Registers a stream; `None` when its descriptor cannot be duplicated (out of
    /// descriptors), in which case a stop cannot cut it.
    fn register(self: &Arc<Self>, stream: &TcpStream) -> Option<Registration> {
        let handle = match duplicate(stream) {
            Ok(handle) => handle,
            Err(err) => {
                tracing::warn!(error = %err, "a connection cannot be tracked; a stop will not cut it");
                return None;
            }
        };
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.sockets().insert(id, handle);
        Some(Registration {
            id,
            open: self.clone(),
        })
    }

    fn cut_all(&self) {
        let sockets: Vec<_> = self.sockets().drain().map(|(_, socket)| socket).collect();
        for socket in sockets {
            // Fails only for a socket the peer already closed: nothing left to cut.
            let _ = socket.shutdown(Shutdown::Both);
        }
    }
}

#[cfg(unix)]
fn duplicate(stream: &TcpStream) -> io::Result<std::net::TcpStream> {
    use std::os::fd::AsFd as _;
    Ok(stream.as_fd().try_clone_to_owned()?.into())
}

#[cfg(windows)]
fn duplicate(stream: &TcpStream) -> io::Result<std::net::TcpStream> {
    use std::os::windows::io::AsSocket as _;
    Ok(stream.as_socket().try_clone_to_owned()?.into())
}

/// Removes its connection from the open ones when the stream is dropped.
#[derive(Debug)]
struct Registration {
    id: u64,
    open: Arc<OpenConnections>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.open.sockets().remove(&self.id);
    }
}

/// The listener axum serves: counts and registers every accepted connection.
struct Tracked {
    listener: TcpListener,
    accepted: Arc<AtomicUsize>,
    open: Arc<OpenConnections>,
}

impl axum::serve::Listener for Tracked {
    type Io = TrackedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.listener).await;
        self.accepted.fetch_add(1, Ordering::Relaxed);
        let registration = self.open.register(&stream);
        (
            TrackedStream {
                stream,
                _registration: registration,
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, Tracked>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, Tracked>) -> Self {
        Self(*stream.remote_addr())
    }
}

/// An accepted stream that stays registered as open until it is dropped (hyper drops it
/// when the connection ends, upgraded or not).
#[derive(Debug)]
struct TrackedStream {
    stream: TcpStream,
    _registration: Option<Registration>,
}

impl AsyncRead for TrackedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for TrackedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::routing::get;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    const GET: &[u8] = b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n";

    async fn served() -> TestServer {
        TestServer::start(Router::new().route("/ping", get(|| async { "pong" })))
            .await
            .unwrap()
    }

    /// Reads one answer of a keep-alive connection (small enough for one read).
    async fn answer(stream: &mut TcpStream) -> String {
        let mut buf = vec![0; 4096];
        let n = stream.read(&mut buf).await.unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// Reads until the server ends the stream (`0` bytes or a reset).
    async fn end_of(stream: &mut TcpStream) {
        let mut buf = vec![0; 4096];
        let ended = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(ended.is_ok(), "the server did not cut the connection");
    }

    #[tokio::test]
    async fn a_restart_cuts_idle_connections_and_serves_the_same_port_again() {
        let server = served().await;
        let mut idle = TcpStream::connect(server.addr()).await.unwrap();
        idle.write_all(GET).await.unwrap();
        assert!(answer(&mut idle).await.contains("pong"));
        assert_eq!(server.open_connections(), 1);

        server.stop().await;
        assert!(!server.is_serving());
        end_of(&mut idle).await;
        assert_eq!(server.open_connections(), 0);
        let refused = TcpStream::connect(server.addr()).await;
        assert!(refused.is_err(), "a stopped server refuses connections");

        server.resume().unwrap();
        assert!(server.is_serving());
        let mut again = TcpStream::connect(server.addr()).await.unwrap();
        again.write_all(GET).await.unwrap();
        assert!(answer(&mut again).await.contains("pong"));
        assert_eq!(
            server.requests().to_path("/ping").len(),
            2,
            "the log survives"
        );
        // Idempotent both ways.
        server.resume().unwrap();
        server.stop().await;
        server.stop().await;
        end_of(&mut again).await;
    }

    #[tokio::test]
    async fn the_port_is_taken_back_while_cut_connections_are_in_time_wait() {
        let server = served().await;
        for _ in 0..5 {
            // The server closes first (the cut), so its side of each connection goes to
            // TIME_WAIT on the served port; binding it again needs SO_REUSEADDR.
            let mut clients = Vec::new();
            for _ in 0..3 {
                let mut client = TcpStream::connect(server.addr()).await.unwrap();
                client.write_all(GET).await.unwrap();
                assert!(answer(&mut client).await.contains("pong"));
                clients.push(client);
            }
            server.stop().await;
            for client in &mut clients {
                end_of(client).await;
            }
            drop(clients);
            server.resume().unwrap();
        }
        assert_eq!(server.requests().to_path("/ping").len(), 15);
        assert_eq!(server.connections_accepted(), 15);
    }

    #[tokio::test]
    async fn finished_connections_are_forgotten() {
        let server = served().await;
        let mut client = TcpStream::connect(server.addr()).await.unwrap();
        client.write_all(GET).await.unwrap();
        assert!(answer(&mut client).await.contains("pong"));
        drop(client);
        tokio::time::timeout(Duration::from_secs(10), async {
            while server.open_connections() > 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("the closed connection is forgotten");
    }
}
