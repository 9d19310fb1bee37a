//! A server's answer, read whole (up to the size cap), and how to decode it.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::redact::Redactor;
use crate::error::{Error, ErrorKind, SNIPPET_LIMIT};

/// An answer of the server: status, headers and the whole body.
pub struct Response {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) route: &'static str,
    pub(crate) sensitive: bool,
    pub(crate) redactor: Arc<Redactor>,
}

impl Response {
    /// Builds a response by hand: for error decoders' tests and emulated answers.
    pub fn new(status: StatusCode, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers,
            body: body.into(),
            route: "",
            sensitive: false,
            redactor: Arc::default(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The route template the request was sent to (`/users/{id}`): safe to log.
    pub fn route(&self) -> &'static str {
        self.route
    }

    /// Whether the body may hold secrets (a login's answer): decode errors then keep no
    /// snippet of it.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// `text` with every secret the request carried replaced by
    /// [`REDACTED`](super::REDACTED): for a decoder that builds a message from the body itself
    /// ([`server_message`](Self::server_message) and [`decode_error`](Self::decode_error)
    /// already redact).
    ///
    /// ```
    /// use omniauth_types::transport::Response;
    ///
    /// // A response built by hand carried no request, so nothing is redacted.
    /// let answer = Response::new(http::StatusCode::OK, Default::default(), "");
    /// assert_eq!(answer.redact("plain"), "plain");
    /// ```
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.redactor.redact(text)
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn text_lossy(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `Content-Type` header, when present and readable.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(http::header::CONTENT_TYPE)?.to_str().ok()
    }

    /// The server's clock, from the `Date` header.
    pub fn date(&self) -> Option<DateTime<Utc>> {
        let value = self.headers.get(http::header::DATE)?.to_str().ok()?;
        httpdate::parse_http_date(value)
            .ok()
            .map(DateTime::<Utc>::from)
    }

    /// The server's `Retry-After`, in either form (delta-seconds or HTTP-date), as a wait
    /// from now. A date in the past is a wait of zero.
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
        super::retry::parse_retry_after(value, std::time::SystemTime::now())
    }

    /// Decodes the body as JSON into `T`. The `Content-Type` is not checked: servers mislabel
    /// JSON (GoScrobble sends `text/plain`, Burgerauth sends `text/html`).
    ///
    /// # Errors
    /// [`ErrorKind::Decode`] with the status and a snippet of the body (withheld when the
    /// answer [is sensitive](Self::is_sensitive)).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|err| self.decode_error().with_source(err))
    }

    /// The [`ErrorKind::Decode`] error for this body: use it when the body has the wrong
    /// shape for reasons JSON decoding cannot see.
    pub fn decode_error(&self) -> Error {
        if self.sensitive {
            Error::decode_withheld(Some(self.status), self.body.len())
        } else if self.redactor.is_empty() {
            Error::decode(Some(self.status), &self.body)
        } else {
            let start = self.redactor.redact_start(&self.body, SNIPPET_LIMIT);
            Error::decode(Some(self.status), &start)
        }
    }

    /// The server's own message: the `error`, `message`, `title` or `detail` string of a JSON
    /// object body, else the body text when it is short UTF-8 without markup, else `None`.
    /// Every secret the request carried is [redacted](Self::redact) from it.
    pub fn server_message(&self) -> Option<String> {
        self.raw_server_message()
            .map(|text| self.redact(&text).into_owned())
    }

    fn raw_server_message(&self) -> Option<String> {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&self.body) {
            return ["error", "message", "title", "detail", "error_description"]
                .iter()
                .find_map(|key| map.get(*key)?.as_str().map(str::to_owned));
        }
        if let Ok(serde_json::Value::String(text)) = serde_json::from_slice(&self.body) {
            return Some(text);
        }
        let text = std::str::from_utf8(&self.body).ok()?.trim();
        let looks_like_markup = text.starts_with('<');
        (!text.is_empty() && !looks_like_markup && text.len() <= crate::error::SNIPPET_LIMIT)
            .then(|| text.to_owned())
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("route", &self.route)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// Maps a failed answer onto the shared error kinds, for services with no conventions of their
/// own (and as the fallback of those with some): `None` for a 2xx.
///
/// | status | kind |
/// |---|---|
/// | 401 | `Unauthorized` |
/// | 403 | `Forbidden` |
/// | 404 | `NotFound` |
/// | 429 | `RateLimited` with the `Retry-After` |
/// | other | `Api` with the server's message (or the status text) |
pub fn default_error(response: &Response) -> Option<Error> {
    let status = response.status();
    if status.is_success() {
        return None;
    }
    let message = response.server_message();
    let kind = match status {
        StatusCode::UNAUTHORIZED => ErrorKind::Unauthorized,
        StatusCode::FORBIDDEN => ErrorKind::Forbidden,
        StatusCode::NOT_FOUND => ErrorKind::NotFound,
        StatusCode::TOO_MANY_REQUESTS => ErrorKind::RateLimited {
            retry_after: response.retry_after(),
        },
        _ => {
            let text =
                message.unwrap_or_else(|| status.canonical_reason().unwrap_or("").to_owned());
            return Some(Error::api(status, text));
        }
    };
    let error = Error::new(kind).with_status(status);
    Some(match message {
        Some(message) => error.with_message(message),
        None => error,
    })
}

/// Turns a server's answer into an error when it is one. Each service crate plugs in its
/// own, which usually handles its server's quirks and falls back to [`default_error`].
///
/// It sees every answer, 2xx included, because some servers report failures with a 200
/// (GoScrobble's `{"error": "..."}`). Any `Fn(&Response) -> Option<Error>` is a decoder.
pub trait ErrorDecoder: Send + Sync + 'static {
    /// `Some(error)` when the answer is a failure.
    fn decode(&self, response: &Response) -> Option<Error>;
}

impl<F> ErrorDecoder for F
where
    F: Fn(&Response) -> Option<Error> + Send + Sync + 'static,
{
    fn decode(&self, response: &Response) -> Option<Error> {
        self(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response {
        Response::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            body.to_owned(),
        )
    }

    #[test]
    fn default_error_maps_statuses() {
        assert!(default_error(&response(200, "{}")).is_none());
        assert_eq!(
            default_error(&response(401, "")).unwrap().kind(),
            &ErrorKind::Unauthorized
        );
        assert_eq!(
            default_error(&response(403, "")).unwrap().kind(),
            &ErrorKind::Forbidden
        );
        assert_eq!(
            default_error(&response(404, "")).unwrap().kind(),
            &ErrorKind::NotFound
        );
        let err = default_error(&response(500, r#"{"error":"db down"}"#)).unwrap();
        assert_eq!(
            err.kind(),
            &ErrorKind::Api {
                status: 500,
                message: "db down".into()
            }
        );
        let err = default_error(&response(502, "<html>bad gateway</html>")).unwrap();
        assert_eq!(
            err.kind(),
            &ErrorKind::Api {
                status: 502,
                message: "Bad Gateway".into()
            }
        );
    }

    #[test]
    fn rate_limits_carry_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::RETRY_AFTER, "7".parse().unwrap());
        let err =
            default_error(&Response::new(StatusCode::TOO_MANY_REQUESTS, headers, "")).unwrap();
        assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    }

    #[test]
    fn server_messages_come_from_json_or_short_text() {
        assert_eq!(
            response(400, r#"{"message":"slow"}"#)
                .server_message()
                .unwrap(),
            "slow"
        );
        assert_eq!(
            response(400, "\"quoted\"").server_message().unwrap(),
            "quoted"
        );
        assert_eq!(response(400, "TOTP\n").server_message().unwrap(), "TOTP");
        assert!(response(400, "<html/>").server_message().is_none());
        assert!(response(400, "").server_message().is_none());
    }

    #[test]
    fn sensitive_bodies_are_withheld_from_decode_errors() {
        let mut answer = response(200, r#"{"token":"secret-jwt""#);
        answer.sensitive = true;
        let err = answer.json::<serde_json::Value>().unwrap_err();
        assert!(!err.to_string().contains("secret-jwt"), "{err}");
        answer.sensitive = false;
        let err = answer.json::<serde_json::Value>().unwrap_err();
        assert!(err.to_string().contains("secret-jwt"));
    }
}
