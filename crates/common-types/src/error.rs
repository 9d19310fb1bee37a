//! The one error type of every omniauth crate.
//!
//! Callers match on [`Error::kind`], which means the same thing for every service: a
//! `RateLimited` from Resonite and one from GoScrobble are handled by the same arm. Each
//! service crate maps its server's answers onto these kinds in one function.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::text::sanitize;

/// How many bytes of an undecodable body (or of a server's message) an error keeps.
pub const SNIPPET_LIMIT: usize = 512;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in words every service shares.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The username, email or password was not accepted.
    InvalidCredentials,
    /// The account has a second factor; log in again with a TOTP or recovery code.
    SecondFactorRequired,
    /// An account with that name or email already exists.
    AccountExists,
    /// The token is missing, expired or revoked: refresh, or log in again.
    Unauthorized,
    /// The token is valid but does not allow this call.
    Forbidden,
    /// The user, session or object does not exist.
    NotFound,
    /// The server (or the client-side limiter) asked to slow down.
    RateLimited {
        /// How long the server asked to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// A login is waiting for the user (for example to follow an email link).
    Pending,
    /// A login, code or token ran out of time.
    Expired,
    /// The request was rejected before anything was sent.
    InvalidInput,
    /// The service cannot do this operation at all (for example refresh without a refresh
    /// endpoint).
    Unsupported,
    /// Any other answer of the server.
    Api {
        /// The HTTP status.
        status: u16,
        /// The server's own message, at most [`SNIPPET_LIMIT`] bytes.
        message: String,
    },
    /// The server's answer could not be decoded (wrong shape, not JSON, too large, cut short).
    Decode {
        /// The HTTP status of the answer, when there was one.
        status: Option<u16>,
        /// The first [`SNIPPET_LIMIT`] bytes of the body (lossy UTF-8), or a note that the
        /// body was withheld because it may hold secrets.
        snippet: String,
    },
    /// Connecting, TLS, a timeout, or the connection dropped.
    Transport,
    /// The token store could not be read or written.
    Store,
}

impl ErrorKind {
    fn describe(&self) -> &'static str {
        match self {
            Self::InvalidCredentials => "invalid credentials",
            Self::SecondFactorRequired => "second factor required",
            Self::AccountExists => "account already exists",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not found",
            Self::RateLimited { .. } => "rate limited",
            Self::Pending => "login pending",
            Self::Expired => "expired",
            Self::InvalidInput => "invalid input",
            Self::Unsupported => "not supported by this service",
            Self::Api { .. } => "api error",
            Self::Decode { .. } => "undecodable response",
            Self::Transport => "transport error",
            Self::Store => "token store error",
        }
    }
}

/// The error of every omniauth crate.
///
/// Its `Display` is one lowercase line that never holds a secret or a URL query: the kind,
/// the service, the status and the server's message, the latter passed through
/// [`text::sanitize`](crate::text::sanitize) so that no control character reaches a terminal.
///
/// ```
/// use omniauth_types::{Error, ErrorKind};
///
/// let err = Error::new(ErrorKind::NotFound)
///     .with_service("goscrobble")
///     .with_status(404)
///     .with_message("user not found");
/// assert_eq!(err.kind(), &ErrorKind::NotFound);
/// assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
/// assert_eq!(err.to_string(), "goscrobble: not found (status 404): user not found");
/// ```
pub struct Error {
    kind: ErrorKind,
    service: Option<&'static str>,
    status: Option<StatusCode>,
    message: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// An error of this kind, with nothing else attached.
    pub fn new(kind: ErrorKind) -> Self {
        let status = match &kind {
            ErrorKind::Api { status, .. }
            | ErrorKind::Decode {
                status: Some(status),
                ..
            } => StatusCode::from_u16(*status).ok(),
            _ => None,
        };
        Self {
            kind,
            service: None,
            status,
            message: None,
            source: None,
        }
    }

    /// [`ErrorKind::InvalidInput`] with a message saying what is wrong.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput).with_message(message)
    }

    /// [`ErrorKind::Unsupported`] naming the operation the service cannot do.
    pub fn unsupported(service: &'static str, operation: &str) -> Self {
        Self::new(ErrorKind::Unsupported)
            .with_service(service)
            .with_message(format!("{service} has no {operation}"))
    }

    /// [`ErrorKind::Api`] with the server's status and message (truncated).
    pub fn api(status: StatusCode, message: impl AsRef<str>) -> Self {
        Self::new(ErrorKind::Api {
            status: status.as_u16(),
            message: truncate(message.as_ref()).to_owned(),
        })
    }

    /// [`ErrorKind::Decode`] keeping the first [`SNIPPET_LIMIT`] bytes of the body.
    pub fn decode(status: Option<StatusCode>, body: &[u8]) -> Self {
        Self::new(ErrorKind::Decode {
            status: status.map(|s| s.as_u16()),
            snippet: snippet(body),
        })
    }

    /// [`ErrorKind::Decode`] for a body that may hold secrets: the snippet is withheld.
    pub fn decode_withheld(status: Option<StatusCode>, body_len: usize) -> Self {
        Self::new(ErrorKind::Decode {
            status: status.map(|s| s.as_u16()),
            snippet: format!("[{body_len} bytes withheld: the answer may hold secrets]"),
        })
    }

    /// [`ErrorKind::Transport`] caused by `source`.
    pub fn transport(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(ErrorKind::Transport).with_source(source)
    }

    /// [`ErrorKind::Store`] with a message and a cause.
    pub fn store(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::new(ErrorKind::Store)
            .with_message(message)
            .with_source(source)
    }

    /// Names the service the error came from.
    #[must_use]
    pub fn with_service(mut self, service: &'static str) -> Self {
        self.service = Some(service);
        self
    }

    /// Records the HTTP status of the answer. An invalid status code is ignored.
    #[must_use]
    pub fn with_status(mut self, status: impl TryInto<StatusCode>) -> Self {
        if let Ok(status) = status.try_into() {
            self.status = Some(status);
        }
        self
    }

    /// Adds a human-readable message (the server's own words, or what the client checked).
    /// Truncated to [`SNIPPET_LIMIT`] bytes. Never put a secret in it.
    #[must_use]
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        let message = message.into();
        self.message = Some(truncate(&message).to_owned());
        self
    }

    /// Attaches the underlying cause.
    #[must_use]
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The error with `redactor`'s secrets taken out of the message and the snippet.
    pub(crate) fn redacted_by(mut self, redactor: &crate::transport::Redactor) -> Self {
        if redactor.is_empty() {
            return self;
        }
        let scrub = |text: &mut String| {
            if let std::borrow::Cow::Owned(clean) = redactor.redact(text) {
                *text = clean;
            }
        };
        if let Some(message) = &mut self.message {
            scrub(message);
        }
        match &mut self.kind {
            ErrorKind::Api { message, .. } => scrub(message),
            ErrorKind::Decode { snippet, .. } => scrub(snippet),
            _ => {}
        }
        self
    }

    /// What went wrong; match on this.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The service the error came from, when known.
    pub fn service(&self) -> Option<&'static str> {
        self.service
    }

    /// The HTTP status of the server's answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The server's message (or the client's explanation), when there is one.
    pub fn message(&self) -> Option<&str> {
        match (&self.message, &self.kind) {
            (Some(message), _) | (None, ErrorKind::Api { message, .. }) => Some(message),
            _ => None,
        }
    }

    /// How long to wait before trying again, when the server said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.kind {
            ErrorKind::RateLimited { retry_after } => retry_after,
            _ => None,
        }
    }

    /// Whether the same request may succeed if sent again later: rate limits, transport
    /// failures, and the answers 502, 503 and 504, exactly what the transport itself retries
    /// ([`retryable_status`](crate::transport::retryable_status)). A 500 is not: it is
    /// usually the server failing on this very request.
    pub fn is_retryable(&self) -> bool {
        match &self.kind {
            ErrorKind::RateLimited { .. } | ErrorKind::Transport => true,
            ErrorKind::Api { status, .. } => {
                StatusCode::from_u16(*status).is_ok_and(crate::transport::retryable_status)
            }
            _ => false,
        }
    }

    /// Whether the error is a timeout (connecting, or waiting for the answer).
    pub fn is_timeout(&self) -> bool {
        let mut source = self
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static));
        while let Some(err) = source {
            if err
                .downcast_ref::<reqwest::Error>()
                .is_some_and(reqwest::Error::is_timeout)
            {
                return true;
            }
            if err.downcast_ref::<tokio::time::error::Elapsed>().is_some() {
                return true;
            }
            source = err.source();
        }
        false
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(service) = self.service {
            write!(f, "{service}: ")?;
        }
        f.write_str(self.kind.describe())?;
        if let ErrorKind::RateLimited {
            retry_after: Some(wait),
        } = self.kind
        {
            // A server may ask for centuries (or overflow a u64): say so, not a 20-digit number.
            if wait >= Duration::from_secs(365 * 24 * 3600) {
                f.write_str(" (retry after more than a year)")?;
            } else {
                write!(f, " (retry after {}s)", wait.as_secs_f32())?;
            }
        }
        if let Some(status) = self.status {
            write!(f, " (status {})", status.as_u16())?;
        }
        // Messages, snippets and causes may be the server's words: never raw on a terminal.
        if let Some(message) = self.message() {
            write!(f, ": {}", sanitize(message))?;
        }
        if let ErrorKind::Decode { snippet, .. } = &self.kind {
            write!(f, ": body starts \"{}\"", sanitize(snippet))?;
        }
        if let (None, Some(source)) = (&self.message, &self.source) {
            let source: &(dyn std::error::Error + 'static) = source.as_ref();
            write!(f, ": {}", sanitize(&crate::transport::cause_chain(source)))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("service", &self.service)
            .field("status", &self.status)
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}

/// A duration for people: `30 s`, `1.5 s`, `250 ms`.
pub(crate) fn seconds(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{} ms", duration.as_millis())
    } else if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

/// Cuts `text` to at most [`SNIPPET_LIMIT`] bytes on a character boundary.
pub(crate) fn truncate(text: &str) -> &str {
    if text.len() <= SNIPPET_LIMIT {
        return text;
    }
    let mut end = SNIPPET_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The first [`SNIPPET_LIMIT`] bytes of a body, as lossy UTF-8.
pub(crate) fn snippet(body: &[u8]) -> String {
    let cut = &body[..body.len().min(SNIPPET_LIMIT)];
    String::from_utf8_lossy(cut).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_lowercase_line() {
        let err = Error::api(StatusCode::BAD_GATEWAY, "upstream down").with_service("resonite");
        assert_eq!(
            err.to_string(),
            "resonite: api error (status 502): upstream down"
        );
        assert!(err.is_retryable());
        assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
    }

    #[test]
    fn decode_keeps_a_bounded_snippet() {
        let body = vec![b'x'; 4096];
        let err = Error::decode(Some(StatusCode::OK), &body);
        match err.kind() {
            ErrorKind::Decode { status, snippet } => {
                assert_eq!(*status, Some(200));
                assert_eq!(snippet.len(), SNIPPET_LIMIT);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(!err.is_retryable());
    }

    #[test]
    fn withheld_decode_shows_no_body() {
        let err = Error::decode_withheld(Some(StatusCode::OK), 20);
        assert!(err.to_string().contains("20 bytes withheld"));
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let text = "é".repeat(600);
        let cut = truncate(&text);
        assert!(cut.len() <= SNIPPET_LIMIT);
        assert!(cut.chars().all(|c| c == 'é'));
        assert_eq!(snippet(&[0xff, 0xfe]), "\u{fffd}\u{fffd}");
    }

    #[test]
    fn rate_limited_reports_its_wait() {
        let err = Error::new(ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
        });
        assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
        assert!(err.is_retryable());
        assert_eq!(err.to_string(), "rate limited (retry after 3s)");
        let forever = Error::new(ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(u64::MAX)),
        });
        assert_eq!(
            forever.to_string(),
            "rate limited (retry after more than a year)"
        );
    }

    #[test]
    fn unsupported_names_the_operation() {
        let err = Error::unsupported("maillink", "token refresh");
        assert_eq!(err.kind(), &ErrorKind::Unsupported);
        assert_eq!(
            err.to_string(),
            "maillink: not supported by this service: maillink has no token refresh"
        );
    }

    #[test]
    fn display_escapes_server_text_and_stays_one_line() {
        let hostile = "\x1b[31mred\x1b]0;title\x07\x1b[2J\r\nforged: line\0";
        let shown = [
            Error::api(StatusCode::BAD_REQUEST, hostile).to_string(),
            Error::new(ErrorKind::NotFound)
                .with_message(hostile)
                .to_string(),
            Error::decode(Some(StatusCode::OK), hostile.as_bytes()).to_string(),
            Error::transport(std::io::Error::other(hostile)).to_string(),
        ];
        for text in shown {
            assert!(!text.chars().any(char::is_control), "{text:?}");
            assert!(text.contains(r"\u{1b}[31mred"), "{text}");
            assert!(text.contains(r"\u{d}\u{a}forged"), "{text}");
        }
    }

    #[test]
    fn display_names_the_whole_cause_chain() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("error sending request")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let err = Error::transport(Outer(std::io::Error::other("connection refused")));
        assert_eq!(
            err.to_string(),
            "transport error: error sending request: connection refused"
        );
    }

    #[test]
    fn is_retryable_agrees_with_the_transport() {
        for code in 100..=599 {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(
                Error::api(status, "").is_retryable(),
                crate::transport::retryable_status(status),
                "status {code}"
            );
        }
        assert!(!Error::api(StatusCode::INTERNAL_SERVER_ERROR, "").is_retryable());
    }

    #[test]
    fn errors_are_send_sync_and_static() {
        fn assert_traits<T: Send + Sync + 'static + std::error::Error>() {}
        assert_traits::<Error>();
    }
}
