//! The hub client's side of the protocol points of spec §0.1, against the hub emulator over
//! loopback: client results answered, a Close sent on shutdown, unknown types ignored, a
//! missing result an error, `InitializeContacts` as a stream.
#![cfg(feature = "hub")]

mod common;

use std::time::Duration;

use omniauth_testkit::resonite::Resonite;
use omniauth_types::{ErrorKind, Session};
use resonite_api::Client;
use resonite_api::hub::{HubBuilder, HubClient, HubEvent, HubEvents};
use resonite_api::model::{Contact, ContactStatus, UserId};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(5);

struct World {
    resonite: Resonite,
    client: Client,
    alice: Session,
}

async fn world() -> World {
    let resonite = common::emulator().await;
    for name in ["alice", "bob", "carol"] {
        resonite.add_account(name, &format!("{name}@example.com"), common::PASSWORD);
    }
    resonite.hub().set_ping_interval(Duration::from_millis(200));
    resonite.add_contact("U-alice", "U-bob", "Accepted");
    resonite.add_contact("U-alice", "U-carol", "Accepted");
    let client = common::client(&resonite);
    let alice = common::signed_in(&client, "alice").await;
    World {
        resonite,
        client,
        alice,
    }
}

async fn connect(world: &World, builder: HubBuilder) -> (HubClient, HubEvents) {
    builder
        .connect(&world.client, &world.alice)
        .await
        .expect("the hub connects")
}

/// The events up to the `Debug(line)` event, which is not included.
async fn events_until_debug(events: &mut HubEvents, line: &str) -> Vec<HubEvent> {
    tokio::time::timeout(WAIT, async {
        let mut seen = Vec::new();
        loop {
            match events.recv().await.expect("the events go on") {
                HubEvent::Debug(text) if text == line => return seen,
                other => seen.push(other),
            }
        }
    })
    .await
    .expect("the debug line arrives")
}

async fn eventually(what: &str, check: impl Fn() -> bool) {
    tokio::time::timeout(WAIT, async {
        while !check() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what}"));
}

#[tokio::test]
async fn a_client_result_invocation_is_answered_and_still_delivered() {
    let world = world().await;
    let (_hub, mut events) = connect(&world, common::fast_hub()).await;
    let emulator = world.resonite.hub();
    assert_eq!(
        emulator.invoke_client("U-alice", "srv-1", "Debug", &json!(["asked"])),
        1
    );
    emulator.send_event("U-alice", "Debug", &json!(["marker"]));
    let seen = events_until_debug(&mut events, "marker").await;
    assert!(
        seen.iter()
            .any(|e| matches!(e, HubEvent::Debug(text) if text == "asked")),
        "{seen:?}"
    );
    // A session update nobody asked for is still answered, though never read.
    emulator.invoke_client("U-alice", "srv-2", "ReceiveSessionUpdate", &json!([{}]));
    eventually("both invocations are answered", || {
        emulator.client_completions().len() == 2
    })
    .await;
    let answers = emulator.client_completions();
    for (answer, id) in answers.iter().zip(["srv-1", "srv-2"]) {
        assert_eq!(
            answer,
            &json!({"type": 3, "invocationId": id, "error": "Client didn't provide a result."})
        );
    }
}

#[tokio::test]
async fn close_sends_a_close_message_before_the_socket_closes() {
    let world = world().await;
    let (hub, mut events) = connect(&world, common::fast_hub()).await;
    let emulator = world.resonite.hub();
    assert_eq!(emulator.client_closes(), 0);
    hub.close();
    let closed = tokio::time::timeout(WAIT, async {
        loop {
            if let HubEvent::Closed(reason) = events.recv().await.expect("the events go on") {
                return reason;
            }
        }
    })
    .await
    .expect("the connection closes");
    assert!(closed.is_none(), "a clean close: {closed:?}");
    eventually("the server saw the Close message", || {
        emulator.client_closes() == 1
    })
    .await;
    eventually("the server let the connection go", || {
        emulator.connections("U-alice") == 0
    })
    .await;
}

#[tokio::test]
async fn unknown_message_types_are_ignored() {
    let world = world().await;
    let (_hub, mut events) = connect(&world, common::fast_hub()).await;
    world.resonite.hub().send_raw_frames(
        "U-alice",
        &[
            "{\"type\":99,\"what\":\"a newer protocol\"}\u{1e}",
            "{\"type\":8,\"sequenceId\":3}\u{1e}{\"type\":9,\"sequenceId\":3}\u{1e}",
            "{\"type\":1,\"target\":\"Debug\",\"arguments\":[\"after\"]}\u{1e}",
        ],
    );
    let seen = events_until_debug(&mut events, "after").await;
    assert!(
        !seen.iter().any(|e| matches!(e, HubEvent::Malformed(_))),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_completion_without_the_result_a_call_expects_is_an_error() {
    let world = world().await;
    let (hub, _events) = connect(&world, common::fast_hub()).await;
    world.resonite.hub().set_results_omitted(true);
    let status = hub.initialize_status().await.unwrap_err();
    assert!(
        matches!(status.kind(), ErrorKind::Decode { .. }),
        "{status}"
    );
    let contact = Contact {
        id: UserId::new("U-bob"),
        contact_username: "bob".into(),
        contact_status: Some(ContactStatus::Accepted),
        ..Contact::default()
    };
    let update = hub.update_contact(&contact).await.unwrap_err();
    assert!(
        matches!(update.kind(), ErrorKind::Decode { .. }),
        "{update}"
    );
    // Void calls have no result to miss.
    hub.listen_on_key("k").await.unwrap();
    world.resonite.hub().set_results_omitted(false);
    assert_eq!(hub.initialize_status().await.unwrap().len(), 2);
    assert!(hub.update_contact(&contact).await.unwrap());
}

#[tokio::test]
async fn initialize_contacts_is_a_stream_invocation() {
    let world = world().await;
    let (hub, _events) = connect(&world, common::fast_hub()).await;
    let mut ids: Vec<String> = hub
        .initialize_contacts()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id.as_str().to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, ["U-bob", "U-carol"]);
    let sent = world.resonite.hub().invocations();
    let call = sent
        .iter()
        .find(|i| i.target == "InitializeContacts")
        .expect("the stream was invoked");
    assert!(call.invocation_id.is_some());
    // The emulator answers a type-1 call of a stream method with an error: this one was
    // served, so it went out as a stream invocation.
}

#[tokio::test]
async fn an_abandoned_stream_is_cancelled() {
    let world = world().await;
    common::add_friends(&world.resonite, "U-alice", 10);
    let emulator = world.resonite.hub();
    emulator.set_stream_item_delay(Duration::from_millis(150));
    let builder = common::fast_hub()
        .call_timeout(Duration::from_millis(300))
        .reconnect_wait(Duration::from_millis(100));
    let (hub, _events) = connect(&world, builder).await;
    let late = hub.initialize_contacts().await.unwrap_err();
    assert_eq!(late.kind(), &ErrorKind::Transport, "{late}");
    eventually("the stream was cancelled", || {
        emulator.stream_cancels() == 1
    })
    .await;
    // The connection goes on serving calls.
    emulator.set_stream_item_delay(Duration::ZERO);
    hub.listen_on_key("k").await.unwrap();
}
