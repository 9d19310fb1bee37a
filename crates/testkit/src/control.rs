//! The reserved path of every emulator: a control API for tests written in any language.

use std::net::SocketAddr;
use std::sync::{Arc, PoisonError, RwLock};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use tower::Service as _;

/// The path prefix every emulator reserves for its control API (`/__omniauth/faults`, …),
/// at the root of the server whatever its base path. No real server uses it.
///
/// ```
/// assert_eq!(omniauth_testkit::CONTROL_PREFIX, "/__omniauth/");
/// ```
pub const CONTROL_PREFIX: &str = "/__omniauth/";

/// The address a connection came from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub(crate) SocketAddr);

/// The control routes of one server; clones share them.
#[derive(Debug, Clone, Default)]
pub(crate) struct ControlSlot {
    routes: Arc<RwLock<Option<Router>>>,
}

impl ControlSlot {
    pub(crate) fn set(&self, routes: Router) {
        *self.routes.write().unwrap_or_else(PoisonError::into_inner) = Some(routes);
    }

    fn get(&self) -> Option<Router> {
        self.routes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The outermost middleware: a request under [`CONTROL_PREFIX`] goes to the control routes
/// (when the peer is on loopback), anything else to the emulator.
pub(crate) async fn dispatch(
    State(slot): State<ControlSlot>,
    request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with(CONTROL_PREFIX) {
        return next.run(request).await;
    }
    // A server started without connect info (never, with TestServer) counts as remote.
    let loopback = request
        .extensions()
        .get::<ConnectInfo<Peer>>()
        .is_some_and(|ConnectInfo(Peer(peer))| is_loopback(peer));
    if !loopback {
        return text(
            StatusCode::FORBIDDEN,
            "the control API answers loopback peers only",
        );
    }
    let Some(mut routes) = slot.get() else {
        return text(StatusCode::NOT_FOUND, "this server has no control API");
    };
    match routes.call(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

fn is_loopback(peer: &SocketAddr) -> bool {
    match peer {
        SocketAddr::V4(v4) => v4.ip().is_loopback(),
        SocketAddr::V6(v6) => {
            v6.ip().is_loopback() || v6.ip().to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

fn text(status: StatusCode, message: &'static str) -> Response {
    let mut response = Response::new(Body::from(message));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use axum::routing::get;

    use super::*;
    use crate::{Fault, FaultRule, TestServer};

    #[tokio::test]
    async fn control_routes_pass_neither_faults_nor_the_log() {
        let server =
            TestServer::start_at(Router::new().route("/api/x", get(|| async { "x" })), "/api")
                .await
                .unwrap();
        let client = reqwest::Client::new();
        let root = format!("http://{}", server.addr());
        let none = client
            .get(format!("{root}/__omniauth/hello"))
            .send()
            .await
            .unwrap();
        assert_eq!(none.status(), 404, "no control API set yet");

        server.set_control(Router::new().route("/__omniauth/hello", get(|| async { "hi" })));
        server
            .faults()
            .inject(FaultRule::new("/*", Fault::status(503)));
        let hello = client
            .get(format!("{root}/__omniauth/hello"))
            .send()
            .await
            .unwrap();
        assert_eq!(hello.status(), 200);
        assert_eq!(hello.text().await.unwrap(), "hi");
        let app = client.get(server.url("/x")).send().await.unwrap();
        assert_eq!(app.status(), 503, "the emulator's routes still get faults");
        let paths: Vec<String> = server
            .requests()
            .all()
            .into_iter()
            .map(|r| r.path)
            .collect();
        assert_eq!(paths, ["/api/x"]);
    }

    #[test]
    fn loopback_peers_in_both_families() {
        assert!(is_loopback(&"127.0.0.1:1".parse().unwrap()));
        assert!(is_loopback(&"127.8.0.1:1".parse().unwrap()));
        assert!(is_loopback(&"[::1]:1".parse().unwrap()));
        assert!(is_loopback(&"[::ffff:127.0.0.1]:1".parse().unwrap()));
        assert!(!is_loopback(&"10.0.0.1:1".parse().unwrap()));
        assert!(!is_loopback(&"[::ffff:10.0.0.1]:1".parse().unwrap()));
    }
}
