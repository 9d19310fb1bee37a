//! Reply shapes and request parsing shared by both dialects.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde_json::{Map, Value};

pub(super) type Object = Map<String, Value>;

/// A reply with this status, content type and body.
pub(super) fn reply(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Body>,
) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// gin's `c.JSON`: `application/json; charset=utf-8`.
pub(super) fn json(status: StatusCode, value: &Value) -> Response {
    reply(status, "application/json; charset=utf-8", value.to_string())
}

/// `{"error": message}` with this status (1.3).
pub(super) fn error(status: StatusCode, message: &str) -> Response {
    json(status, &serde_json::json!({ "error": message }))
}

/// gin's `c.String`: `text/plain; charset=utf-8`.
pub(super) fn text(status: StatusCode, body: &str) -> Response {
    reply(status, "text/plain; charset=utf-8", body.to_owned())
}

/// An HTML page (the routes that only render templates).
pub(super) fn html(body: &str) -> Response {
    reply(StatusCode::OK, "text/html; charset=utf-8", body.to_owned())
}

/// 1.3's 500 body, naming the failing step (the text of HEAD `7758c8f`, recordings:
/// `POST /api/listusers`).
pub(super) fn internal(code: &str) -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        &format!(
            "Something went wrong on our end. Please report this bug at https://concord.hectabit.org/hectabit/burgerauth and refer to the docs for more info. Your error code is: UNKNOWN-API-{code}"
        ),
    )
}

/// The Go server panicking in a handler with no recovery middleware: net/http drops the
/// connection without an answer. (`resume_unwind` skips the panic hook, so tests stay quiet.)
pub(super) fn drop_connection() -> ! {
    std::panic::resume_unwind(Box::new(
        "burgerauth emulator: handler panic (connection dropped)",
    ))
}

/// The Go server's global middleware: CORS headers on every answer, `OPTIONS` → 200 with no
/// body and no content type (recordings: `OPTIONS /api/login`). gin never sends `Allow`
/// (axum's method routers add it to their own answers: taken off here, outermost).
pub(super) async fn go_cors(request: Request, next: Next) -> Response {
    let mut response = if request.method() == Method::OPTIONS {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::OK;
        response
    } else {
        next.run(request).await
    };
    response.headers_mut().remove(header::ALLOW);
    add_cors(&mut response, "*, Authorization");
    response
}

/// The Python server's `after_request` CORS headers and Hypercorn's `server`; Quart answers
/// `OPTIONS` itself with an `Allow` list and an empty `text/html` body (recordings:
/// `head-probes.txt`).
pub(super) async fn python_cors(request: Request, next: Next) -> Response {
    let mut response = if request.method() == Method::OPTIONS {
        let mut response = reply(StatusCode::OK, "text/html; charset=utf-8", "");
        let allow = if request.uri().path() == "/api/auth" {
            "HEAD, GET, OPTIONS"
        } else {
            "HEAD, GET, POST, OPTIONS"
        };
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
        response
    } else {
        let mut response = next.run(request).await;
        // Quart lists `Allow` only on its own 405 (axum's method routers add it to the
        // `500 {}` of a wrong method, which the real server answers without one).
        if response.status() != StatusCode::METHOD_NOT_ALLOWED {
            response.headers_mut().remove(header::ALLOW);
        }
        response
    };
    add_cors(&mut response, "*");
    // Hypercorn names itself on every answer (recordings: the POST-era relay log).
    response
        .headers_mut()
        .insert(header::SERVER, HeaderValue::from_static("hypercorn-h11"));
    response
}

fn add_cors(response: &mut Response, allow_headers: &'static str) {
    let headers = response.headers_mut();
    headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    headers.insert(
        "access-control-allow-headers",
        HeaderValue::from_static(allow_headers),
    );
    headers.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("*"),
    );
}

/// gin `ShouldBindJSON` into a map: any content type, an object or nothing.
pub(super) fn go_object(body: &[u8]) -> Option<Object> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A string field of a 1.3 body (a missing or mistyped field is `None`).
pub(super) fn str_field<'a>(body: &'a Object, key: &str) -> Option<&'a str> {
    body.get(key)?.as_str()
}

/// Decodes `application/x-www-form-urlencoded` text strictly (Go's `ParseForm`): a bad
/// percent escape is an error.
pub(super) fn parse_form(raw: &str) -> Result<Vec<(String, String)>, ()> {
    let mut pairs = Vec::new();
    for part in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        pairs.push((unescape(key)?, unescape(value)?));
    }
    Ok(pairs)
}

fn unescape(text: &str) -> Result<String, ()> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(())?;
                let hex = std::str::from_utf8(hex).map_err(|_| ())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| ())?);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ())
}

/// The first value of `key` in decoded pairs, or `""` (Go's `FormValue`/`Query`).
pub(super) fn first<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// Whether the request's content type is `application/x-www-form-urlencoded`.
pub(super) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// The value of cookie `name`, if sent.
pub(super) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The request's `User-Agent` (the session's "device").
pub(super) fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_strictly() {
        let pairs = parse_form("a=1&b=x+y%21&c").unwrap();
        assert_eq!(first(&pairs, "b"), "x y!");
        assert_eq!(first(&pairs, "c"), "");
        assert_eq!(first(&pairs, "zz"), "");
        assert!(parse_form("a=%zz").is_err());
        assert!(parse_form("a=%2").is_err());
    }
}
