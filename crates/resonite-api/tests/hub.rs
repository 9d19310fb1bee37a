//! The hub client against the testkit's hub emulator, over loopback WebSockets.
#![cfg(feature = "hub")]

mod common;

use std::time::Duration;

use futures_util::StreamExt as _;
use omniauth_testkit::resonite::Resonite;
use omniauth_types::{ErrorKind, Session};
use resonite_api::Client;
use resonite_api::hub::{
    BroadcastTarget, ConnectionState, HubBuilder, HubClient, HubEvent, HubEvents, ReconnectPolicy,
};
use resonite_api::model::{Contact, ContactStatus, MessageId, OnlineStatus, UserId, UserStatus};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(5);

struct World {
    resonite: Resonite,
    client: Client,
    alice: Session,
    bob: Session,
}

async fn world() -> World {
    let resonite = common::emulator().await;
    common::add_accounts(&resonite, &["alice", "bob", "carol"]);
    // The server pings often, so a slow machine never looks like a silent server.
    resonite.hub().set_ping_interval(Duration::from_millis(200));
    resonite.add_contact("U-alice", "U-bob", "Accepted");
    resonite.add_contact("U-bob", "U-alice", "Accepted");
    let client = common::client(&resonite);
    let alice = common::signed_in(&client, "alice").await;
    let bob = common::signed_in(&client, "bob").await;
    World {
        resonite,
        client,
        alice,
        bob,
    }
}

async fn connect(world: &World, session: &Session) -> (HubClient, HubEvents) {
    common::fast_hub()
        .connect(&world.client, session)
        .await
        .expect("the hub connects")
}

/// The first event `pick` accepts, skipping the others.
async fn next<T>(events: &mut HubEvents, mut pick: impl FnMut(HubEvent) -> Option<T>) -> T {
    tokio::time::timeout(WAIT, async {
        loop {
            let event = events.recv().await.expect("the events go on");
            if let Some(found) = pick(event) {
                return found;
            }
        }
    })
    .await
    .expect("the event comes in time")
}

async fn debug_line(events: &mut HubEvents, line: &str) -> Vec<HubEvent> {
    let mut before = Vec::new();
    tokio::time::timeout(WAIT, async {
        loop {
            match events.recv().await.expect("the events go on") {
                HubEvent::Debug(text) if text == line => return,
                other => before.push(other),
            }
        }
    })
    .await
    .expect("the marker comes in time");
    before
}

#[tokio::test]
async fn two_users_chat_and_mark_read() {
    let world = world().await;
    let (alice, mut alice_events) = connect(&world, &world.alice).await;
    let (bob, mut bob_events) = connect(&world, &world.bob).await;

    let sent = alice
        .send_text_message(&UserId::new("U-bob"), "hello bob")
        .await
        .unwrap();
    assert!(sent.id.has_expected_prefix());
    assert_eq!(sent.sender_id, "U-alice");
    assert_eq!(sent.content, "hello bob");
    // The echo's offset-less "never" is read, not refused.
    assert_eq!(
        sent.last_update_time.unwrap().format("%Y").to_string(),
        "0001"
    );
    let echoed = next(&mut alice_events, |e| match e {
        HubEvent::MessageSent(m) => Some(m),
        _ => None,
    })
    .await;
    assert_eq!(echoed.id, sent.id);

    let received = next(&mut bob_events, |e| match e {
        HubEvent::ReceiveMessage(m) => Some(m),
        _ => None,
    })
    .await;
    assert_eq!(received.id, sent.id);
    assert_eq!(received.content, "hello bob");
    assert_eq!(received.recipient_id, "U-bob");
    assert!(!received.is_read());

    // Bob answers; alice reads it.
    let answer = bob
        .send_text_message(&UserId::new("U-alice"), "hi alice")
        .await
        .unwrap();
    let got = next(&mut alice_events, |e| match e {
        HubEvent::ReceiveMessage(m) => Some(m),
        _ => None,
    })
    .await;
    assert_eq!(got.content, "hi alice");

    bob.mark_messages_read(&UserId::new("U-alice"), std::slice::from_ref(&sent.id))
        .await
        .unwrap();
    let read = next(&mut alice_events, |e| match e {
        HubEvent::MessagesRead(r) => Some(r),
        _ => None,
    })
    .await;
    assert_eq!(read.recipient_id, "U-bob");
    assert_eq!(read.ids, vec![sent.id.clone()]);
    assert!(read.read_time.is_some());

    // The hub's messages are in the REST history too, with the read mark.
    let history = world
        .client
        .messages(&world.alice, &resonite_api::MessageQuery::new())
        .await
        .unwrap();
    let mine = history.iter().find(|m| m.id == sent.id).unwrap();
    assert!(mine.is_read());
    assert!(history.iter().any(|m| m.id == answer.id));

    // The upgrade carried the res authorization and the UID.
    let upgrades = world.resonite.server().requests().to_path("/hub");
    assert_eq!(upgrades.len(), 2);
    let auth = upgrades[0].header("authorization").unwrap();
    assert!(auth.starts_with("res U-alice:"), "{auth}");
    assert_eq!(upgrades[0].header("uid"), world.alice.extra("uid"));
    // Fire-and-forget invocations carry no id; typed calls do.
    let invocations = world.resonite.hub().invocations();
    assert!(invocations.iter().all(|i| i.invocation_id.is_some()));
}

#[tokio::test]
async fn bad_calls_are_refused_before_sending_or_typed_after() {
    let world = world().await;
    let (alice, _events) = connect(&world, &world.alice).await;
    for err in [
        alice
            .send_text_message(&UserId::new("bob"), "x")
            .await
            .unwrap_err(),
        alice
            .send_text_message(&UserId::new("U-bob"), "")
            .await
            .unwrap_err(),
        alice.listen_on_key(" ").await.unwrap_err(),
        alice
            .mark_messages_read(&UserId::new("U-bob"), &[])
            .await
            .unwrap_err(),
        alice
            .request_status(Some(&UserId::new("x")), false)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err}");
    }
    assert!(world.resonite.hub().invocations().is_empty());

    let unknown = alice.invoke_raw("NoSuchMethod", vec![]).await.unwrap_err();
    assert_eq!(unknown.kind(), &ErrorKind::Unsupported);
    assert_eq!(unknown.message(), Some("Unknown hub method 'NoSuchMethod'"));
    let bad = alice
        .invoke_raw("ListenOnKey", vec![json!(1), json!(2)])
        .await
        .unwrap_err();
    assert_eq!(
        bad.kind(),
        &ErrorKind::Api {
            status: 0,
            message: "Failed to invoke 'ListenOnKey' due to an error on the server.".into()
        }
    );
    // A message to an unknown user is refused by the server, typed.
    let nobody = alice
        .send_text_message(&UserId::new("U-nobody"), "x")
        .await
        .unwrap_err();
    assert!(
        matches!(nobody.kind(), ErrorKind::Api { status: 0, .. }),
        "{nobody}"
    );
    // Fire-and-forget goes out without an id and gets no completion.
    alice
        .send_raw("ListenOnKey", vec![json!("k")])
        .await
        .unwrap();
    let ok = alice
        .broadcast_session(vec![json!({"sessionId": "S-x"})])
        .await
        .unwrap();
    assert!(ok.is_null());
    alice
        .broadcast_session_ended(vec![json!("S-x")])
        .await
        .unwrap();
    let invocations = world.resonite.hub().invocations();
    let fire = invocations
        .iter()
        .find(|i| i.target == "ListenOnKey" && i.arguments == [json!("k")]);
    assert!(fire.unwrap().invocation_id.is_none());
    assert_eq!(alice.state(), ConnectionState::Connected);
}

#[tokio::test]
async fn statuses_and_contacts_arrive() {
    let world = world().await;
    let (alice, mut alice_events) = connect(&world, &world.alice).await;
    let (bob, _bob_events) = connect(&world, &world.bob).await;

    let contacts = alice.initialize_status().await.unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].id, "U-bob");
    let status = contacts[0].user_status.as_ref().unwrap();
    assert_eq!(status.online_status, Some(OnlineStatus::Offline));

    let online = UserStatus {
        online_status: Some(OnlineStatus::Online),
        user_session_id: Some("6b0c7e9e-0000-4000-8000-000000000001".into()),
        ..UserStatus::default()
    };
    bob.broadcast_status(&online, &BroadcastTarget::all_contacts())
        .await
        .unwrap();
    let update = next(&mut alice_events, |e| match e {
        HubEvent::StatusUpdate(s) => Some(s),
        _ => None,
    })
    .await;
    assert_eq!(update.user_id.as_ref().unwrap(), "U-bob");
    assert_eq!(update.online_status, Some(OnlineStatus::Online));
    let stored = world.resonite.hub().status("U-bob").unwrap();
    assert_eq!(stored["userId"], "U-bob");

    // Invisible is shown as offline.
    let invisible = UserStatus {
        online_status: Some(OnlineStatus::Invisible),
        ..UserStatus::default()
    };
    bob.broadcast_status(&invisible, &BroadcastTarget::all_contacts())
        .await
        .unwrap();
    let update = next(&mut alice_events, |e| match e {
        HubEvent::StatusUpdate(s) => Some(s),
        _ => None,
    })
    .await;
    assert_eq!(update.online_status, Some(OnlineStatus::Offline));

    // Asked for: one user, then every contact.
    alice
        .request_status(Some(&UserId::new("U-bob")), false)
        .await
        .unwrap();
    next(&mut alice_events, |e| match e {
        HubEvent::StatusUpdate(s) if s.user_id.as_ref().is_some_and(|u| u == "U-bob") => Some(()),
        _ => None,
    })
    .await;
    alice.request_status(None, false).await.unwrap();
    next(&mut alice_events, |e| {
        matches!(e, HubEvent::StatusUpdate(_)).then_some(())
    })
    .await;

    // A new contact, by the hub; then visible over REST.
    let carol = Contact {
        id: UserId::new("U-carol"),
        contact_username: "carol".into(),
        contact_status: Some(ContactStatus::Accepted),
        ..Contact::default()
    };
    assert!(alice.update_contact(&carol).await.unwrap());
    let nobody = Contact {
        id: UserId::new("U-nobody"),
        ..carol.clone()
    };
    assert!(!alice.update_contact(&nobody).await.unwrap());
    let listed = world.client.contacts(&world.alice).await.unwrap();
    assert!(listed.iter().any(|c| c.id == "U-carol"));
    let refreshed = alice.initialize_status().await.unwrap();
    assert_eq!(refreshed.len(), 2);

    // A status someone else sets arrives too (the emulator's own hook).
    world
        .resonite
        .hub()
        .set_status("U-bob", json!({"onlineStatus": "Busy"}));
    let busy = next(&mut alice_events, |e| match e {
        HubEvent::StatusUpdate(s) => Some(s),
        _ => None,
    })
    .await;
    assert_eq!(busy.online_status, Some(OnlineStatus::Busy));
}

#[tokio::test]
async fn the_session_update_flood_is_skipped_unread_unless_asked_for() {
    let world = world().await;
    let (skipping, mut skipping_events) = connect(&world, &world.alice).await;
    let (parsing, mut parsing_events) = common::fast_hub()
        .session_updates(true)
        .connect(&world.client, &world.bob)
        .await
        .unwrap();
    // A session update whose payload is not a session: only a parser notices.
    let broken = "{\"type\":1,\"target\":\"receivesessionupdate\",\"arguments\":[5]}\u{1e}";
    for user in ["U-alice", "U-bob"] {
        assert_eq!(world.resonite.hub().send_raw_frames(user, &[broken]), 1);
        assert_eq!(world.resonite.hub().flood_session_updates(user, 120), 1);
    }

    let seen = debug_line(&mut skipping_events, "flood done").await;
    assert!(
        seen.iter()
            .all(|e| matches!(e, HubEvent::Debug(line) if line == "flood start")),
        "{seen:?}"
    );
    assert_eq!(skipping.stats().skipped_session_updates, 121);

    let seen = debug_line(&mut parsing_events, "flood done").await;
    let sessions = seen
        .iter()
        .filter(|e| matches!(e, HubEvent::SessionUpdate(s) if s.session_id.as_str().starts_with("S-flood-")))
        .count();
    assert_eq!(sessions, 120);
    assert!(matches!(seen[0], HubEvent::Malformed(_)), "{:?}", seen[0]);
    assert_eq!(parsing.stats().skipped_session_updates, 0);

    // ListenOnKey: the key's updates reach the listener.
    parsing.listen_on_key("key-1").await.unwrap();
    let mut session = world.resonite.sample_session("U-bob", "S-keyed", "Keyed");
    session["broadcastKey"] = json!("key-1");
    assert_eq!(world.resonite.hub().publish_session(&session), 1);
    let update = next(&mut parsing_events, |e| match e {
        HubEvent::SessionUpdate(s) => Some(s),
        _ => None,
    })
    .await;
    assert_eq!(update.session_id, "S-keyed");
}

#[tokio::test]
async fn a_dropped_socket_reconnects_and_replays_every_subscription() {
    let world = world().await;
    let (alice, mut events) = connect(&world, &world.alice).await;
    let (bob, _bob_events) = connect(&world, &world.bob).await;
    alice.initialize_status().await.unwrap();
    alice.request_status(None, false).await.unwrap();
    alice
        .listen_on_contact(&UserId::new("U-carol"))
        .await
        .unwrap();
    alice.listen_on_key("key-7").await.unwrap();
    let hub = world.resonite.hub();
    hub.clear_invocations();

    assert_eq!(hub.drop_connections("U-alice"), 1);
    let dropped = next(&mut events, |e| match e {
        HubEvent::Disconnected(err) => Some(err),
        _ => None,
    })
    .await;
    assert_eq!(dropped.kind(), &ErrorKind::Transport);
    let attempt = next(&mut events, |e| match e {
        HubEvent::Reconnected { attempt } => Some(attempt),
        _ => None,
    })
    .await;
    assert!(attempt >= 1);
    let contacts = next(&mut events, |e| match e {
        HubEvent::ContactsRefreshed(c) => Some(c),
        _ => None,
    })
    .await;
    assert_eq!(contacts.len(), 1);

    let replayed: Vec<_> = hub
        .invocations()
        .into_iter()
        .filter(|i| i.user_id == "U-alice")
        .map(|i| (i.target, i.arguments))
        .collect();
    assert_eq!(
        replayed,
        vec![
            ("InitializeStatus".to_owned(), vec![]),
            ("RequestStatus".to_owned(), vec![json!(null), json!(false)]),
            ("ListenOnContact".to_owned(), vec![json!("U-carol")]),
            ("ListenOnKey".to_owned(), vec![json!("key-7")]),
        ]
    );
    assert_eq!(alice.stats().reconnects, 1);
    assert_eq!(alice.state(), ConnectionState::Connected);
    assert_eq!(hub.connections("U-alice"), 1);

    // The replayed subscriptions work: bob's status reaches alice again.
    let online = UserStatus {
        online_status: Some(OnlineStatus::Sociable),
        ..UserStatus::default()
    };
    bob.broadcast_status(&online, &BroadcastTarget::all_contacts())
        .await
        .unwrap();
    // (The replayed RequestStatus answered first with bob's earlier status.)
    let update = next(&mut events, |e| match e {
        HubEvent::StatusUpdate(s) if s.online_status == Some(OnlineStatus::Sociable) => Some(s),
        _ => None,
    })
    .await;
    assert_eq!(update.user_id.as_ref().unwrap(), "U-bob");
    // And calls go through.
    alice
        .send_text_message(&UserId::new("U-bob"), "back")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_close_that_allows_reconnecting_reconnects() {
    let world = world().await;
    let (alice, mut events) = connect(&world, &world.alice).await;
    world
        .resonite
        .hub()
        .close_connections("U-alice", Some("Server is restarting"), Some(true));
    let reason = next(&mut events, |e| match e {
        HubEvent::Disconnected(err) => Some(err),
        _ => None,
    })
    .await;
    assert_eq!(reason.message(), Some("Server is restarting"));
    next(&mut events, |e| {
        matches!(e, HubEvent::Reconnected { .. }).then_some(())
    })
    .await;
    alice.listen_on_key("k").await.unwrap();
}

#[tokio::test]
async fn a_close_without_reconnect_stops_the_client() {
    let world = world().await;
    let (alice, mut events) = connect(&world, &world.alice).await;
    world
        .resonite
        .hub()
        .close_connections("U-alice", Some("Unauthorized"), Some(false));
    let closed = next(&mut events, |e| match e {
        HubEvent::Closed(err) => Some(err),
        _ => None,
    })
    .await;
    assert_eq!(closed.unwrap().kind(), &ErrorKind::Unauthorized);
    assert!(events.recv().await.is_none(), "no events after Closed");
    assert_eq!(alice.state(), ConnectionState::Closed);
    let err = alice.listen_on_key("k").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport);
    assert!(err.message().unwrap().contains("closed"), "{err}");
    assert_eq!(world.resonite.hub().handshakes(), 1, "no reconnect");
}

#[tokio::test]
async fn a_silent_server_is_detected_and_left() {
    let world = world().await;
    world.resonite.hub().set_pinging(false);
    let (alice, mut events) = common::fast_hub()
        .server_timeout(Duration::from_millis(300))
        .connect(&world.client, &world.alice)
        .await
        .unwrap();
    let reason = next(&mut events, |e| match e {
        HubEvent::Disconnected(err) => Some(err),
        _ => None,
    })
    .await;
    assert_eq!(reason.kind(), &ErrorKind::Transport);
    assert!(reason.message().unwrap().contains("silent"), "{reason}");
    // With pings back on, the reconnected client stays.
    world.resonite.hub().set_pinging(true);
    world
        .resonite
        .hub()
        .set_ping_interval(Duration::from_millis(50));
    next(&mut events, |e| {
        matches!(e, HubEvent::Reconnected { .. }).then_some(())
    })
    .await;
    alice.listen_on_key("k").await.unwrap();
}

#[tokio::test]
async fn the_client_pings_and_the_server_keeps_it() {
    let world = world().await;
    // The server drops a client silent for 500 ms; the client pings every 50 ms.
    world
        .resonite
        .hub()
        .set_client_timeout(Duration::from_millis(500));
    let (alice, _events) = common::fast_hub()
        .ping_interval(Duration::from_millis(50))
        .connect(&world.client, &world.alice)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(world.resonite.hub().connections("U-alice"), 1);
    assert_eq!(alice.stats().reconnects, 0);
}

#[tokio::test]
async fn calls_while_disconnected_wait_for_the_reconnect_or_fail_clearly() {
    let world = world().await;
    // Reconnecting takes 2 s here; a call waits at most 50 ms.
    let (alice, mut events) = common::fast_hub()
        .reconnect(ReconnectPolicy::new(vec![Duration::from_secs(2)], None))
        .reconnect_wait(Duration::from_millis(50))
        .connect(&world.client, &world.alice)
        .await
        .unwrap();
    world.resonite.hub().drop_connections("U-alice");
    next(&mut events, |e| {
        matches!(e, HubEvent::Disconnected(_)).then_some(())
    })
    .await;
    let err = alice.listen_on_key("k").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport);
    assert!(
        err.message().unwrap().contains("did not reconnect"),
        "{err}"
    );
    assert_eq!(alice.state(), ConnectionState::Reconnecting);

    // With a quick reconnect, a call made meanwhile waits and goes through.
    let (bob, mut bob_events) = common::fast_hub()
        .reconnect(ReconnectPolicy::new(vec![Duration::from_millis(200)], None))
        .connect(&world.client, &world.bob)
        .await
        .unwrap();
    world.resonite.hub().drop_connections("U-bob");
    next(&mut bob_events, |e| {
        matches!(e, HubEvent::Disconnected(_)).then_some(())
    })
    .await;
    bob.listen_on_key("waited").await.unwrap();
    let invocations = world.resonite.hub().invocations();
    assert!(
        invocations
            .iter()
            .any(|i| i.target == "ListenOnKey" && i.arguments == [json!("waited")])
    );
}

#[tokio::test]
async fn records_split_across_frames_and_malformed_frames() {
    let world = world().await;
    let (alice, mut events) = connect(&world, &world.alice).await;
    let hub = world.resonite.hub();
    hub.send_raw_frames(
        "U-alice",
        &[
            "{\"type\":1,\"target\":\"DEBUG\",\"argu",
            "ments\":[\"split\"]}\u{1e}{\"type\":6}\u{1e}",
        ],
    );
    let before = debug_line(&mut events, "split").await;
    assert!(before.is_empty(), "{before:?}");

    hub.send_raw_frames(
        "U-alice",
        &[
            "not json\u{1e}",
            "{\"type\":1}\u{1e}",
            "{\"type\":1,\"target\":\"ReceiveMessage\",\"arguments\":[5]}\u{1e}",
            "{\"type\":99}\u{1e}",
            "{\"type\":3}\u{1e}",
            "{\"type\":1,\"target\":\"SendStatusToUser\",\"arguments\":[{\"a\":1}]}\u{1e}",
            "{\"type\":1,\"target\":\"Debug\",\"arguments\":[\"after\"]}\u{1e}",
        ],
    );
    let seen = debug_line(&mut events, "after").await;
    let malformed = seen
        .iter()
        .filter(|e| matches!(e, HubEvent::Malformed(_)))
        .count();
    // A type the client does not know (99) is ignored, as the protocol says (§0.1).
    assert_eq!(malformed, 4, "{seen:?}");
    for event in &seen {
        if let HubEvent::Malformed(err) = event {
            assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err}");
        }
    }
    assert!(seen.iter().any(|e| matches!(
        e,
        HubEvent::Unknown { target, arguments } if target == "SendStatusToUser" && arguments == &json!([{"a": 1}])
    )));
    assert_eq!(alice.state(), ConnectionState::Connected);
    alice.listen_on_key("still works").await.unwrap();
}

#[tokio::test]
async fn refused_tokens_and_bad_urls() {
    let world = world().await;
    let mut revoked = world.alice.clone();
    revoked = revoked.with_access_token(omniauth_types::AccessToken::new("not-a-token"));
    let err = HubClient::connect(&world.client, &revoked)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);

    // A token revoked while connected: the reconnect is refused and the client stops.
    let (_alice, mut events) = connect(&world, &world.alice).await;
    world.resonite.revoke_all("U-alice");
    world.resonite.hub().drop_connections("U-alice");
    let closed = next(&mut events, |e| match e {
        HubEvent::Closed(err) => Some(err),
        _ => None,
    })
    .await;
    assert_eq!(closed.unwrap().kind(), &ErrorKind::Unauthorized);

    let remote = Client::builder()
        .base_url("http://example.com")
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let err = HubClient::connect(&remote, &world.bob).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
}

#[tokio::test]
async fn events_are_a_stream_and_close_ends_it() {
    let world = world().await;
    let (alice, mut events) = connect(&world, &world.alice).await;
    world
        .resonite
        .hub()
        .send_event("U-alice", "Debug", &json!(["via stream"]));
    let first = tokio::time::timeout(WAIT, events.next())
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(first, HubEvent::Debug(ref line) if line == "via stream"));
    alice.close();
    let rest: Vec<HubEvent> = tokio::time::timeout(WAIT, events.collect()).await.unwrap();
    assert!(
        matches!(rest.last(), Some(HubEvent::Closed(None))),
        "{rest:?}"
    );
    assert_eq!(alice.state(), ConnectionState::Closed);
    assert!(format!("{alice:?}").contains("U-alice"));
    assert!(!format!("{alice:?}").contains(world.alice.access_token().expose_secret_for_test()));
}

trait ExposeForTest {
    fn expose_secret_for_test(&self) -> &str;
}

impl ExposeForTest for omniauth_types::AccessToken {
    fn expose_secret_for_test(&self) -> &str {
        use omniauth_types::ExposeSecret as _;
        self.expose_secret()
    }
}

#[test]
fn message_ids_and_handles_are_what_they_claim() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<HubClient>();
    assert!(MessageId::new("MSG-1").has_expected_prefix());
}

#[tokio::test]
async fn wss_builds_its_tls_config_with_the_one_provider() {
    // A TCP listener that never speaks TLS: the client gets as far as the TLS handshake
    // (its rustls config built with aws-lc-rs, no panic) and times out cleanly.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accept = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
        drop(socket);
    });
    let world = world().await;
    let client = Client::new(format!("https://127.0.0.1:{port}")).unwrap();
    let err = HubBuilder::default()
        .handshake_timeout(Duration::from_millis(300))
        .connect(&client, &world.alice)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport, "{err}");
    accept.abort();
}
