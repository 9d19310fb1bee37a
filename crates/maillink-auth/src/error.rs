//! The server's answers, mapped onto the shared [`ErrorKind`]s: the one place that decides
//! what a status means.
//!
//! | call | answer | kind |
//! |---|---|---|
//! | any | 2xx | not an error |
//! | poll | 400 (documented: "invalid, expired, or not yet authorized") | `Pending` (the deadline turns it into `Expired`) |
//! | poll | 410 | `Expired` |
//! | any | 409 | `AccountExists` (assumed: taken username) |
//! | any | 404 | `NotFound` (assumed: unknown user, or an email that does not match) |
//! | any | 401 / 403 | `Unauthorized` / `Forbidden` |
//! | any | 429 | `RateLimited` with the `Retry-After` (either form) |
//! | any | anything else | `Api` with the status and the server's `{"error"}` text (or the status text) |

use omniauth_types::http::StatusCode;
use omniauth_types::transport::Response;
use omniauth_types::{Error, ErrorKind};

use crate::SERVICE;

/// The call an answer belongs to: a 400 means "not yet" only to a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// `POST /auth/registration`.
    Register,
    /// `POST /auth/login`.
    Login,
    /// `GET /auth/session/{auth_id}`.
    Poll,
    /// Any other answer (the transport's decoder).
    Any,
}

/// Every error answer the client's error mapping knows, and the [`ErrorKind`] variant it maps
/// to: `(status, call, body, kind)`, where the call is `register`, `login`, `poll` or `any`.
/// The reference docs (`cargo xtask docs`) render this table, and a test checks that the
/// mapping agrees with every row.
pub const ERROR_ANSWERS: &[(u16, &str, &str, &str)] = &[
    (
        400,
        "poll",
        r#"{"error": "The auth id is invalid, expired, or not yet authorized"}"#,
        "Pending",
    ),
    (410, "poll", "", "Expired"),
    (
        409,
        "register",
        r#"{"error":"Username already taken"}"#,
        "AccountExists",
    ),
    (404, "login", r#"{"error":"User not found"}"#, "NotFound"),
    (401, "any", "", "Unauthorized"),
    (403, "any", "", "Forbidden"),
    (429, "any", "", "RateLimited"),
    (
        400,
        "register",
        r#"{"error":"Invalid request body"}"#,
        "Api",
    ),
    (400, "login", r#"{"error":"Invalid request body"}"#, "Api"),
    (410, "login", "", "Api"),
    (500, "any", "", "Api"),
];

/// The error an answer stands for, `None` for a success (any 2xx).
pub(crate) fn from_answer(call: Call, response: &Response) -> Option<Error> {
    let status = response.status();
    if status.is_success() {
        return None;
    }
    let message = response.server_message();
    let kind = match (call, status) {
        (Call::Poll, StatusCode::BAD_REQUEST) => ErrorKind::Pending,
        (Call::Poll, StatusCode::GONE) => ErrorKind::Expired,
        (_, StatusCode::CONFLICT) => ErrorKind::AccountExists,
        (_, StatusCode::NOT_FOUND) => ErrorKind::NotFound,
        (_, StatusCode::UNAUTHORIZED) => ErrorKind::Unauthorized,
        (_, StatusCode::FORBIDDEN) => ErrorKind::Forbidden,
        (_, StatusCode::TOO_MANY_REQUESTS) => ErrorKind::RateLimited {
            retry_after: response.retry_after(),
        },
        (Call::Register | Call::Login | Call::Poll | Call::Any, _) => {
            let text = message
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("no message").to_owned());
            return Some(Error::api(status, text).with_service(SERVICE));
        }
    };
    let error = Error::new(kind).with_service(SERVICE).with_status(status);
    Some(match message {
        Some(message) => error.with_message(message),
        None => error,
    })
}

/// [`from_answer`] for answers of no particular call: the transport's decoder.
pub(crate) fn decode_any(response: &Response) -> Option<Error> {
    from_answer(Call::Any, response)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use omniauth_types::http::{HeaderMap, HeaderValue, header};

    use super::*;

    const PENDING: &str = r#"{"error": "The auth id is invalid, expired, or not yet authorized"}"#;

    fn answer(status: u16, body: &str) -> Response {
        Response::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            body.to_owned(),
        )
    }

    fn kind(call: Call, status: u16, body: &str) -> ErrorKind {
        from_answer(call, &answer(status, body))
            .unwrap()
            .kind()
            .clone()
    }

    #[test]
    fn the_published_table_agrees_with_the_mapping() {
        for (status, call, body, expected) in ERROR_ANSWERS {
            let call = match *call {
                "register" => Call::Register,
                "login" => Call::Login,
                "poll" => Call::Poll,
                "any" => Call::Any,
                other => panic!("unknown call {other}"),
            };
            let kind = kind(call, *status, body);
            let name = format!("{kind:?}");
            let name = name.split([' ', '{']).next().unwrap_or_default();
            assert_eq!(name, *expected, "{status} {call:?} {body}");
        }
    }

    #[test]
    fn successes_are_not_errors() {
        for status in [200, 201, 204, 299] {
            for call in [Call::Register, Call::Login, Call::Poll, Call::Any] {
                assert!(from_answer(call, &answer(status, "")).is_none());
            }
        }
    }

    #[test]
    fn the_documented_400_is_pending_only_for_a_poll() {
        let err = from_answer(Call::Poll, &answer(400, PENDING)).unwrap();
        assert_eq!(err.kind(), &ErrorKind::Pending);
        assert_eq!(
            err.message(),
            Some("The auth id is invalid, expired, or not yet authorized")
        );
        assert_eq!(err.service(), Some("maillink"));
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
        // Whatever its body, a 400 to a poll is the documented answer.
        assert_eq!(kind(Call::Poll, 400, "<html>"), ErrorKind::Pending);
        assert_eq!(kind(Call::Poll, 400, ""), ErrorKind::Pending);
        for call in [Call::Register, Call::Login, Call::Any] {
            assert_eq!(
                kind(call, 400, r#"{"error":"Invalid request body"}"#),
                ErrorKind::Api {
                    status: 400,
                    message: "Invalid request body".into()
                }
            );
        }
    }

    #[test]
    fn assumed_statuses_map_to_their_kinds() {
        let taken = from_answer(
            Call::Register,
            &answer(409, r#"{"error":"Username already taken"}"#),
        )
        .unwrap();
        assert_eq!(taken.kind(), &ErrorKind::AccountExists);
        assert_eq!(
            taken.to_string(),
            "maillink: account already exists (status 409): Username already taken"
        );
        assert_eq!(
            kind(Call::Login, 404, r#"{"error":"User not found"}"#),
            ErrorKind::NotFound
        );
        assert_eq!(kind(Call::Any, 401, ""), ErrorKind::Unauthorized);
        assert_eq!(kind(Call::Any, 403, ""), ErrorKind::Forbidden);
        assert_eq!(kind(Call::Poll, 410, ""), ErrorKind::Expired);
        assert_eq!(
            kind(Call::Login, 410, ""),
            ErrorKind::Api {
                status: 410,
                message: "Gone".into()
            }
        );
    }

    #[test]
    fn rate_limits_keep_retry_after_in_both_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        let err = from_answer(
            Call::Poll,
            &Response::new(StatusCode::TOO_MANY_REQUESTS, headers, ""),
        )
        .unwrap();
        assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
        let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(60));
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_str(&date).unwrap());
        let err = from_answer(
            Call::Login,
            &Response::new(StatusCode::TOO_MANY_REQUESTS, headers, ""),
        )
        .unwrap();
        let wait = err.retry_after().unwrap();
        assert!(
            wait <= Duration::from_secs(60) && wait >= Duration::from_secs(58),
            "{wait:?}"
        );
        assert_eq!(
            kind(Call::Poll, 429, ""),
            ErrorKind::RateLimited { retry_after: None }
        );
    }

    #[test]
    fn other_answers_keep_the_status_and_the_servers_words() {
        assert_eq!(
            kind(Call::Poll, 500, r#"{"error":"database is locked"}"#),
            ErrorKind::Api {
                status: 500,
                message: "database is locked".into()
            }
        );
        assert_eq!(
            kind(Call::Poll, 502, "<html><body>Bad gateway</body></html>"),
            ErrorKind::Api {
                status: 502,
                message: "Bad Gateway".into()
            }
        );
        assert_eq!(
            kind(Call::Any, 418, "short and stout"),
            ErrorKind::Api {
                status: 418,
                message: "short and stout".into()
            }
        );
        let err = decode_any(&answer(503, "")).unwrap();
        assert!(err.is_retryable());
        assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        let long = "x".repeat(5000);
        let err = decode_any(&answer(500, &format!(r#"{{"error":"{long}"}}"#))).unwrap();
        assert!(err.to_string().len() < 700);
    }
}
