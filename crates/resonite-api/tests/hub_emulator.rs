//! The hub emulator as a stock ASP.NET Core hub (spec §0.1), spoken to with a bare
//! WebSocket, record by record, so that every answer is seen as it is on the wire.
#![cfg(feature = "hub")]

mod common;

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use omniauth_testkit::resonite::Resonite;
use omniauth_types::{Session, reqwest};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const WAIT: Duration = Duration::from_secs(5);
const RS: char = '\u{1e}';

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct World {
    resonite: Resonite,
    alice: Session,
    carol: Session,
}

async fn world() -> World {
    let resonite = common::emulator().await;
    common::add_accounts(&resonite, &["alice", "bob", "carol"]);
    resonite.add_contact("U-alice", "U-bob", "Accepted");
    resonite.add_contact("U-bob", "U-alice", "Accepted");
    let client = common::client(&resonite);
    let alice = common::signed_in(&client, "alice").await;
    let carol = common::signed_in(&client, "carol").await;
    World {
        resonite,
        alice,
        carol,
    }
}

fn auth(session: &Session) -> (http::HeaderName, http::HeaderValue) {
    session.auth_header().expect("a session has an auth header")
}

fn ws_url(resonite: &Resonite, query: &str) -> String {
    let base = resonite.base_url().to_string().replacen("http", "ws", 1);
    format!("{}/hub{query}", base.trim_end_matches('/'))
}

/// Opens the WebSocket (`query` appended to `/hub`), without the SignalR handshake.
async fn upgrade(
    resonite: &Resonite,
    session: Option<&Session>,
    query: &str,
) -> Result<Socket, tungstenite::Error> {
    let mut request = ws_url(resonite, query).into_client_request().unwrap();
    if let Some(session) = session {
        let (name, value) = auth(session);
        request.headers_mut().insert(name, value);
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

async fn send(socket: &mut Socket, value: &Value) {
    socket
        .send(Message::text(format!("{value}{RS}")))
        .await
        .expect("the record is sent");
}

/// The next record, `None` when the socket ended (a close frame or an error).
async fn next_record(socket: &mut Socket, buffer: &mut String) -> Option<Value> {
    loop {
        if let Some(end) = buffer.find(RS) {
            let record: String = buffer.drain(..=end).collect();
            return Some(serde_json::from_str(record.trim_end_matches(RS)).unwrap());
        }
        let next = tokio::time::timeout(WAIT, socket.next())
            .await
            .unwrap_or_else(|_| panic!("no record within {WAIT:?}"));
        match next {
            Some(Ok(Message::Text(text))) => buffer.push_str(text.as_str()),
            Some(Ok(Message::Close(_)) | Err(_)) | None => return None,
            Some(Ok(_)) => {}
        }
    }
}

/// A connection past the handshake, reading records.
struct Conn {
    socket: Socket,
    buffer: String,
}

impl Conn {
    async fn open(resonite: &Resonite, session: &Session, query: &str, version: i64) -> Self {
        let mut socket = upgrade(resonite, Some(session), query)
            .await
            .expect("the upgrade succeeds");
        send(
            &mut socket,
            &json!({"protocol": "json", "version": version}),
        )
        .await;
        let mut buffer = String::new();
        let answer = next_record(&mut socket, &mut buffer).await;
        assert_eq!(
            answer,
            Some(json!({})),
            "the handshake of version {version}"
        );
        Self { socket, buffer }
    }

    async fn send(&mut self, value: Value) {
        send(&mut self.socket, &value).await;
    }

    async fn next(&mut self) -> Option<Value> {
        next_record(&mut self.socket, &mut self.buffer).await
    }

    /// The next record other than a ping.
    async fn next_non_ping(&mut self) -> Option<Value> {
        loop {
            let record = self.next().await?;
            if record["type"] != 6 {
                return Some(record);
            }
        }
    }

    /// The first record `pick` accepts, skipping the others.
    async fn wait_for(&mut self, pick: impl Fn(&Value) -> bool) -> Value {
        loop {
            let record = self.next().await.expect("the connection stays open");
            if pick(&record) {
                return record;
            }
        }
    }

    /// The completion of `id`, skipping other records.
    async fn completion(&mut self, id: &str) -> Value {
        self.wait_for(|r| r["type"] == 3 && r["invocationId"] == id)
            .await
    }

    /// Proves the connection still serves calls.
    async fn still_served(&mut self) {
        self.send(json!({"type": 1, "target": "ListenOnKey", "arguments": ["k"], "invocationId": "alive"}))
            .await;
        let done = self.completion("alive").await;
        assert!(done.get("error").is_none(), "{done}");
    }
}

async fn negotiate(resonite: &Resonite, session: Option<&Session>, query: &str) -> (u16, String) {
    let base = resonite.base_url().to_string();
    let url = format!("{}/hub/negotiate{query}", base.trim_end_matches('/'));
    let mut request = reqwest::Client::new().post(url);
    if let Some(session) = session {
        let (name, value) = auth(session);
        request = request.header(name, value);
    }
    let answer = request.send().await.expect("negotiate answers");
    let status = answer.status().as_u16();
    (status, answer.text().await.unwrap())
}

fn status_of(err: &tungstenite::Error) -> Option<u16> {
    match err {
        tungstenite::Error::Http(answer) => Some(answer.status().as_u16()),
        _ => None,
    }
}

#[tokio::test]
async fn negotiate_version_1_hands_out_a_token_good_for_one_websocket_of_its_user() {
    let world = world().await;
    let (status, _) = negotiate(&world.resonite, None, "?negotiateVersion=1").await;
    assert_eq!(status, 403, "negotiate needs the Authorization header");

    let (status, body) =
        negotiate(&world.resonite, Some(&world.alice), "?negotiateVersion=1").await;
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["negotiateVersion"], 1);
    assert_eq!(
        answer["availableTransports"],
        json!([{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}])
    );
    let id = answer["connectionId"].as_str().unwrap();
    let token = answer["connectionToken"].as_str().unwrap().to_owned();
    assert_ne!(id, token, "version 1 separates the token from the id");

    // The WebSocket needs Authorization too, and the token, not the id.
    let without_auth = upgrade(&world.resonite, None, &format!("?id={token}")).await;
    assert_eq!(status_of(&without_auth.unwrap_err()), Some(403));
    let by_id = upgrade(&world.resonite, Some(&world.alice), &format!("?id={id}")).await;
    assert_eq!(status_of(&by_id.unwrap_err()), Some(404));
    let other_user = upgrade(&world.resonite, Some(&world.carol), &format!("?id={token}")).await;
    assert_eq!(status_of(&other_user.unwrap_err()), Some(404));
    let mut conn = Conn::open(&world.resonite, &world.alice, &format!("?id={token}"), 1).await;
    conn.still_served().await;
    let again = upgrade(&world.resonite, Some(&world.alice), &format!("?id={token}")).await;
    assert_eq!(
        status_of(&again.unwrap_err()),
        Some(404),
        "a token opens one connection"
    );
    let unknown = upgrade(&world.resonite, Some(&world.alice), "?id=nope").await;
    assert_eq!(status_of(&unknown.unwrap_err()), Some(404));
}

#[tokio::test]
async fn negotiate_version_0_answers_without_a_token_and_the_id_opens_the_socket() {
    let world = world().await;
    for query in ["", "?negotiateVersion=0"] {
        let (status, body) = negotiate(&world.resonite, Some(&world.alice), query).await;
        assert_eq!(status, 200);
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer["negotiateVersion"], 0, "{query}");
        assert!(answer.get("connectionToken").is_none(), "{answer}");
        let id = answer["connectionId"].as_str().unwrap();
        let mut conn = Conn::open(&world.resonite, &world.alice, &format!("?id={id}"), 1).await;
        conn.still_served().await;
    }
    // A newer client is answered with the server's highest version.
    let (_, body) = negotiate(&world.resonite, Some(&world.alice), "?negotiateVersion=7").await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["negotiateVersion"],
        1
    );
    let (_, body) = negotiate(&world.resonite, Some(&world.alice), "?negotiateVersion=x").await;
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("invalid protocol version")
    );
}

#[tokio::test]
async fn handshake_versions_0_to_2_are_accepted_and_3_is_not() {
    let world = world().await;
    for version in 0..=2 {
        let mut conn = Conn::open(&world.resonite, &world.alice, "", version).await;
        conn.still_served().await;
    }
    let mut socket = upgrade(&world.resonite, Some(&world.alice), "")
        .await
        .unwrap();
    send(&mut socket, &json!({"protocol": "json", "version": 3})).await;
    let answer = next_record(&mut socket, &mut String::new()).await.unwrap();
    assert!(
        answer["error"].as_str().unwrap().contains("version 3"),
        "{answer}"
    );
}

#[tokio::test]
async fn initialize_contacts_streams_each_contact_then_completes() {
    let world = world().await;
    world.resonite.add_contact("U-alice", "U-carol", "Accepted");
    let mut conn = Conn::open(&world.resonite, &world.alice, "", 1).await;
    conn.send(
        json!({"type": 4, "target": "InitializeContacts", "arguments": [], "invocationId": "s1"}),
    )
    .await;
    let mut items = Vec::new();
    let done = loop {
        let record = conn.next_non_ping().await.expect("the stream goes on");
        assert_eq!(record["invocationId"], "s1", "{record}");
        if record["type"] == 2 {
            items.push(record["item"]["id"].as_str().unwrap().to_owned());
        } else {
            break record;
        }
    };
    assert_eq!(done, json!({"type": 3, "invocationId": "s1"}));
    items.sort();
    assert_eq!(items, ["U-bob", "U-carol"]);

    // The two kinds of call are not interchangeable, as ASP.NET says.
    conn.send(
        json!({"type": 1, "target": "InitializeContacts", "arguments": [], "invocationId": "x"}),
    )
    .await;
    let error = conn.completion("x").await["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.contains("streaming 'InitializeContacts' method with a non-streaming"),
        "{error}"
    );
    conn.send(
        json!({"type": 4, "target": "InitializeStatus", "arguments": [], "invocationId": "y"}),
    )
    .await;
    let error = conn.completion("y").await["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.contains("non-streaming 'InitializeStatus' method with a streaming"),
        "{error}"
    );
    conn.send(json!({"type": 4, "target": "Nope", "arguments": [], "invocationId": "z"}))
        .await;
    assert_eq!(
        conn.completion("z").await["error"],
        "Unknown hub method 'Nope'"
    );
}

#[tokio::test]
async fn a_cancelled_stream_ends_with_a_bare_completion() {
    let world = world().await;
    common::add_friends(&world.resonite, "U-alice", 20);
    world
        .resonite
        .hub()
        .set_stream_item_delay(Duration::from_millis(100));
    let mut conn = Conn::open(&world.resonite, &world.alice, "", 1).await;
    conn.send(
        json!({"type": 4, "target": "InitializeContacts", "arguments": [], "invocationId": "s"}),
    )
    .await;
    let first = conn.next_non_ping().await.unwrap();
    assert_eq!(first["type"], 2, "{first}");
    conn.send(json!({"type": 5, "invocationId": "s"})).await;
    let mut items = 1;
    let done = loop {
        let record = conn.next_non_ping().await.unwrap();
        if record["type"] == 2 {
            items += 1;
        } else {
            break record;
        }
    };
    assert_eq!(done, json!({"type": 3, "invocationId": "s"}));
    assert!(items < 21, "the stream stopped early: {items} items");
    conn.still_served().await;
}

#[tokio::test]
async fn client_messages_the_server_does_not_expect_are_ignored_and_close_ends_cleanly() {
    let world = world().await;
    let mut conn = Conn::open(&world.resonite, &world.alice, "", 1).await;
    for record in [
        json!({"type": 3, "invocationId": "9", "result": 1}),
        json!({"type": 2, "invocationId": "9", "item": 1}),
        json!({"type": 8, "sequenceId": 1}),
        json!({"type": 9, "sequenceId": 1}),
        json!({"type": 42, "what": "from a newer protocol"}),
        json!({"type": 5, "invocationId": "never-started"}),
        json!({"type": 6}),
    ] {
        conn.send(record).await;
    }
    conn.still_served().await;
    assert_eq!(world.resonite.hub().connections("U-alice"), 1);

    conn.send(json!({"type": 7})).await;
    assert_eq!(
        conn.next_non_ping().await,
        Some(json!({"type": 7})),
        "a close without an error"
    );
    // Then the close frame, and the stream ends without an error.
    let end = tokio::time::timeout(WAIT, conn.socket.next())
        .await
        .unwrap();
    assert!(matches!(end, Some(Ok(Message::Close(_))) | None), "{end:?}");
    tokio::time::timeout(WAIT, async {
        while world.resonite.hub().connections("U-alice") > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the server forgets the connection");
}

#[tokio::test]
async fn a_client_close_frame_is_answered_with_a_close_frame() {
    let world = world().await;
    let mut conn = Conn::open(&world.resonite, &world.alice, "", 1).await;
    conn.socket
        .close(None)
        .await
        .expect("the close frame is sent");
    // tungstenite yields the peer's close frame, then ends; an unanswered close would be
    // a reset without a closing handshake.
    let answer = tokio::time::timeout(WAIT, async {
        loop {
            match conn.socket.next().await {
                Some(Ok(Message::Close(_))) | None => return Ok(()),
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(err.to_string()),
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(answer, Ok(()));
}

#[tokio::test]
async fn only_signalr_messages_keep_a_client_alive_and_a_timeout_says_so() {
    let world = world().await;
    let hub = world.resonite.hub();
    hub.set_client_timeout(Duration::from_millis(800));
    hub.set_pinging(false);
    // SignalR pings every 100 ms: alive well past the timeout.
    let mut pinger = Conn::open(&world.resonite, &world.alice, "", 1).await;
    // WebSocket pings every 100 ms: dropped after the timeout, with a close message.
    let mut quiet = Conn::open(&world.resonite, &world.carol, "", 1).await;
    let quiet_task = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_millis(100));
        loop {
            ticks.tick().await;
            if quiet
                .socket
                .send(Message::Ping(vec![1].into()))
                .await
                .is_err()
            {
                return None;
            }
            let next = tokio::time::timeout(Duration::from_millis(50), quiet.next()).await;
            if let Ok(record) = next {
                return record;
            }
        }
    });
    for _ in 0..20 {
        pinger.send(json!({"type": 6})).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pinger.still_served().await;
    let close = tokio::time::timeout(WAIT, quiet_task)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        close,
        Some(
            json!({"type": 7, "error": "Connection closed with an error.", "allowReconnect": true})
        )
    );
}

#[tokio::test]
async fn wrong_target_or_argument_types_get_an_error_completion() {
    let world = world().await;
    let mut conn = Conn::open(&world.resonite, &world.alice, "", 1).await;
    let calls = [
        json!({"type": 1, "target": 5, "arguments": [], "invocationId": "t"}),
        json!({"type": 1, "target": "ListenOnKey", "arguments": {"key": "k"}, "invocationId": "a"}),
        json!({"type": 1, "target": "RequestStatus", "arguments": [null, "no"], "invocationId": "r"}),
        json!({"type": 1, "target": "ListenOnContact", "arguments": [7], "invocationId": "c"}),
        json!({"type": 1, "target": "BroadcastStatus", "arguments": [{}, {"group": 1, "targetIds": [3]}], "invocationId": "b"}),
    ];
    for call in calls {
        let id = call["invocationId"].as_str().unwrap().to_owned();
        conn.send(call.clone()).await;
        let done = conn.completion(&id).await;
        let error = done["error"].as_str().unwrap_or_default();
        assert!(error.starts_with("Failed to invoke '"), "{call} → {done}");
    }
    conn.still_served().await;
}

#[tokio::test]
async fn a_synthesized_offline_status_carries_string_fields() {
    let world = world().await;
    let mut conn = Conn::open(&world.resonite, &world.alice, "", 1).await;
    conn.send(
        json!({"type": 1, "target": "InitializeStatus", "arguments": [], "invocationId": "i"}),
    )
    .await;
    let done = conn.completion("i").await;
    let status = &done["result"]["contacts"][0]["userStatus"];
    assert_eq!(status["onlineStatus"], "Offline");
    assert!(
        status["userSessionId"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{status}"
    );
    assert!(status["appVersion"].is_string(), "{status}");
}

#[tokio::test]
async fn update_contact_pushes_contact_added_or_updated_to_both_sides() {
    let world = world().await;
    let mut alice = Conn::open(&world.resonite, &world.alice, "", 1).await;
    let mut carol = Conn::open(&world.resonite, &world.carol, "", 1).await;
    alice
        .send(json!({"type": 1, "target": "UpdateContact", "invocationId": "u",
            "arguments": [{"id": "U-carol", "contactUsername": "carol", "contactStatus": "Accepted"}]}))
        .await;
    let pushed = alice
        .wait_for(|r| r["type"] == 1 && r["target"] == "ContactAddedOrUpdated")
        .await;
    assert_eq!(pushed["arguments"][0]["id"], "U-carol");
    assert_eq!(pushed["arguments"][0]["contactStatus"], "Accepted");
    let theirs = carol
        .wait_for(|r| r["type"] == 1 && r["target"] == "ContactAddedOrUpdated")
        .await;
    assert_eq!(theirs["arguments"][0]["id"], "U-alice");
    assert_eq!(theirs["arguments"][0]["contactStatus"], "Requested");
}
