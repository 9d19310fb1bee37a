//! The hub's answers → [`omniauth_types::Error`]: completion and close errors, a refused
//! upgrade, a dropped connection. The one place hub failures get a kind.
//!
//! | answer | kind |
//! |---|---|
//! | upgrade refused with 401 or 403 | `Unauthorized` (token missing, expired or revoked) |
//! | upgrade refused otherwise | as [`map_error`](crate::error::map_error) maps an authenticated call |
//! | completion or close `error` saying "unauthorized" | `Unauthorized` |
//! | completion `error` "Unknown hub method '…'" | `Unsupported` |
//! | any other completion, close or handshake `error` | `Api` with status 0 (no HTTP status) and the text |
//! | socket closed, reset, silent past the timeout | `Transport` |

use omniauth_types::transport::Response;
use omniauth_types::{Error, ErrorKind};

use crate::SERVICE;
use crate::error::{CallKind, map_error};

/// The most of a server text an error keeps.
const MESSAGE_LIMIT: usize = 512;

/// Maps an `error` text of the hub (completion, close, handshake) to an error.
pub fn map_hub_error(text: &str) -> Error {
    let text = truncate(text.trim());
    let lower = text.to_ascii_lowercase();
    let kind = if lower.contains("unauthorized") || lower.contains("unauthenticated") {
        ErrorKind::Unauthorized
    } else if lower.starts_with("unknown hub method") {
        ErrorKind::Unsupported
    } else {
        ErrorKind::Api {
            status: 0,
            message: text.to_owned(),
        }
    };
    Error::new(kind).with_service(SERVICE).with_message(text)
}

/// Maps an HTTP answer that refused the WebSocket upgrade.
pub(crate) fn map_upgrade_refusal(response: &Response) -> Error {
    map_error(response, CallKind::Authenticated).unwrap_or_else(|| {
        Error::api(response.status(), "the hub did not switch protocols").with_service(SERVICE)
    })
}

/// A transport failure of the hub connection, with what happened.
pub(crate) fn transport(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Transport)
        .with_service(SERVICE)
        .with_message(message)
}

/// A copy of an error for a second receiver (errors are not `Clone`; the source is left
/// out).
pub(crate) fn duplicate(error: &Error) -> Error {
    let mut copy = Error::new(error.kind().clone()).with_service(SERVICE);
    if let Some(status) = error.status() {
        copy = copy.with_status(status);
    }
    match error.message() {
        Some(message) => copy.with_message(message),
        None => copy,
    }
}

fn truncate(text: &str) -> &str {
    if text.len() <= MESSAGE_LIMIT {
        return text;
    }
    let mut end = MESSAGE_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, StatusCode};

    use super::*;

    #[test]
    fn hub_texts_get_kinds() {
        assert_eq!(
            map_hub_error("Failed to invoke 'SendMessage' because user is unauthorized").kind(),
            &ErrorKind::Unauthorized
        );
        assert_eq!(
            map_hub_error("Unknown hub method 'Nope'").kind(),
            &ErrorKind::Unsupported
        );
        let other = map_hub_error("Failed to invoke 'X' due to an error on the server.");
        assert_eq!(
            other.kind(),
            &ErrorKind::Api {
                status: 0,
                message: "Failed to invoke 'X' due to an error on the server.".into()
            }
        );
        let long = "é".repeat(600);
        assert!(map_hub_error(&long).message().unwrap().len() <= MESSAGE_LIMIT);
        assert_eq!(transport("gone").kind(), &ErrorKind::Transport);
    }

    #[test]
    fn refused_upgrades() {
        let answer = |status: u16| {
            Response::new(StatusCode::from_u16(status).unwrap(), HeaderMap::new(), "")
        };
        assert_eq!(
            map_upgrade_refusal(&answer(403)).kind(),
            &ErrorKind::Unauthorized
        );
        assert_eq!(
            map_upgrade_refusal(&answer(401)).kind(),
            &ErrorKind::Unauthorized
        );
        assert_eq!(
            map_upgrade_refusal(&answer(404)).kind(),
            &ErrorKind::NotFound
        );
        assert!(matches!(
            map_upgrade_refusal(&answer(200)).kind(),
            ErrorKind::Api { status: 200, .. }
        ));
    }
}
