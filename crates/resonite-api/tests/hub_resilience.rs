//! Hub resilience (issue 10): the emulator is restarted mid-conversation, several times.
//!
//! Bob keeps sending Alice messages through his hub connection, one every few
//! milliseconds, while the test restarts the emulator [`ROUNDS`] times. Each restart cuts
//! every connection at the socket and serves the same port again with the server's data
//! kept (`Resonite::stop` / `Resonite::resume`). While the server is down, one of Bob's
//! sends must fail; after it is back, Alice is held off (`503` on her upgrade) until Bob
//! had messages accepted, so that messages sent while she is disconnected are certain.
//!
//! What must hold: Alice reconnects after every restart and the server sees her
//! subscriptions on every new connection; every message the server stored for her (the
//! server's own record, not the client's) reaches her event stream exactly once and in
//! the order Bob sent it; every send that returned `Ok` is among them; every send that
//! failed failed with `Transport`, and none hung.
//!
//! The smaller tests pin the catch-up's edges (off, a failed request, a full answer) and
//! the bound of calls made while the connection reads none.
#![cfg(feature = "hub")]

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use omniauth_testkit::resonite::{Hub, Resonite};
use omniauth_testkit::{Fault, FaultRule};
use omniauth_types::{ErrorKind, Session};
use resonite_api::Client;
use resonite_api::hub::{
    CatchUpPolicy, HubBuilder, HubClient, HubEvent, HubEvents, ReconnectPolicy,
};
use resonite_api::model::UserId;
use serde_json::{Value, json};

/// How many times the emulator is restarted.
const ROUNDS: usize = 6;
/// A bound on every wait, so that a bug hangs nothing; never reached when things work.
const GUARD: Duration = Duration::from_secs(20);
/// The broadcast key Alice listens on.
const KEY: &str = "resilience-key";
const ALICE: &str = "U-alice";
const BOB: &str = "U-bob";

/// What one of Bob's sends ended in.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Ok,
    Failed(ErrorKind),
    Hung,
}

#[derive(Debug, Clone)]
struct Send {
    text: String,
    outcome: Outcome,
    /// How many hub connections Alice had on the server when the send returned.
    alice_connections: usize,
}

/// What Alice's event stream delivered, in order.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Message(String),
    Disconnected,
    Reconnected,
    Closed,
}

fn builder(reconnect_delay: Duration, reconnect_wait: Duration) -> HubBuilder {
    HubBuilder::default()
        .ping_interval(Duration::from_millis(100))
        .server_timeout(Duration::from_secs(10))
        .call_timeout(Duration::from_secs(1))
        .reconnect_wait(reconnect_wait)
        .reconnect(ReconnectPolicy::new(vec![reconnect_delay], None))
}

/// Polls `done` until it holds; panics with `what` past the guard.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let waited = tokio::time::timeout(GUARD, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "waited too long for: {what}");
}

/// Reads Alice's events into `seen` until they end.
fn collect(mut events: HubEvents, seen: Arc<Mutex<Vec<Seen>>>) {
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            let item = match event {
                HubEvent::ReceiveMessage(message) => Seen::Message(message.content),
                HubEvent::Disconnected(_) => Seen::Disconnected,
                HubEvent::Reconnected { .. } => Seen::Reconnected,
                HubEvent::Closed(_) => Seen::Closed,
                _ => continue,
            };
            seen.lock().unwrap().push(item);
        }
    });
}

/// Sends Bob's messages `m-00001`, `m-00002`, … one after the other until `stop`.
fn bob_talks(
    bob: HubClient,
    hub: Hub,
    stop: Arc<AtomicBool>,
    sends: Arc<Mutex<Vec<Send>>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let alice = UserId::new(ALICE);
        let mut index = 0_u32;
        while !stop.load(Ordering::Relaxed) {
            index += 1;
            let text = format!("m-{index:05}");
            let outcome =
                match tokio::time::timeout(GUARD, bob.send_text_message(&alice, &text)).await {
                    Ok(Ok(echo)) => {
                        assert_eq!(echo.content, text, "the echo is of this message");
                        Outcome::Ok
                    }
                    Ok(Err(err)) => Outcome::Failed(err.kind().clone()),
                    Err(_) => Outcome::Hung,
                };
            let alice_connections = hub.connections(ALICE);
            sends.lock().unwrap().push(Send {
                text,
                outcome,
                alice_connections,
            });
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
}

/// The server's view of Alice's one connection, once her subscriptions are all on it;
/// returns its number.
async fn replayed_on_a_new_connection(hub: &Hub, after: u64) -> u64 {
    let mut found = 0;
    until("Alice's subscriptions on a new connection", || {
        let views = hub.open_connections(ALICE);
        match views.as_slice() {
            [view]
                if view.connection > after
                    && view.initialized
                    && view.contacts == [BOB]
                    && view.keys == [KEY] =>
            {
                found = view.connection;
                true
            }
            _ => false,
        }
    })
    .await;
    found
}

struct World {
    resonite: Resonite,
    hub: Hub,
    client: Client,
    alice: Session,
    bob: Session,
}

async fn world() -> World {
    let resonite: Resonite = common::emulator().await;
    for name in ["alice", "bob"] {
        resonite.add_account(name, &format!("{name}@example.com"), common::PASSWORD);
    }
    resonite.add_contact(ALICE, BOB, "Accepted");
    resonite.add_contact(BOB, ALICE, "Accepted");
    let hub = resonite.hub().clone();
    // The server pings often, so a slow machine never looks like a silent server.
    hub.set_ping_interval(Duration::from_millis(200));
    let client = common::client(&resonite);
    let alice = common::signed_in(&client, "alice").await;
    let bob = common::signed_in(&client, "bob").await;
    World {
        resonite,
        hub,
        client,
        alice,
        bob,
    }
}

/// The texts of the messages in `seen`, in order.
fn texts(seen: &Mutex<Vec<Seen>>) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .filter_map(|s| match s {
            Seen::Message(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// Drops Alice's connection and keeps her out while Bob sends `away`; then lets her back
/// and waits until her client counted reconnect number `reconnects`.
async fn away_while_bob_sends(
    world: &World,
    alice: &HubClient,
    bob: &HubClient,
    away: &[&str],
    reconnects: u64,
) {
    world.hub.set_upgrades_refused(ALICE, true);
    world.hub.drop_connections(ALICE);
    until("Alice's connection gone", || {
        world.hub.connections(ALICE) == 0
    })
    .await;
    for text in away {
        bob.send_text_message(&UserId::new(ALICE), text)
            .await
            .expect("Bob's send while Alice is away");
    }
    world.hub.set_upgrades_refused(ALICE, false);
    until("Alice back", || alice.stats().reconnects == reconnects).await;
}

/// Bob sends `text` and waits until Alice has it.
async fn live(bob: &HubClient, seen: &Mutex<Vec<Seen>>, text: &str) {
    bob.send_text_message(&UserId::new(ALICE), text)
        .await
        .expect("Bob's live send");
    until("a live message at Alice", || {
        texts(seen).iter().any(|t| t == text)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_mid_conversation_lose_no_accepted_message() {
    let world = world().await;
    // Alice reconnects quickly once let in; Bob too, and his calls give up on a server
    // that stays down for more than 300 ms. Alice's catch-up looks 1 s back (not 10 s),
    // so that its answers stay well under the server's 100 whatever the machine's speed.
    let (alice, bob, seen) = pair(
        &world,
        builder(Duration::from_millis(30), Duration::from_secs(3))
            .catch_up(CatchUpPolicy::default().overlap(Duration::from_secs(1))),
        builder(Duration::from_millis(20), Duration::from_millis(300)),
    )
    .await;

    alice.initialize_status().await.expect("InitializeStatus");
    alice
        .request_status(None, false)
        .await
        .expect("RequestStatus");
    alice
        .listen_on_contact(&UserId::new(BOB))
        .await
        .expect("ListenOnContact");
    alice.listen_on_key(KEY).await.expect("ListenOnKey");
    let first = replayed_on_a_new_connection(&world.hub, 0).await;
    world.resonite.server().requests().clear();

    let (sends, alice_connections) = converse_through_restarts(&world, &alice, &bob, first).await;
    // A last message with everything up: once Alice has it, everything before it that was
    // going to reach her has (one connection delivers in order).
    let the_end = bob
        .send_text_message(&UserId::new(ALICE), "the end")
        .await
        .expect("a send with everything up");
    until("the last message at Alice", || {
        texts(&seen).contains(&the_end.content)
    })
    .await;
    let seen = seen.lock().unwrap().clone();

    // No send hung; every failure is a transport failure.
    for send in &sends {
        match &send.outcome {
            Outcome::Ok => {}
            Outcome::Failed(kind) => assert_eq!(kind, &ErrorKind::Transport, "{send:?}"),
            Outcome::Hung => panic!("a send hung: {send:?}"),
        }
    }
    let failed = sends.iter().filter(|s| s.outcome != Outcome::Ok).count();
    assert!(failed >= ROUNDS, "a failed send in every downtime");

    // Alice reconnected after each restart, and the server saw her subscriptions on each
    // of her connections.
    assert_eq!(alice.stats().reconnects, ROUNDS as u64);
    let count_seen = |wanted: &Seen| seen.iter().filter(|s| *s == wanted).count();
    assert_eq!(count_seen(&Seen::Disconnected), ROUNDS);
    assert_eq!(count_seen(&Seen::Reconnected), ROUNDS);
    assert_eq!(count_seen(&Seen::Closed), 0);
    assert_eq!(alice_connections.len(), ROUNDS + 1);
    check_replays(&world.hub, &alice_connections);

    check_messages(&world, &alice, &sends, &seen);
}

/// Bob talks while the emulator restarts [`ROUNDS`] times; returns his sends and the
/// numbers of Alice's connections (the first one is `first`).
async fn converse_through_restarts(
    world: &World,
    alice: &HubClient,
    bob: &HubClient,
    first: u64,
) -> (Vec<Send>, Vec<u64>) {
    let (resonite, hub) = (&world.resonite, &world.hub);
    let stop = Arc::new(AtomicBool::new(false));
    let sends = Arc::new(Mutex::new(Vec::<Send>::new()));
    let talker = bob_talks(bob.clone(), hub.clone(), stop.clone(), sends.clone());
    let count =
        |pick: &dyn Fn(&Send) -> bool| sends.lock().unwrap().iter().filter(|s| pick(s)).count();
    let ok = |s: &Send| s.outcome == Outcome::Ok;
    let failed = |s: &Send| s.outcome != Outcome::Ok;
    let ok_while_away = |s: &Send| s.outcome == Outcome::Ok && s.alice_connections == 0;
    let mut connections = vec![first];

    for round in 1..=ROUNDS {
        // Messages while both are connected.
        let before = count(&ok);
        until("two live messages", || count(&ok) >= before + 2).await;

        // Down: a send now cannot go through.
        resonite.stop().await;
        let before = count(&failed);
        until("a send failing while the server is down", || {
            count(&failed) > before
        })
        .await;

        // Up again, with Alice held off until Bob had messages accepted without her.
        hub.set_upgrades_refused(ALICE, true);
        resonite.resume().expect("the same port is served again");
        let before = count(&ok_while_away);
        until("messages accepted while Alice is disconnected", || {
            count(&ok_while_away) >= before + 2
        })
        .await;
        hub.set_upgrades_refused(ALICE, false);

        let previous = *connections.last().unwrap_or(&0);
        connections.push(replayed_on_a_new_connection(hub, previous).await);
        until("Alice's client counting the reconnect", || {
            alice.stats().reconnects == round as u64
        })
        .await;
    }

    until("a live message after the last restart", || {
        let sends = sends.lock().unwrap();
        sends
            .last()
            .is_some_and(|s| s.outcome == Outcome::Ok && s.alice_connections == 1)
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    talker.await.expect("Bob's sender ends");
    let sends = sends.lock().unwrap().clone();
    (sends, connections)
}

/// The server saw every subscription on every one of Alice's connections.
fn check_replays(hub: &Hub, connections: &[u64]) {
    let invocations = hub.invocations();
    for number in connections {
        let on_it: Vec<(&str, &[Value])> = invocations
            .iter()
            .filter(|i| i.connection == *number)
            .map(|i| (i.target.as_str(), i.arguments.as_slice()))
            .collect();
        for wanted in [
            ("InitializeStatus", vec![]),
            ("RequestStatus", vec![Value::Null, json!(false)]),
            ("ListenOnContact", vec![json!(BOB)]),
            ("ListenOnKey", vec![json!(KEY)]),
        ] {
            assert!(
                on_it
                    .iter()
                    .any(|(target, args)| *target == wanted.0 && *args == wanted.1.as_slice()),
                "connection {number} lacks {wanted:?}: {on_it:?}"
            );
        }
    }
}

/// Every message the server stored for Alice reached her once, in the order Bob sent it,
/// and every echoed send is among them.
fn check_messages(world: &World, alice: &HubClient, sends: &[Send], seen: &[Seen]) {
    // What the server accepted for Alice, from its own store, in the order Bob sent it.
    let stored: Vec<String> = world
        .resonite
        .messages(ALICE)
        .iter()
        .filter(|m| m["senderId"] == BOB)
        .filter_map(|m| m["content"].as_str().map(str::to_owned))
        .collect();
    for send in sends.iter().filter(|s| s.outcome == Outcome::Ok) {
        assert!(
            stored.contains(&send.text),
            "an echoed send not stored: {send:?}"
        );
    }
    let received: Vec<&str> = seen
        .iter()
        .filter_map(|s| match s {
            Seen::Message(text) => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let by_text: HashMap<&str, &Send> = sends.iter().map(|s| (s.text.as_str(), s)).collect();
    let missing: Vec<&String> = stored
        .iter()
        .filter(|text| !received.contains(&text.as_str()))
        .collect();
    let missing_while_away = missing
        .iter()
        .filter(|text| {
            by_text
                .get(text.as_str())
                .is_some_and(|s| s.alice_connections == 0)
        })
        .count();
    assert!(
        missing.is_empty(),
        "{} accepted messages never reached Alice ({missing_while_away} sent while she was \
         disconnected): {missing:?}",
        missing.len()
    );
    let mut once = received.clone();
    once.sort_unstable();
    once.dedup();
    assert_eq!(once.len(), received.len(), "a message reached Alice twice");
    assert_eq!(
        received.len(),
        stored.len(),
        "Alice got only what was accepted"
    );
    assert_eq!(received, stored, "in the order Bob sent them");

    // The cost: one history request per reconnect, none otherwise.
    let history = format!("/users/{ALICE}/messages");
    assert_eq!(
        world.resonite.server().requests().to_path(&history).len(),
        ROUNDS
    );
    let stats = alice.stats();
    assert_eq!(stats.catch_up_failures, 0);
    assert_eq!(stats.catch_up_truncated, 0);
    let away = sends
        .iter()
        .filter(|s| s.outcome == Outcome::Ok && s.alice_connections == 0)
        .count();
    assert!(
        stats.caught_up_messages >= away as u64,
        "what was sent while Alice was away came by catch-up: {stats:?}"
    );

    let failed = sends.iter().filter(|s| s.outcome != Outcome::Ok).count();
    let stored_failures = sends
        .iter()
        .filter(|s| s.outcome != Outcome::Ok && stored.contains(&s.text))
        .count();
    eprintln!(
        "{ROUNDS} restarts: {} sends, {} ok ({away} while Alice was disconnected), {failed} \
         failed ({stored_failures} of them stored by the server), {} messages at Alice \
         ({} by catch-up, {} duplicates dropped)",
        sends.len(),
        sends.len() - failed,
        received.len(),
        stats.caught_up_messages,
        stats.duplicate_messages,
    );
}

/// Connects Alice and Bob with their builders; Alice's events are collected, Bob's drained
/// (his echoes), so that his connection never waits on them.
async fn pair(
    world: &World,
    alice: HubBuilder,
    bob: HubBuilder,
) -> (HubClient, HubClient, Arc<Mutex<Vec<Seen>>>) {
    let (alice, alice_events) = alice
        .connect(&world.client, &world.alice)
        .await
        .expect("Alice connects");
    let (bob, mut bob_events) = bob
        .connect(&world.client, &world.bob)
        .await
        .expect("Bob connects");
    tokio::spawn(async move { while bob_events.recv().await.is_some() {} });
    let seen = Arc::new(Mutex::new(Vec::new()));
    collect(alice_events, seen.clone());
    (alice, bob, seen)
}

/// Alice with `catch_up` and Bob with the defaults of the smaller tests.
async fn default_pair(
    world: &World,
    catch_up: CatchUpPolicy,
) -> (HubClient, HubClient, Arc<Mutex<Vec<Seen>>>) {
    let quick = || builder(Duration::from_millis(20), Duration::from_secs(3));
    pair(world, quick().catch_up(catch_up), quick()).await
}

#[tokio::test]
async fn with_catch_up_off_missed_messages_stay_in_the_history_only() {
    let world = world().await;
    let (alice, bob, seen) = default_pair(&world, CatchUpPolicy::disabled()).await;
    world.hub.set_upgrades_refused(ALICE, true);
    world.resonite.restart().await.expect("restart");
    until("Bob back", || world.hub.connections(BOB) == 1).await;
    for text in ["away-1", "away-2"] {
        bob.send_text_message(&UserId::new(ALICE), text)
            .await
            .expect("Bob's send while Alice is away");
    }
    world.hub.set_upgrades_refused(ALICE, false);
    until("Alice back", || alice.stats().reconnects == 1).await;
    live(&bob, &seen, "back").await;

    assert_eq!(texts(&seen), ["back"]);
    assert_eq!(alice.stats().caught_up_messages, 0);
    let history = format!("/users/{ALICE}/messages");
    assert!(
        world
            .resonite
            .server()
            .requests()
            .to_path(&history)
            .is_empty(),
        "no request"
    );
    let stored: Vec<Value> = world.resonite.messages(ALICE);
    assert_eq!(stored.len(), 3, "the server has them all");
}

#[tokio::test]
async fn a_failed_catch_up_is_tried_again_from_the_same_point() {
    let world = world().await;
    let (alice, bob, seen) = default_pair(&world, CatchUpPolicy::default()).await;
    live(&bob, &seen, "before").await;

    // The first catch-up gets a 500: the messages sent meanwhile do not come yet.
    let history = format!("/users/{ALICE}/messages");
    world
        .resonite
        .server()
        .faults()
        .inject(FaultRule::new(history.clone(), Fault::status(500)).times(1));
    away_while_bob_sends(&world, &alice, &bob, &["away-1", "away-2"], 1).await;
    live(&bob, &seen, "live").await;
    assert_eq!(texts(&seen), ["before", "live"]);
    assert_eq!(alice.stats().catch_up_failures, 1);

    // The next one starts from before the failed one: it brings both windows, and what
    // came live meanwhile is not delivered again.
    away_while_bob_sends(&world, &alice, &bob, &["away-3"], 2).await;
    live(&bob, &seen, "after").await;
    assert_eq!(
        texts(&seen),
        ["before", "live", "away-1", "away-2", "away-3", "after"]
    );
    let stats = alice.stats();
    assert_eq!(stats.caught_up_messages, 3);
    assert!(
        stats.duplicate_messages >= 1,
        "\"live\" came again and was dropped: {stats:?}"
    );
    assert_eq!(
        world.resonite.server().requests().to_path(&history).len(),
        2
    );
}

#[tokio::test]
async fn a_full_catch_up_answer_is_counted() {
    let world = world().await;
    let (alice, bob, seen) = default_pair(&world, CatchUpPolicy::default().max_items(2)).await;
    away_while_bob_sends(&world, &alice, &bob, &["away-1", "away-2", "away-3"], 1).await;
    live(&bob, &seen, "back").await;

    // The server answers the newest two and cannot be paged further back: the oldest
    // missed message stays in the history only, and the client says so.
    assert_eq!(texts(&seen), ["away-2", "away-3", "back"]);
    let stats = alice.stats();
    assert_eq!(stats.catch_up_truncated, 1);
    assert_eq!(stats.caught_up_messages, 2);
}

#[tokio::test]
async fn calls_made_while_the_connection_is_busy_keep_their_bound() {
    let world = world().await;
    let (alice, _events) = builder(Duration::from_millis(20), Duration::from_millis(100))
        .call_timeout(Duration::from_millis(200))
        .connect(&world.client, &world.alice)
        .await
        .expect("Alice connects");
    // The catch-up after the next reconnect waits 3 s for its answer: meanwhile the
    // connection is up but reads no call.
    let history = format!("/users/{ALICE}/messages");
    world
        .resonite
        .server()
        .faults()
        .inject(FaultRule::new(history.clone(), Fault::Delay(Duration::from_secs(3))).times(1));
    world.hub.drop_connections(ALICE);
    until("the catch-up request at the server", || {
        world.resonite.server().requests().to_path(&history).len() == 1
    })
    .await;

    // More calls than the connection queues: each fails within its own bound (200 ms +
    // 100 ms), none waits for the catch-up, and none reaches the server late.
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let alice = alice.clone();
            tokio::spawn(async move {
                alice
                    .invoke_raw("RequestStatus", vec![Value::Null, json!(false)])
                    .await
            })
        })
        .collect();
    for call in calls {
        let result = call.await.expect("the call task ends");
        let err = result.expect_err("no answer while the connection is busy");
        assert_eq!(err.kind(), &ErrorKind::Transport, "{err}");
    }
    assert_eq!(
        world.resonite.server().requests().to_path(&history).len(),
        1,
        "still the one catch-up"
    );
    // Once the catch-up is done, calls go through again; the hundred given up on were
    // never sent.
    let mut attempts = 0;
    tokio::time::timeout(GUARD, async {
        loop {
            attempts += 1;
            match alice
                .invoke_raw("RequestStatus", vec![Value::Null, json!(false)])
                .await
            {
                Ok(_) => return,
                Err(err) => assert_eq!(err.kind(), &ErrorKind::Transport, "{err}"),
            }
        }
    })
    .await
    .expect("a call goes through after the catch-up");
    let sent = world
        .hub
        .invocations()
        .iter()
        .filter(|i| i.user_id == ALICE && i.target == "RequestStatus")
        .count();
    assert!(
        sent <= attempts,
        "{sent} sent for {attempts} attempts after the hundred"
    );
}
