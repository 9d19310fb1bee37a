//! The hub's frame decoder and record readers never panic, and framing is transparent: any
//! records, cut into frames anywhere, come out the same. CI runs a few hundred cases; for a
//! long run: `PROPTEST_CASES=10000 cargo test -p resonite-api --test hub_proptest -- --include-ignored`.
#![cfg(feature = "hub")]

mod common;

use proptest::prelude::*;
use resonite_api::hub::protocol::{Envelope, read_handshake_answer};
use resonite_api::hub::{FrameDecoder, decode_event};

const REAL: [&str; 4] = [
    r#"{"type":1,"target":"ReceiveMessage","arguments":[{"id":"MSG-1","ownerId":"U-b","senderId":"U-a","recipientId":"U-b","messageType":"Text","content":"hi","sendTime":"2025-05-24T20:49:29.6335177Z","lastUpdateTime":"0001-01-01T00:00:00","readTime":null}]}"#,
    r#"{"type":1,"target":"ReceiveStatusUpdate","arguments":[{"userId":"U-a","onlineStatus":"Online","sessions":[{"sessionHash":"AB","accessLevel":"Contacts"}],"currentSessionIndex":0,"publicRSAKey":{"Exponent":"AQAB"}}]}"#,
    r#"{"type":3,"invocationId":"4","result":{"contacts":[{"id":"U-b","userStatus":{"onlineStatus":"Offline"}}]}}"#,
    r#"{"type":7,"error":"Connection closed with an error.","allowReconnect":true}"#,
];

fn read_everything(record: &str) {
    let _ = read_handshake_answer(record);
    if let Ok(envelope) = Envelope::parse(record) {
        if let Some(target) = envelope.target.as_deref() {
            let _ = decode_event(target, envelope.arguments);
        }
        for name in [
            "ReceiveMessage",
            "ReceiveStatusUpdate",
            "RemoveSession",
            "MessagesRead",
            "Debug",
            "ReceiveSessionUpdate",
            "MessageSent",
        ] {
            let _ = decode_event(name, envelope.arguments);
            let _ = decode_event(name, envelope.result);
        }
    }
}

fn check_split(records: &[String], cuts: &[usize]) -> Result<(), TestCaseError> {
    let (stream, points) = common::stream_and_cuts(records, cuts);
    let mut decoder = FrameDecoder::new();
    let mut out = Vec::new();
    for pair in points.windows(2) {
        out.extend(decoder.push(&stream[pair[0]..pair[1]]).unwrap());
    }
    prop_assert_eq!(out, common::nonblank(records));
    prop_assert_eq!(decoder.buffered(), 0);
    Ok(())
}

fn mutate(seed: &str, flips: &[(usize, u8)]) -> Vec<u8> {
    let mut bytes = seed.as_bytes().to_vec();
    for (at, byte) in flips {
        let len = bytes.len();
        bytes[at % len] = *byte;
    }
    bytes
}

proptest! {
    #[test]
    fn arbitrary_frames_never_panic(frames in proptest::collection::vec(any::<Vec<u8>>(), 0..6)) {
        let mut decoder = FrameDecoder::with_max_record(256);
        for frame in frames {
            if let Ok(records) = decoder.push_bytes(&frame) {
                for record in records {
                    read_everything(&record);
                }
            }
        }
    }

    #[test]
    fn records_cut_anywhere_come_out_whole(
        records in proptest::collection::vec("[^\u{1e}]{0,40}", 0..6),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        check_split(&records, &cuts)?;
    }

    #[test]
    fn mutated_real_records_never_panic(
        which in 0..REAL.len(),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
    ) {
        let bytes = mutate(REAL[which], &flips);
        let mut decoder = FrameDecoder::new();
        let mut frame = bytes.clone();
        frame.push(0x1e);
        if let Ok(records) = decoder.push_bytes(&frame) {
            for record in records {
                read_everything(&record);
            }
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            read_everything(text);
        }
    }
}

#[test]
#[ignore = "long run: PROPTEST_CASES=10000 ... -- --include-ignored"]
fn long_split_run() {
    let mut runner =
        proptest::test_runner::TestRunner::new(proptest::test_runner::Config::with_cases(10_000));
    runner
        .run(
            &(
                proptest::collection::vec("[^\u{1e}]{0,40}", 0..6),
                proptest::collection::vec(any::<usize>(), 0..8),
            ),
            |(records, cuts)| check_split(&records, &cuts),
        )
        .unwrap();
}

#[test]
fn real_records_decode() {
    for record in REAL {
        assert!(Envelope::parse(record).is_ok(), "{record}");
    }
}
