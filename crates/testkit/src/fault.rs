//! Faults a test switches on per route: slow answers, errors, broken bodies.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};

/// How a `Retry-After` header is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// Delta-seconds: `Retry-After: 2`.
    Seconds(u64),
    /// An HTTP-date this far in the future (rounded to whole seconds by the format).
    DateIn(Duration),
}

impl RetryAfter {
    fn header_value(self) -> HeaderValue {
        let text = match self {
            Self::Seconds(seconds) => seconds.to_string(),
            Self::DateIn(wait) => httpdate::fmt_http_date(SystemTime::now() + wait),
        };
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("1"))
    }
}

/// What goes wrong with an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long, then answer normally (a client timeout shorter than this fires).
    Delay(Duration),
    /// Answer with this status, body and optional `Retry-After`, without reaching the route.
    Status {
        /// The status.
        status: StatusCode,
        /// The `Retry-After` header, if any.
        retry_after: Option<RetryAfter>,
        /// The body (may be empty).
        body: String,
    },
    /// Send the headers and half the real body, then drop the connection.
    ResetMidBody,
    /// Send only the first half of the real body, with a matching `Content-Length`.
    Truncated,
    /// Answer with this status and an HTML error page (a proxy in front of the server).
    Html(StatusCode),
    /// Answer 200 with a JSON body of this many bytes.
    Oversized(usize),
    /// Answer normally but label the body `text/html`.
    WrongContentType,
    /// Answer with this status and no body at all.
    Empty(StatusCode),
    /// Answer 200 with bytes that are not UTF-8.
    InvalidUtf8,
    /// Answer 200 with plain text that is not JSON.
    NotJson,
}

impl Fault {
    /// A status with an empty body.
    pub fn status(status: u16) -> Self {
        Self::Status {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            retry_after: None,
            body: String::new(),
        }
    }

    /// A `429` with `Retry-After`.
    pub fn rate_limited(retry_after: RetryAfter) -> Self {
        Self::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(retry_after),
            body: String::new(),
        }
    }
}

/// Which requests a fault applies to, and how many times.
#[derive(Debug, Clone)]
pub struct FaultRule {
    method: Option<Method>,
    path: String,
    fault: Fault,
    remaining: Option<u32>,
}

impl FaultRule {
    /// A fault for every request whose path is `path`, or starts with it when `path` ends
    /// in `*` (`/api/v1/*`). The query is not part of the path.
    pub fn new(path: impl Into<String>, fault: Fault) -> Self {
        Self {
            method: None,
            path: path.into(),
            fault,
            remaining: None,
        }
    }

    /// Only for requests of this method.
    #[must_use]
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Only the next `times` matching requests; then the rule is spent.
    #[must_use]
    pub fn times(mut self, times: u32) -> Self {
        self.remaining = Some(times);
        self
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        let path_matches = match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == self.path,
        };
        path_matches
            && self.method.as_ref().is_none_or(|m| m == method)
            && self.remaining != Some(0)
    }
}

/// The fault switchboard of one server; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<FaultRule>>>,
}

impl Faults {
    /// Adds a rule; the first matching rule that is not spent applies.
    pub fn inject(&self, rule: FaultRule) {
        self.lock().push(rule);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn take(&self, method: &Method, path: &str) -> Option<Fault> {
        let mut rules = self.lock();
        let rule = rules.iter_mut().find(|rule| rule.matches(method, path))?;
        if let Some(remaining) = rule.remaining.as_mut() {
            *remaining -= 1;
        }
        Some(rule.fault.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The middleware every emulator runs behind.
pub(crate) async fn inject(State(faults): State<Faults>, request: Request, next: Next) -> Response {
    let Some(fault) = faults.take(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    match fault {
        Fault::Delay(wait) => {
            tokio::time::sleep(wait).await;
            next.run(request).await
        }
        Fault::Status { status, retry_after, body } => {
            let mut response = respond(status, "application/json", Bytes::from(body));
            if let Some(retry_after) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, retry_after.header_value());
            }
            response
        }
        Fault::Html(status) => respond(
            status,
            "text/html; charset=utf-8",
            Bytes::from_static(b"<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Something went wrong</h1></body></html>"),
        ),
        Fault::Oversized(size) => {
            let mut body = Vec::with_capacity(size);
            body.extend_from_slice(b"{\"pad\":\"");
            body.resize(size.saturating_sub(2).max(body.len()), b'x');
            body.extend_from_slice(b"\"}");
            respond(StatusCode::OK, "application/json", Bytes::from(body))
        }
        Fault::Empty(status) => respond(status, "application/json", Bytes::new()),
        Fault::InvalidUtf8 => respond(StatusCode::OK, "application/json", Bytes::from_static(b"{\"a\":\"\xff\xfe\xfd\"}")),
        Fault::NotJson => respond(StatusCode::OK, "text/plain", Bytes::from_static(b"this is not json")),
        Fault::WrongContentType => {
            let mut response = next.run(request).await;
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            response
        }
        Fault::Truncated => {
            let (mut parts, body) = next.run(request).await.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(half.len()));
            Response::from_parts(parts, Body::from(half))
        }
        Fault::ResetMidBody => {
            let (mut parts, body) = next.run(request).await.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            // Announce the whole length, send half, then fail the stream: hyper aborts the
            // connection, and the client sees the body cut off.
            parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len().max(1)));
            let chunks: Vec<Result<Bytes, std::io::Error>> =
                vec![Ok(half), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fault: reset mid-body"))];
            Response::from_parts(parts, Body::from_stream(futures_util::stream::iter(chunks)))
        }
    }
}

fn respond(status: StatusCode, content_type: &'static str, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_paths_methods_and_run_out() {
        let faults = Faults::default();
        faults.inject(
            FaultRule::new("/api/*", Fault::status(503))
                .method(Method::GET)
                .times(1),
        );
        assert!(faults.take(&Method::POST, "/api/x").is_none());
        assert_eq!(
            faults.take(&Method::GET, "/api/x"),
            Some(Fault::status(503))
        );
        assert!(
            faults.take(&Method::GET, "/api/x").is_none(),
            "the rule is spent"
        );
        faults.inject(FaultRule::new("/exact", Fault::NotJson));
        assert!(faults.take(&Method::GET, "/exact/more").is_none());
        assert_eq!(faults.take(&Method::GET, "/exact"), Some(Fault::NotJson));
        assert_eq!(
            faults.take(&Method::GET, "/exact"),
            Some(Fault::NotJson),
            "unlimited rules stay"
        );
        faults.clear();
        assert!(faults.take(&Method::GET, "/exact").is_none());
    }

    #[test]
    fn retry_after_renders_both_forms() {
        assert_eq!(RetryAfter::Seconds(2).header_value(), "2");
        let date = RetryAfter::DateIn(Duration::from_secs(60)).header_value();
        assert!(httpdate::parse_http_date(date.to_str().unwrap()).is_ok());
    }
}
