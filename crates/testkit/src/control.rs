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
    use super::*;

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
