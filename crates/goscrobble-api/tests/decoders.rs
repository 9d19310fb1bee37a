//! Property tests: the error mapping, the JWT reader and every wire type never panic on any
//! bytes, and top-N objects always come back in rank order.
//!
//! CI runs a few hundred cases per property. For a long run:
//! `PROPTEST_CASES=10000 cargo test -p goscrobble-api --test decoders -- --include-ignored`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use goscrobble_api::model::{
    Album, Artist, Profile, ScrobbleList, ServerConfig, ServerInfo, Stats, TopListeners, Track,
    User,
};
use goscrobble_api::{AccessToken, Claims, decode_error, session_from_token};
use omniauth_types::http::{HeaderMap, StatusCode};
use omniauth_types::transport::Response;
use proptest::prelude::*;

const REAL_ANSWERS: &[&str] = &[
    r#"{"meta":{"count":1,"total":1,"page":1},"items":[{"uuid":"u","time":"2024-05-01T12:30:00Z","artist":{"uuid":"a","name":"A"},"album":"B","track":{"uuid":"t","name":"C"},"source":"jellyfin","user":{"uuid":"","name":""}}]}"#,
    r#"{"uuid":"u","created_at":"2024-05-01T12:30:00Z","created_ip":"1.2.3.4","modified_at":"2024-05-01T12:30:00Z","ModifiedIP":"1.2.3.4","username":"a","email":"","verified":false,"spotify_username":"","timezone":"UTC","token":"KEY","navidrome_server":""}"#,
    r#"{"artists":{"1":{"uuid":"a","name":"A","img":"","plays":3},"10":{"uuid":"b","name":"B","img":"","plays":1},"2":{"uuid":"c","name":"C","img":"","plays":2}}}"#,
    r#"{"error":"Invalid Username or Password"}"#,
    r#"{"configs":{"SPOTIFY_API_ID":"x","REGISTRATION_ENABLED":"1"}}"#,
];

fn decode_all(bytes: &[u8]) {
    let _ = serde_json::from_slice::<ScrobbleList>(bytes);
    let _ = serde_json::from_slice::<Profile>(bytes);
    let _ = serde_json::from_slice::<User>(bytes);
    let _ = serde_json::from_slice::<Track>(bytes);
    let _ = serde_json::from_slice::<Artist>(bytes);
    let _ = serde_json::from_slice::<Album>(bytes);
    let _ = serde_json::from_slice::<TopListeners>(bytes);
    let _ = serde_json::from_slice::<ServerInfo>(bytes);
    let _ = serde_json::from_slice::<Stats>(bytes);
    let _ = serde_json::from_slice::<ServerConfig>(bytes);
    for status in [200, 400, 401, 404, 429, 500] {
        let answer = Response::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            bytes.to_vec(),
        );
        let err = decode_error(&answer);
        if status != 200 {
            assert!(err.is_some(), "a {status} is always an error");
        }
    }
}

fn mutate(answer: &str, index: usize, byte: u8) -> Vec<u8> {
    let mut bytes = answer.as_bytes().to_vec();
    let at = index % bytes.len();
    bytes[at] = byte;
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_all(&bytes);
    }

    #[test]
    fn mutated_real_answers_never_panic(which in 0..REAL_ANSWERS.len(), index in any::<usize>(), byte in any::<u8>()) {
        decode_all(&mutate(REAL_ANSWERS[which], index, byte));
    }

    #[test]
    fn any_200_with_an_error_string_is_an_error(message in ".{0,64}") {
        let body = serde_json::json!({ "error": message }).to_string();
        let answer = Response::new(StatusCode::OK, HeaderMap::new(), body);
        prop_assert!(decode_error(&answer).is_some());
    }

    #[test]
    fn arbitrary_tokens_never_panic(text in ".{0,300}", payload in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Claims::decode(&AccessToken::new(text.clone()));
        let _ = session_from_token(AccessToken::new(text));
        let token = format!("h.{}.s", URL_SAFE_NO_PAD.encode(&payload));
        let _ = session_from_token(AccessToken::new(token));
    }

    #[test]
    fn claims_with_extra_members_and_any_padding_read(
        extra in proptest::collection::btree_map("[a-z]{1,8}", any::<i64>(), 0..5),
        padding in 0usize..3,
        iat in 0i64..4_000_000_000,
        lifetime in 1i64..1_000_000,
    ) {
        let mut claims = serde_json::Map::new();
        for (key, value) in extra {
            claims.insert(format!("x_{key}"), value.into());
        }
        claims.insert("sub".into(), "user-uuid".into());
        claims.insert("iat".into(), iat.into());
        claims.insert("exp".into(), (iat + lifetime).into());
        let payload = format!("{}{}", URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap()), "=".repeat(padding));
        let session = session_from_token(AccessToken::new(format!("h.{payload}.s"))).unwrap();
        prop_assert_eq!(session.user_id(), "user-uuid");
        prop_assert_eq!(session.expires_at().unwrap().timestamp(), iat + lifetime);
    }

    #[test]
    fn top_objects_come_back_sorted(n in 1usize..40) {
        // A JSON object keeps its keys in string order ("1","10","11",…,"2"), as the server
        // sends them.
        let mut object = serde_json::Map::new();
        for key in 1..=n {
            object.insert(
                key.to_string(),
                serde_json::json!({ "uuid": format!("u{key}"), "name": "n", "img": "", "plays": key }),
            );
        }
        let answer = serde_json::json!({ "artists": object });
        let list = top_artists_of(&answer);
        prop_assert_eq!(list, (1..=n).map(|k| format!("u{k}")).collect::<Vec<_>>());
    }
}

/// The UUIDs of a top-N object, in the order the crate returns them.
fn top_artists_of(answer: &serde_json::Value) -> Vec<String> {
    goscrobble_api::model::decode_top_list(&answer["artists"])
        .unwrap()
        .into_iter()
        .map(|entry| entry.uuid)
        .collect()
}

#[test]
#[ignore = "long run: PROPTEST_CASES=10000 cargo test -p goscrobble-api --test decoders -- --include-ignored"]
fn long_run_of_arbitrary_bytes() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(10_000));
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..2048), |bytes| {
            decode_all(&bytes);
            Ok(())
        })
        .unwrap();
}
