//! `{"session_token": "…"}`: the answer of a registration and of a confirmed poll.

use omniauth_types::transport::Response;
use omniauth_types::{AccessToken, Error};

use super::{json_object, withheld};

/// The session token of a 2xx answer.
///
/// # Errors
/// `Transport` for a body cut short, `Decode` (body withheld) for anything but an object
/// with a non-empty `session_token` string.
pub(crate) fn decode_session_token(response: &Response) -> Result<AccessToken, Error> {
    let map = json_object(response)?;
    match map.get("session_token") {
        Some(serde_json::Value::String(token)) if !token.is_empty() => {
            Ok(AccessToken::new(token.as_str()))
        }
        Some(_) => Err(withheld(
            response,
            "session_token is not a non-empty string",
        )),
        None => Err(withheld(response, "the answer has no session_token")),
    }
}
