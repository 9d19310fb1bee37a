//! Decoders never panic: arbitrary bytes, and real answers with bytes flipped.
//! CI runs a few hundred cases; for a long run:
//! `PROPTEST_CASES=10000 cargo test -p resonite-api --test proptest_decoders -- --include-ignored`.

use http::{HeaderMap, StatusCode};
use omniauth_types::transport::Response;
use proptest::prelude::*;
use resonite_api::error::{CallKind, map_error};
use resonite_api::model::{
    CloudStats, CloudVariableRead, Contact, Group, GroupMember, Membership, Message, OnlineStats,
    Record, RecordPage, SessionInfo, StorageQuota, User, UserSessionResult, UserStatus, asset_url,
    parse_timestamp, strip_rich_text,
};

const FIXTURES: [&str; 7] = [
    include_str!("fixtures/records.json"),
    include_str!("fixtures/online_stats.json"),
    include_str!("fixtures/user_session.json"),
    include_str!("fixtures/session_info.json"),
    include_str!("fixtures/user.json"),
    include_str!("fixtures/contacts.json"),
    include_str!("fixtures/messages.json"),
];

fn decode_everything(bytes: &[u8]) {
    let _ = serde_json::from_slice::<UserSessionResult>(bytes);
    let _ = serde_json::from_slice::<SessionInfo>(bytes);
    let _ = serde_json::from_slice::<Vec<SessionInfo>>(bytes);
    let _ = serde_json::from_slice::<User>(bytes);
    let _ = serde_json::from_slice::<Vec<User>>(bytes);
    let _ = serde_json::from_slice::<Vec<Contact>>(bytes);
    let _ = serde_json::from_slice::<UserStatus>(bytes);
    let _ = serde_json::from_slice::<OnlineStats>(bytes);
    let _ = serde_json::from_slice::<CloudStats>(bytes);
    let _ = serde_json::from_slice::<Group>(bytes);
    let _ = serde_json::from_slice::<Vec<GroupMember>>(bytes);
    let _ = serde_json::from_slice::<Vec<Membership>>(bytes);
    let _ = serde_json::from_slice::<StorageQuota>(bytes);
    let _ = serde_json::from_slice::<RecordPage>(bytes);
    let _ = serde_json::from_slice::<Vec<CloudVariableRead>>(bytes);
    if let Ok(records) = serde_json::from_slice::<Vec<Record>>(bytes) {
        for record in records {
            let _ = (record.version(), record.asset_url(), record.thumbnail_url());
        }
    }
    if let Ok(messages) = serde_json::from_slice::<Vec<Message>>(bytes) {
        for message in messages {
            let _ = message.decode_content();
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = parse_timestamp(text);
        let _ = strip_rich_text(text);
        let _ = asset_url(text);
    }
}

fn mutate(base: &[u8], flips: &[(usize, u8)]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for (at, byte) in flips {
        let len = bytes.len();
        bytes[at % len] = *byte;
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&bytes);
    }

    #[test]
    fn mutated_real_answers_never_panic(
        which in 0..FIXTURES.len(),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        decode_everything(&mutate(FIXTURES[which].as_bytes(), &flips));
    }

    #[test]
    fn any_answer_maps_without_panic(
        status in 100_u16..1000,
        body in proptest::collection::vec(any::<u8>(), 0..256),
        call in 0..3_u8,
    ) {
        let call = [CallKind::Login, CallKind::Authenticated, CallKind::Public][usize::from(call)];
        let answer = Response::new(StatusCode::from_u16(status).unwrap(), HeaderMap::new(), body);
        let mapped = map_error(&answer, call);
        prop_assert_eq!(mapped.is_none(), (200..300).contains(&status));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    #[ignore = "long run: see the module docs"]
    fn long_run_mutated_answers(
        which in 0..FIXTURES.len(),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..16),
    ) {
        decode_everything(&mutate(FIXTURES[which].as_bytes(), &flips));
    }
}
