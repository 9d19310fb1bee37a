//! The one function that turns GoScrobble's answers into [`omniauth_types::Error`]s.
//!
//! The server's convention (spec §2.2): **most failures are HTTP 200** with an object holding
//! an `error` string; 401 and 400 come from Go's `http.Error` as JSON text with a trailing
//! newline and `text/plain`; 429 says `{"message":"Too many requests"}`; an unknown path is
//! a plain-text `404 page not found`. Success is a data object or `{"message": …}`.

use std::sync::LazyLock;

use omniauth_types::transport::{Response, default_error};
use omniauth_types::{Error, ErrorKind};

use crate::SERVICE;

/// Every error answer [`decode_error`] knows, and the [`ErrorKind`] variant it maps to:
/// `(status, where, body, kind)`; GoScrobble's answers mean the same on every route, so the
/// second column is always `any`. The reference docs (`cargo xtask docs`) render this table,
/// and a test checks that [`decode_error`] agrees with every row.
pub const ERROR_ANSWERS: &[(u16, &str, &str, &str)] = &[
    (
        200,
        "any",
        r#"{"error":"Invalid Username or Password"}"#,
        "InvalidCredentials",
    ),
    (
        200,
        "any",
        r#"{"error":"Username or email already exists"}"#,
        "AccountExists",
    ),
    (
        200,
        "any",
        r#"{"error":"Registration is currently disabled"}"#,
        "Unsupported",
    ),
    (
        200,
        "any",
        r#"{"error":"Invalid refresh token"}"#,
        "Unauthorized",
    ),
    (
        200,
        "any",
        r#"{"error":"Failed to refresh Token"}"#,
        "Unauthorized",
    ),
    (200, "any", r#"{"error":"Invalid Token"}"#, "Expired"),
    (200, "any", r#"{"error":"Invalid Email"}"#, "NotFound"),
    (200, "any", r#"{"error":"Invalid Username"}"#, "NotFound"),
    (200, "any", r#"{"error":"Invalid UUID"}"#, "NotFound"),
    (200, "any", r#"{"error":"Error logging in"}"#, "Api"),
    (200, "any", r#"{"error":"Error processing upload"}"#, "Api"),
    (
        400,
        "any",
        "{\"error\":\"Error processing upload\"}\n",
        "Api",
    ),
    (
        401,
        "any",
        "{\"error\":\"Invalid user UUID\"}\n",
        "Unauthorized",
    ),
    (
        401,
        "any",
        "{\"error\":\"User is not admin\"}\n",
        "Forbidden",
    ),
    (
        401,
        "any",
        "{\"error\":\"User is not moderator or administrator\"}\n",
        "Forbidden",
    ),
    (
        401,
        "any",
        "{\"error\":\"Invalid JWT Token\"}\n",
        "Unauthorized",
    ),
    (
        429,
        "any",
        r#"{"message":"Too many requests"}"#,
        "RateLimited",
    ),
    (404, "any", "404 page not found\n", "NotFound"),
    (400, "any", "{\"error\":\"Invalid request\"}\n", "Api"),
    (500, "any", "", "Api"),
];

/// Maps one answer of a GoScrobble server to an error, or `None` when it is a success.
///
/// | answer | kind |
/// |---|---|
/// | 200 `{"error":"Invalid Username or Password"}` | `InvalidCredentials` |
/// | 200 `{"error":"Username or email already exists"}` | `AccountExists` |
/// | 200 `{"error":"Registration is currently disabled"}` | `Unsupported` |
/// | 200 `{"error":"Invalid refresh token"}` / `"Failed to refresh Token"` | `Unauthorized` (log in again) |
/// | 200 `{"error":"Invalid Token"}` (password reset) | `Expired` |
/// | 200 `{"error":"Invalid Email"}`, `"Invalid Username"`, `"Invalid UUID"` | `NotFound` |
/// | 200 any other `{"error": …}` | `Api { status: 200, message }` |
/// | 401 `"User is not admin"`, `"User is not moderator or administrator"` | `Forbidden` |
/// | 401 any other (`Invalid JWT Token`, the ingress key errors, `Invalid user UUID`) | `Unauthorized` |
/// | 429 | `RateLimited` (the server sends no `Retry-After`) |
/// | 404 | `NotFound` |
/// | 400 and anything else | `Api` with the server's message |
///
/// Every error names the service, carries the status and the server's message (never a
/// secret: the server's messages hold none).
pub fn decode_error(response: &Response) -> Option<Error> {
    let status = response.status();
    if status.is_success() {
        // The field is read from the body here, not through `server_message`: redact it.
        let message = response.redact(&error_field(response.body())?).into_owned();
        let kind = match message.as_str() {
            "Invalid Username or Password" => ErrorKind::InvalidCredentials,
            "Username or email already exists" => ErrorKind::AccountExists,
            "Registration is currently disabled" => ErrorKind::Unsupported,
            "Invalid refresh token" | "Failed to refresh Token" => ErrorKind::Unauthorized,
            "Invalid Token" => ErrorKind::Expired,
            "Invalid Email" | "Invalid Username" | "Invalid UUID" => ErrorKind::NotFound,
            _ => {
                return Some(
                    Error::api(status, &message)
                        .with_service(SERVICE)
                        .with_status(status),
                );
            }
        };
        return Some(
            Error::new(kind)
                .with_service(SERVICE)
                .with_status(status)
                .with_message(message),
        );
    }
    let message = response.server_message();
    let kind = match status.as_u16() {
        401 => match message.as_deref() {
            Some("User is not admin" | "User is not moderator or administrator") => {
                ErrorKind::Forbidden
            }
            _ => ErrorKind::Unauthorized,
        },
        429 => ErrorKind::RateLimited {
            retry_after: response.retry_after(),
        },
        404 => ErrorKind::NotFound,
        _ => return default_error(response).map(|err| err.with_service(SERVICE)),
    };
    let err = Error::new(kind).with_service(SERVICE).with_status(status);
    Some(match message {
        Some(message) => err.with_message(message),
        None => err,
    })
}

/// The `error` member of a JSON object body: its text, or the JSON of a non-string value.
fn error_field(body: &[u8]) -> Option<String> {
    /// Only the member looked for: the rest of the body is skipped, not built into values.
    #[derive(serde::Deserialize)]
    struct ErrorMember {
        #[serde(default)]
        error: Option<serde_json::Value>,
    }
    // Every successful answer passes here, so an answer with no `error` key at all is told by a
    // byte search. Without a backslash in the body no key can be escaped (`"\u0065rror"`), so
    // the search cannot miss one; with a backslash, the parse decides. Both searches are
    // memchr's vectorized ones: a refresh answer is a 400-byte JWT that a byte-at-a-time loop
    // spent ~4,000 instructions on, a tenth of the whole client side of the call.
    static KEY: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"\"error\""));
    let may_hold_key = memchr::memchr(b'\\', body).is_some() || KEY.find(body).is_some();
    // serde would read a struct from an array too: only an object can carry `error`.
    if !may_hold_key || body.trim_ascii_start().first() != Some(&b'{') {
        return None;
    }
    match serde_json::from_slice::<ErrorMember>(body).ok()?.error? {
        serde_json::Value::String(text) => Some(text),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omniauth_types::http::{HeaderMap, StatusCode};

    fn answer(status: u16, body: &str) -> Response {
        Response::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            body.to_owned(),
        )
    }

    fn kind(status: u16, body: &str) -> Option<ErrorKind> {
        decode_error(&answer(status, body)).map(|err| err.kind().clone())
    }

    #[test]
    fn the_published_table_agrees_with_the_mapping() {
        for (status, _, body, expected) in ERROR_ANSWERS {
            let kind = kind(*status, body).expect("an error");
            let name = format!("{kind:?}");
            let name = name.split([' ', '{']).next().unwrap_or_default();
            assert_eq!(name, *expected, "{status} {body}");
        }
    }

    #[test]
    fn successes_are_not_errors() {
        assert_eq!(kind(200, r#"{"token":"x"}"#), None);
        assert_eq!(
            kind(200, r#"{"message":"User updated successfully"}"#),
            None
        );
        assert_eq!(kind(200, "{}"), None);
        assert_eq!(kind(200, r#"{"error":null}"#), None);
        assert_eq!(kind(200, "[1,2]"), None);
        assert_eq!(kind(200, "not json"), None);
        assert_eq!(kind(200, r#"[{"error":"x"}]"#), None);
        assert_eq!(kind(200, r#"{"message":"no \"error\" here"}"#), None);
        assert_eq!(kind(200, r#"{"nested":{"error":"x"}}"#), None);
    }

    #[test]
    fn an_escaped_error_key_is_still_read() {
        let err = decode_error(&answer(200, r#"{"\u0065rror":"Invalid Token"}"#)).unwrap();
        assert_eq!(err.kind(), &ErrorKind::Expired);
        let err = decode_error(&answer(
            200,
            "\n {\"token\":\"t\",\"error\":\"Invalid UUID\"}",
        ))
        .unwrap();
        assert_eq!(err.kind(), &ErrorKind::NotFound);
    }

    #[test]
    fn ok_errors_are_mapped_by_their_text() {
        let table: &[(&str, ErrorKind)] = &[
            (
                "Invalid Username or Password",
                ErrorKind::InvalidCredentials,
            ),
            ("Username or email already exists", ErrorKind::AccountExists),
            ("Registration is currently disabled", ErrorKind::Unsupported),
            ("Invalid refresh token", ErrorKind::Unauthorized),
            ("Failed to refresh Token", ErrorKind::Unauthorized),
            ("Invalid Token", ErrorKind::Expired),
            ("Invalid Email", ErrorKind::NotFound),
            ("Invalid Username", ErrorKind::NotFound),
            ("Invalid UUID", ErrorKind::NotFound),
        ];
        for (text, expected) in table {
            let err = decode_error(&answer(200, &format!(r#"{{"error":"{text}"}}"#))).unwrap();
            assert_eq!(err.kind(), expected, "{text}");
            assert_eq!(err.message(), Some(*text));
            assert_eq!(err.status(), Some(StatusCode::OK));
            assert_eq!(err.service(), Some("goscrobble"));
        }
        let err = decode_error(&answer(200, r#"{"error":"Error logging in"}"#)).unwrap();
        assert_eq!(
            err.kind(),
            &ErrorKind::Api {
                status: 200,
                message: "Error logging in".into()
            }
        );
        assert_eq!(
            kind(200, r#"{"error":{"odd":1}}"#),
            Some(ErrorKind::Api {
                status: 200,
                message: r#"{"odd":1}"#.into()
            })
        );
    }

    #[test]
    fn http_errors_follow_status_and_text() {
        assert_eq!(
            kind(401, "{\"error\":\"Invalid JWT Token\"}\n"),
            Some(ErrorKind::Unauthorized)
        );
        assert_eq!(
            kind(401, "{\"error\":\"User is not admin\"}\n"),
            Some(ErrorKind::Forbidden)
        );
        assert_eq!(
            kind(
                401,
                "{\"error\":\"User is not moderator or administrator\"}\n"
            ),
            Some(ErrorKind::Forbidden)
        );
        assert_eq!(
            kind(429, r#"{"message":"Too many requests"}"#),
            Some(ErrorKind::RateLimited { retry_after: None })
        );
        assert_eq!(kind(404, "404 page not found\n"), Some(ErrorKind::NotFound));
        assert_eq!(
            kind(400, "{\"error\":\"unexpected EOF\"}\n"),
            Some(ErrorKind::Api {
                status: 400,
                message: "unexpected EOF".into()
            })
        );
        assert_eq!(
            kind(502, "<html>bad gateway</html>"),
            Some(ErrorKind::Api {
                status: 502,
                message: "Bad Gateway".into()
            })
        );
        let err = decode_error(&answer(401, "{\"error\":\"Invalid Token\"}\n")).unwrap();
        assert_eq!(
            err.kind(),
            &ErrorKind::Unauthorized,
            "the ingress key, not a reset token"
        );
        assert_eq!(err.message(), Some("Invalid Token"));
    }
}
