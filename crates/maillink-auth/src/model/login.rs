//! `POST /auth/login`: the request, and the id and expiry it answers with.

use chrono::{DateTime, Utc};
use omniauth_types::transport::Response;
use omniauth_types::{Error, ExposeSecret};
use serde::Serialize;

use super::{json_object, withheld};

omniauth_types::define_secret!(
    /// The id of a pending login (`auth_id`). A credential while the login lives: whoever
    /// polls it after the user confirmed receives the session token. Redacted `Debug`, no
    /// `Display`, never logged.
    AuthId
);

impl AuthId {
    /// Whether the id has the hyphenated UUID shape the service documents
    /// (`45314ce9-74c8-48dd-9094-0bcf980f335b`, any case). Only such ids are sent.
    pub fn is_uuid_shaped(&self) -> bool {
        is_uuid_shaped(self.expose_secret())
    }
}

/// `8-4-4-4-12` hexadecimal digits.
pub(crate) fn is_uuid_shaped(id: &str) -> bool {
    id.len() == 36
        && id.bytes().enumerate().all(|(at, byte)| match at {
            8 | 13 | 18 | 23 => byte == b'-',
            _ => byte.is_ascii_hexdigit(),
        })
}

/// The login body: `{"username", "email", "session_platform"}`.
/// No `Debug`: it holds the email.
#[derive(Serialize)]
pub(crate) struct LoginRequest<'a> {
    pub(crate) username: &'a str,
    pub(crate) email: &'a str,
    pub(crate) session_platform: &'a str,
}

/// The answer to a login start: `{"expiration_date": <unix seconds>, "auth_id": "<uuid>"}`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoginStarted {
    /// When the server stops accepting the confirmation (`expiration_date`, server clock).
    pub expires_at: DateTime<Utc>,
    /// The id to poll with.
    pub auth_id: AuthId,
}

/// Decodes a 2xx answer to `POST /auth/login`.
///
/// # Errors
/// `Transport` for a body cut short; `Decode` (body withheld: it holds the id) for a missing
/// or unreadable `expiration_date`, or an `auth_id` that is not a UUID-shaped string.
pub(crate) fn decode_login_started(response: &Response) -> Result<LoginStarted, Error> {
    let map = json_object(response)?;
    let expires_at = map
        .get("expiration_date")
        .and_then(unix_seconds)
        .ok_or_else(|| withheld(response, "expiration_date is not a unix time in seconds"))?;
    let auth_id = match map.get("auth_id") {
        Some(serde_json::Value::String(id)) if is_uuid_shaped(id) => AuthId::new(id.as_str()),
        _ => return Err(withheld(response, "auth_id is not a uuid")),
    };
    Ok(LoginStarted {
        expires_at,
        auth_id,
    })
}

/// Unix seconds as an integer, a float (fraction dropped) or a numeric string.
fn unix_seconds(value: &serde_json::Value) -> Option<DateTime<Utc>> {
    let seconds = match value {
        serde_json::Value::Number(number) => match number.as_i64() {
            Some(seconds) => seconds,
            None => float_seconds(number.as_f64()?)?,
        },
        serde_json::Value::String(text) => match text.trim().parse::<i64>() {
            Ok(seconds) => seconds,
            Err(_) => float_seconds(text.trim().parse::<f64>().ok()?)?,
        },
        _ => return None,
    };
    DateTime::from_timestamp(seconds, 0)
}

#[allow(clippy::cast_possible_truncation)] // Range-checked just before.
fn float_seconds(seconds: f64) -> Option<i64> {
    (seconds.is_finite() && seconds.abs() < 1e15).then(|| seconds.floor() as i64)
}

#[cfg(test)]
mod tests {
    use omniauth_types::ErrorKind;
    use omniauth_types::http::{HeaderMap, StatusCode};

    use super::*;

    fn decode(body: &str) -> Result<LoginStarted, Error> {
        decode_login_started(&Response::new(
            StatusCode::OK,
            HeaderMap::new(),
            body.to_owned(),
        ))
    }

    const ID: &str = "45314ce9-74c8-48dd-9094-0bcf980f335b";

    #[test]
    fn uuid_shape_is_checked_strictly() {
        assert!(is_uuid_shaped(ID));
        assert!(is_uuid_shaped(&ID.to_uppercase()));
        for bad in [
            "",
            "45314ce974c848dd90940bcf980f335b",
            "{45314ce9-74c8-48dd-9094-0bcf980f335b}",
            "45314ce9-74c8-48dd-9094-0bcf980f335g",
            "45314ce9/74c8-48dd-9094-0bcf980f335b",
            "../../../../../../../../../../../x",
            "45314ce9-74c8-48dd-9094-0bcf980f335bé",
        ] {
            assert!(!is_uuid_shaped(bad), "{bad}");
        }
        assert!(AuthId::new(ID).is_uuid_shaped());
    }

    #[test]
    fn expiration_is_read_leniently() {
        for (raw, expected) in [
            ("1771877304", 1_771_877_304),
            ("1771877304.9", 1_771_877_304),
            ("\"1771877304\"", 1_771_877_304),
            ("\" 1771877304.5 \"", 1_771_877_304),
        ] {
            let started = decode(&format!(
                r#"{{"expiration_date": {raw}, "auth_id": "{ID}", "extra": true}}"#
            ))
            .unwrap();
            assert_eq!(started.expires_at.timestamp(), expected, "{raw}");
        }
        for raw in ["null", "\"soon\"", "1e300", "true", "[]", "-1e20"] {
            let err = decode(&format!(
                r#"{{"expiration_date": {raw}, "auth_id": "{ID}"}}"#
            ))
            .unwrap_err();
            assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{raw}");
        }
    }

    #[test]
    fn an_unusable_id_is_a_decode_error_that_does_not_show_it() {
        let err = decode(r#"{"expiration_date": 1, "auth_id": "../admin-secret"}"#).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Decode { .. }));
        assert!(!err.to_string().contains("admin-secret"), "{err}");
        assert!(err.to_string().contains("auth_id is not a uuid"), "{err}");
        assert!(decode(r#"{"expiration_date": 1}"#).is_err());
    }

    #[test]
    fn the_id_is_redacted() {
        let started = decode(&format!(r#"{{"expiration_date": 1, "auth_id": "{ID}"}}"#)).unwrap();
        let debug = format!("{started:?}");
        assert!(!debug.contains(ID), "{debug}");
        assert!(debug.contains("AuthId([redacted])"));
    }
}
