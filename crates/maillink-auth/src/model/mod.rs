//! Wire types, with the API's own field names, and the decoders of its answers.
//!
//! Decoders are lenient where the documentation is thin (unknown fields are ignored, an
//! `expiration_date` may come as an integer, a float or a numeric string) and strict where a
//! wrong value would be dangerous (an `auth_id` must be UUID-shaped before it goes into a
//! URL; a `session_token` must be a non-empty string).

mod login;
mod platform;
mod registration;
mod session;

pub use login::{AuthId, LoginStarted};
pub use platform::SessionPlatform;

pub(crate) use login::{LoginRequest, decode_login_started};
pub(crate) use registration::RegistrationRequest;
pub(crate) use session::decode_session_token;

use omniauth_types::transport::Response;
use omniauth_types::{Error, ErrorKind};

use crate::SERVICE;

/// Parses a 2xx body as a JSON object. A body cut short is a transport failure (the
/// connection delivered part of the answer), anything else that is not an object is a
/// decode error; neither shows the body, which may hold a secret.
fn json_object(response: &Response) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    match serde_json::from_slice::<serde_json::Value>(response.body()) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(withheld(response, "the answer is not a JSON object")),
        Err(err) if err.is_eof() => Err(Error::new(ErrorKind::Transport)
            .with_service(SERVICE)
            .with_status(response.status())
            .with_message("the answer was cut short")),
        Err(_) => Err(withheld(response, "the answer is not JSON")),
    }
}

/// A decode error for an answer that may hold secrets: status and length only.
fn withheld(response: &Response, message: &str) -> Error {
    Error::decode_withheld(Some(response.status()), response.body().len())
        .with_service(SERVICE)
        .with_message(message)
}

#[cfg(test)]
mod tests {
    use omniauth_types::http::{HeaderMap, StatusCode};
    use proptest::prelude::*;

    use super::*;
    use crate::error::{Call, from_answer};

    fn answer(status: u16, body: Vec<u8>) -> Response {
        Response::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            body,
        )
    }

    const LOGIN: &str =
        r#"{"expiration_date": 1771877304, "auth_id": "45314ce9-74c8-48dd-9094-0bcf980f335b"}"#;
    const TOKEN: &str = r#"{"session_token": "nUrFGl-tfQ_tCBupuhUPAkcgjA3-qnYZ=="}"#;
    const PENDING: &str = r#"{"error": "The auth id is invalid, expired, or not yet authorized"}"#;

    fn decode_everything(status: u16, body: &[u8]) {
        let response = answer(status, body.to_vec());
        let _ = decode_login_started(&response);
        let _ = decode_session_token(&response);
        for call in [Call::Register, Call::Login, Call::Poll, Call::Any] {
            let _ = from_answer(call, &response);
        }
    }

    proptest! {
        // CI runs a few hundred cases; see `decoders_survive_many_arbitrary_bodies` for more.
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn decoders_never_panic_on_arbitrary_bytes(
            status in prop::sample::select(vec![200_u16, 201, 400, 404, 409, 429, 500]),
            body in prop::collection::vec(any::<u8>(), 0..512),
        ) {
            decode_everything(status, &body);
        }

        #[test]
        fn decoders_never_panic_on_mutated_real_answers(
            which in 0_usize..3,
            cut in 0_usize..200,
            flips in prop::collection::vec((0_usize..200, any::<u8>()), 0..6),
        ) {
            let mut body = [LOGIN, TOKEN, PENDING][which].as_bytes().to_vec();
            for (at, byte) in flips {
                let len = body.len();
                body[at % len] = byte;
            }
            body.truncate(cut.min(body.len()));
            decode_everything(200, &body);
            decode_everything(400, &body);
        }

        #[test]
        fn decoded_values_never_leak_into_errors(token in "[A-Za-z0-9_-]{20,40}") {
            // A body with the right key but an unusable neighbour must not echo the token.
            let body = format!(r#"{{"session_token": "{token}", "auth_id": 5}}"#);
            let response = answer(200, body.into_bytes());
            let login = decode_login_started(&response).unwrap_err();
            prop_assert!(!login.to_string().contains(&token));
            let debug = format!("{login:?}");
            prop_assert!(!debug.contains(&token));
        }
    }

    /// 10,000 cases; run with
    /// `cargo test -p maillink-auth -- --ignored decoders_survive_many_arbitrary_bodies`.
    #[test]
    #[ignore = "long: 10,000 proptest cases"]
    fn decoders_survive_many_arbitrary_bodies() {
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(10_000));
        runner
            .run(&prop::collection::vec(any::<u8>(), 0..2048), |body| {
                decode_everything(200, &body);
                decode_everything(400, &body);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn the_documented_answers_decode() {
        let started = decode_login_started(&answer(200, LOGIN.into())).unwrap();
        assert_eq!(started.expires_at.timestamp(), 1_771_877_304);
        assert_eq!(
            omniauth_types::ExposeSecret::expose_secret(&started.auth_id),
            "45314ce9-74c8-48dd-9094-0bcf980f335b"
        );
        let token = decode_session_token(&answer(200, TOKEN.into())).unwrap();
        assert_eq!(
            omniauth_types::ExposeSecret::expose_secret(&token),
            "nUrFGl-tfQ_tCBupuhUPAkcgjA3-qnYZ=="
        );
    }

    #[test]
    fn cut_short_is_transport_and_garbage_is_decode() {
        let cut = decode_session_token(&answer(200, TOKEN[..20].into())).unwrap_err();
        assert_eq!(cut.kind(), &ErrorKind::Transport);
        assert!(cut.to_string().contains("cut short"), "{cut}");
        let garbage =
            decode_session_token(&answer(200, b"<html>nope</html>".to_vec())).unwrap_err();
        assert!(
            matches!(garbage.kind(), ErrorKind::Decode { .. }),
            "{garbage}"
        );
        let array = decode_session_token(&answer(200, b"[1,2]".to_vec())).unwrap_err();
        assert!(matches!(array.kind(), ErrorKind::Decode { .. }));
        // The snippet of a body that may hold a token is withheld.
        let partial = br#"{"session_token": "secret-abc", "x": }"#.to_vec();
        let err = decode_session_token(&answer(200, partial)).unwrap_err();
        assert!(!err.to_string().contains("secret-abc"), "{err}");
    }
}
