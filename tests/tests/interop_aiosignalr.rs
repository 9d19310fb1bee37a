//! Our hub client (`resonite-api`) against an independent SignalR server: `aiosignalr`'s, pinned
//! in `tests/interop/py/requirements.txt`, serving a small Resonite-like hub of ours
//! (`tests/interop/py/hub_aiosignalr.py`). Handshake, typed results and events, invoke and
//! error mapping, a client-result invocation answered, pings both ways, a restart with the
//! subscriptions replayed, and a server Close honoured with and without `allowReconnect`.

mod interop;

use std::time::{Duration, Instant};

use omniauth_testkit::resonite::Resonite;
use omniauth_types::{ErrorKind, Password};
use resonite_api::hub::{
    ConnectionState, HubBuilder, HubClient, HubEvent, HubEvents, ReconnectPolicy,
};
use resonite_api::model::{OnlineStatus, UserId};
use resonite_api::{Client, LoginIdentifier, LoginRequest};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(10);

/// Sends `command` to the hub script and returns its answer line.
async fn command(peer: &mut interop::Peer, command: &str) -> String {
    peer.answer(command);
    peer.next_line(WAIT)
        .await
        .unwrap_or_else(|| panic!("no answer to {command}"))
}

async fn event<T>(events: &mut HubEvents, mut pick: impl FnMut(HubEvent) -> Option<T>) -> T {
    tokio::time::timeout(WAIT, async {
        loop {
            let event = events.recv().await.expect("the events go on");
            if let Some(found) = pick(event) {
                return found;
            }
        }
    })
    .await
    .expect("the event arrives")
}

/// The REST emulator (for a real session), the hub script and our client connected to it;
/// `None` when the peer is missing outside CI.
async fn connected() -> Option<(Resonite, interop::Peer, HubClient, HubEvents)> {
    let dir = interop::root().join("tests/interop/py");
    let python = interop::peer_or_fail(&dir.join(".venv/bin/python"), "aiosignalr's venv")?;
    // A real session from the REST emulator: the hub script checks the `res` scheme.
    let resonite = Resonite::builder().rate_limit(None).start().await.unwrap();
    resonite.add_account("alice", "alice@example.com", "pw");
    let rest = Client::builder()
        .base_url(resonite.base_url())
        .no_rate_limit()
        .build()
        .unwrap();
    let login = LoginRequest::password(LoginIdentifier::guess("alice"), Password::new("pw"));
    let alice = rest.login(&login).await.unwrap().session;

    let mut peer = interop::Peer::start(&python, &["hub_aiosignalr.py"], &dir, &[]);
    let listening = peer.next_line(WAIT).await.expect("the hub script starts");
    let port = listening
        .strip_prefix("listening ")
        .expect("the port line")
        .to_owned();
    let hub_rest = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .no_rate_limit()
        .build()
        .unwrap();
    let (hub, events) = HubBuilder::default()
        .ping_interval(Duration::from_millis(200))
        .server_timeout(Duration::from_secs(4))
        .call_timeout(Duration::from_secs(5))
        .reconnect_wait(Duration::from_secs(8))
        .reconnect(ReconnectPolicy::new(
            vec![Duration::from_millis(100), Duration::from_millis(300)],
            Some(40),
        ))
        .connect(&hub_rest, &alice)
        .await
        .expect("the handshake with aiosignalr succeeds");

    Some((resonite, peer, hub, events))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_hub_client_works_against_aiosignalr() {
    let Some((_resonite, mut peer, hub, mut events)) = connected().await else {
        return;
    };
    // Typed results and events.
    let contacts = hub.initialize_status().await.unwrap();
    assert_eq!(contacts.len(), 1);
    let status = contacts[0].user_status.as_ref().expect("a status");
    assert_eq!(status.online_status, Some(OnlineStatus::Online));
    hub.listen_on_key("k1").await.unwrap();
    hub.request_status(None, false).await.unwrap();
    let pushed = event(&mut events, |e| match e {
        HubEvent::StatusUpdate(status) => Some(status),
        _ => None,
    })
    .await;
    assert_eq!(pushed.user_id, Some(UserId::new("U-bob")));
    assert_eq!(command(&mut peer, "push").await, "pushed");
    event(&mut events, |e| {
        matches!(e, HubEvent::Debug(line) if line == "pushed").then_some(())
    })
    .await;

    // Invoke and error mapping.
    let contact = contacts[0].clone();
    assert!(hub.update_contact(&contact).await.unwrap());
    let refused = hub
        .send_text_message(&UserId::new("U-bob"), "hi")
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), &ErrorKind::Unauthorized, "{refused}");
    let unknown = hub
        .invoke_raw("NoSuchMethod", Vec::new())
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), &ErrorKind::Unsupported, "{unknown}");

    // A client-result invocation is answered.
    let answer = command(&mut peer, "client-result").await;
    let answers: Value =
        serde_json::from_str(answer.strip_prefix("client-result ").unwrap()).unwrap();
    assert_eq!(
        answers,
        serde_json::json!([{"error": "Client didn't provide a result."}])
    );

    // Pings both ways: idle past the server's 5 s client timeout would be needed to see a
    // drop; 3 s of its 1 s pings and ours keep both sides content.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(hub.state(), ConnectionState::Connected);
    assert_eq!(hub.stats().reconnects, 0);

    // A restart: the client reconnects and replays its subscriptions.
    let _ = command(&mut peer, "invocations").await;
    assert_eq!(command(&mut peer, "restart").await, "restarted");
    event(&mut events, |e| {
        matches!(e, HubEvent::Reconnected { .. }).then_some(())
    })
    .await;
    event(&mut events, |e| {
        matches!(e, HubEvent::ContactsRefreshed(_)).then_some(())
    })
    .await;
    // The replayed calls reach the server one after another, some after `ContactsRefreshed`:
    // ask until all are there (bounded); the peer forgets what it listed each time.
    let asked = Instant::now();
    let mut replayed = String::new();
    while !(replayed.contains("InitializeStatus") && replayed.contains("ListenOnKey:k1"))
        && asked.elapsed() < Duration::from_secs(10)
    {
        replayed.push_str(&command(&mut peer, "invocations").await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(replayed.contains("InitializeStatus"), "{replayed}");
    assert!(replayed.contains("ListenOnKey:k1"), "{replayed}");

    // A Close that allows a reconnect, then one that does not.
    assert_eq!(command(&mut peer, "close true").await, "closed");
    event(&mut events, |e| {
        matches!(e, HubEvent::Reconnected { .. }).then_some(())
    })
    .await;
    assert_eq!(command(&mut peer, "close false").await, "closed");
    let reason = event(&mut events, |e| match e {
        HubEvent::Closed(reason) => Some(reason),
        _ => None,
    })
    .await;
    assert!(reason.is_some(), "a Close with an error ends with it");
    assert_eq!(hub.state(), ConnectionState::Closed);

    assert_eq!(command(&mut peer, "quit").await, "bye");
    peer.finish_passing(WAIT, "the aiosignalr run", &[]).await;
}
