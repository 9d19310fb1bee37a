//! The server's answers → [`omniauth_types::Error`]. The one place statuses get a meaning.
//!
//! Resonite answers errors with short plain-text bodies (or none), never a JSON envelope
//! (spec §1.9). Its odd corners:
//!
//! | answer | where | kind |
//! |---|---|---|
//! | 2xx | anywhere | not an error |
//! | 403, body `TOTP` | login (any call) | `SecondFactorRequired` (code missing or wrong) |
//! | 400 | login | `InvalidCredentials` |
//! | 403, other body | login | `Forbidden` |
//! | 401 | anywhere | `Unauthorized` |
//! | 403 | authenticated call | `Unauthorized` (missing, expired or revoked token) |
//! | 403 | public call | `Forbidden` |
//! | 404 | anywhere | `NotFound` |
//! | 429 | anywhere | `RateLimited` with `Retry-After` when sent |
//! | other | anywhere | `Api` with the body text (or the status reason) |

use http::StatusCode;
use omniauth_types::transport::Response;
use omniauth_types::{Error, ErrorKind};

use crate::SERVICE;

/// What kind of call an answer belongs to: the same status means different things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `POST /userSessions`.
    Login,
    /// A call sent with `Authorization: res …`.
    Authenticated,
    /// A call anyone may make.
    Public,
}

/// The body text a 403 carries when a second-factor code is needed or was wrong.
pub const TOTP_BODY: &str = "TOTP";

/// Every error answer [`map_error`] knows, and the [`ErrorKind`] variant it maps to:
/// `(status, call, body, kind)`, where the call is `login`, `authenticated` or `public`
/// ([`CallKind`]). The reference docs (`cargo xtask docs`) render this table, and a test checks
/// that [`map_error`] agrees with every row.
pub const ERROR_ANSWERS: &[(u16, &str, &str, &str)] = &[
    (403, "login", "TOTP", "SecondFactorRequired"),
    (403, "authenticated", "TOTP", "SecondFactorRequired"),
    (400, "login", "Invalid credentials", "InvalidCredentials"),
    (403, "login", "", "Forbidden"),
    (401, "authenticated", "", "Unauthorized"),
    (401, "public", "", "Unauthorized"),
    (403, "authenticated", "", "Unauthorized"),
    (403, "public", "", "Forbidden"),
    (404, "authenticated", "", "NotFound"),
    (404, "public", "", "NotFound"),
    (429, "login", "", "RateLimited"),
    (429, "public", "", "RateLimited"),
    (400, "authenticated", "Bad request", "Api"),
    (500, "public", "", "Api"),
];

/// Maps one answer of the server to an error; `None` for a success (2xx).
///
/// ```
/// use omniauth_types::{ErrorKind, transport::Response};
/// use resonite_api::error::{map_error, CallKind};
///
/// let answer = Response::new(http::StatusCode::FORBIDDEN, Default::default(), "TOTP");
/// let err = map_error(&answer, CallKind::Login).unwrap();
/// assert_eq!(err.kind(), &ErrorKind::SecondFactorRequired);
/// ```
pub fn map_error(response: &Response, call: CallKind) -> Option<Error> {
    let status = response.status();
    if status.is_success() {
        return None;
    }
    let message = response.server_message();
    let is_totp = message
        .as_deref()
        .is_some_and(|text| text.trim().eq_ignore_ascii_case(TOTP_BODY));
    let kind = match (status, call) {
        (StatusCode::FORBIDDEN, _) if is_totp => ErrorKind::SecondFactorRequired,
        (StatusCode::BAD_REQUEST, CallKind::Login) => ErrorKind::InvalidCredentials,
        (StatusCode::UNAUTHORIZED, _) | (StatusCode::FORBIDDEN, CallKind::Authenticated) => {
            ErrorKind::Unauthorized
        }
        (StatusCode::FORBIDDEN, _) => ErrorKind::Forbidden,
        (StatusCode::NOT_FOUND, _) => ErrorKind::NotFound,
        (StatusCode::TOO_MANY_REQUESTS, _) => ErrorKind::RateLimited {
            retry_after: response.retry_after(),
        },
        _ => {
            let text = message.unwrap_or_else(|| {
                status
                    .canonical_reason()
                    .unwrap_or("unknown status")
                    .to_owned()
            });
            return Some(Error::api(status, text).with_service(SERVICE));
        }
    };
    let error = Error::new(kind).with_service(SERVICE).with_status(status);
    Some(match message {
        Some(text) if !is_totp => error.with_message(text),
        _ => error,
    })
}

/// The transport's decoder: every call not sent by hand is an authenticated one.
pub(crate) fn transport_decoder(response: &Response) -> Option<Error> {
    map_error(response, CallKind::Authenticated)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::HeaderMap;

    use super::*;

    fn answer(status: u16, body: &str) -> Response {
        Response::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            body.to_owned(),
        )
    }

    fn kind(status: u16, body: &str, call: CallKind) -> ErrorKind {
        map_error(&answer(status, body), call)
            .unwrap()
            .kind()
            .clone()
    }

    #[test]
    fn the_published_table_agrees_with_the_mapping() {
        for (status, call, body, expected) in ERROR_ANSWERS {
            let call = match *call {
                "login" => CallKind::Login,
                "authenticated" => CallKind::Authenticated,
                "public" => CallKind::Public,
                other => panic!("unknown call {other}"),
            };
            let kind = kind(*status, body, call);
            let name = format!("{kind:?}");
            let name = name.split([' ', '{']).next().unwrap_or_default();
            assert_eq!(name, *expected, "{status} {call:?} {body}");
        }
    }

    #[test]
    fn successes_are_not_errors() {
        for status in [200, 201, 204] {
            for call in [CallKind::Login, CallKind::Authenticated, CallKind::Public] {
                assert!(map_error(&answer(status, "TOTP"), call).is_none());
            }
        }
    }

    #[test]
    fn totp_body_means_second_factor_in_any_case_and_spacing() {
        for body in ["TOTP", "totp", " TOTP\n", "\"TOTP\""] {
            assert_eq!(
                kind(403, body, CallKind::Login),
                ErrorKind::SecondFactorRequired,
                "{body}"
            );
        }
        // A 400 with TOTP is still a credentials problem, and other 403s at login are not 2FA.
        assert_eq!(
            kind(400, "TOTP", CallKind::Login),
            ErrorKind::InvalidCredentials
        );
        assert_eq!(kind(403, "TOTPX", CallKind::Login), ErrorKind::Forbidden);
        assert_eq!(kind(403, "", CallKind::Login), ErrorKind::Forbidden);
    }

    #[test]
    fn login_400_is_invalid_credentials_with_the_server_text() {
        let err = map_error(&answer(400, "Invalid credentials"), CallKind::Login).unwrap();
        assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
        assert_eq!(err.message(), Some("Invalid credentials"));
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
        assert_eq!(err.service(), Some("resonite"));
    }

    #[test]
    fn forbidden_on_an_authenticated_call_is_unauthorized() {
        assert_eq!(
            kind(403, "", CallKind::Authenticated),
            ErrorKind::Unauthorized
        );
        assert_eq!(
            kind(401, "", CallKind::Authenticated),
            ErrorKind::Unauthorized
        );
        assert_eq!(kind(401, "", CallKind::Public), ErrorKind::Unauthorized);
        assert_eq!(kind(403, "nope", CallKind::Public), ErrorKind::Forbidden);
    }

    #[test]
    fn not_found_rate_limits_and_the_rest() {
        assert_eq!(kind(404, "", CallKind::Public), ErrorKind::NotFound);
        let mut headers = HeaderMap::new();
        headers.insert(http::header::RETRY_AFTER, "9".parse().unwrap());
        let limited = Response::new(StatusCode::TOO_MANY_REQUESTS, headers, "TooManyRequests");
        let err = map_error(&limited, CallKind::Public).unwrap();
        assert_eq!(err.retry_after(), Some(Duration::from_secs(9)));
        assert_eq!(
            kind(429, "", CallKind::Login),
            ErrorKind::RateLimited { retry_after: None }
        );
        assert_eq!(
            kind(500, "boom", CallKind::Public),
            ErrorKind::Api {
                status: 500,
                message: "boom".into()
            }
        );
        assert_eq!(
            kind(400, "", CallKind::Authenticated),
            ErrorKind::Api {
                status: 400,
                message: "Bad Request".into()
            }
        );
        assert_eq!(
            kind(502, "<html>proxy</html>", CallKind::Public),
            ErrorKind::Api {
                status: 502,
                message: "Bad Gateway".into()
            }
        );
        assert_eq!(
            kind(599, "", CallKind::Public),
            ErrorKind::Api {
                status: 599,
                message: "unknown status".into()
            }
        );
    }

    #[test]
    fn display_has_no_secret_and_is_one_line() {
        let err = map_error(&answer(403, "TOTP"), CallKind::Login).unwrap();
        assert_eq!(
            err.to_string(),
            "resonite: second factor required (status 403)"
        );
    }
}
