//! Property tests: arbitrary bytes and mutated real answers never panic the decoders.
//! CI runs a few hundred cases; for a long run:
//! `PROPTEST_CASES=10000 cargo test -p burgerauth-api --test decoders -- --ignored`.

use burgerauth_api::model::{Discovery, TokenResponse, TokenUserInfo, UserInfo};
use std::sync::OnceLock;

use burgerauth_api::{AuthorizationRequest, Client, PendingAuthorization, decode_error};
use omniauth_types::http::{HeaderMap, StatusCode};
use omniauth_types::transport::Response;
use proptest::prelude::*;

const REAL: &[&str] = &[
    r#"{"error":"Invalid session"}"#,
    r#"{"error":"User does not exist","migrated":true}"#,
    r#"{"key":"abc","migrated":false}"#,
    r#"{"username":"a","id":1,"created":"1722816000"}"#,
    r#"{"access_token":"a","token_type":"bearer","expires_in":2592000,"id_token":"b"}"#,
    r#"{"issuer":"https://x","authorization_endpoint":"https://x/login","token_endpoint":"https://x/api/tokenauth"}"#,
    "{}",
    "null",
    "Invalid session (no cookie or session url)",
];

fn decode_everything(status: u16, body: &[u8]) {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let _ = decode_error(&Response::new(status, HeaderMap::new(), body.to_vec()));
    let _ = serde_json::from_slice::<TokenResponse>(body);
    let _ = serde_json::from_slice::<UserInfo>(body);
    let _ = serde_json::from_slice::<Discovery>(body);
    let _ = serde_json::from_slice::<TokenUserInfo>(body);
}

fn pending() -> &'static PendingAuthorization {
    static PENDING: OnceLock<PendingAuthorization> = OnceLock::new();
    PENDING.get_or_init(|| {
        let client = Client::new("https://auth.example.org").unwrap();
        client
            .authorization_url(&AuthorizationRequest::new("c", "https://app/cb"))
            .unwrap()
            .1
    })
}

fn mutate(base: &[u8], index: usize, byte: u8) -> Vec<u8> {
    let mut body = base.to_vec();
    if !body.is_empty() {
        let i = index % body.len();
        body[i] = byte;
    }
    body
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(status in 100_u16..600, body in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(status, &body);
    }

    #[test]
    fn mutated_real_answers_never_panic(status in 100_u16..600, which in 0..REAL.len(), index in any::<usize>(), byte in any::<u8>()) {
        decode_everything(status, &mutate(REAL[which].as_bytes(), index, byte));
    }

    #[test]
    fn callbacks_never_panic(url in ".{0,200}") {
        let pending = pending();
        let _ = pending.code_from_callback(&url);
        let _ = pending.code_from_callback(&format!("https://app/cb?{url}"));
    }
}

#[test]
#[ignore = "long run: PROPTEST_CASES=10000"]
fn long_arbitrary_run() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(10_000));
    runner
        .run(
            &(
                100_u16..600,
                proptest::collection::vec(any::<u8>(), 0..2048),
            ),
            |(status, body)| {
                decode_everything(status, &body);
                Ok(())
            },
        )
        .unwrap();
}
