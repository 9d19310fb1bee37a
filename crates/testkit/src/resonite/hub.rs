//! Emulator of the Resonite SignalR hub at `/hub` (spec §2): a stock ASP.NET Core hub
//! speaking the JSON hub protocol over a direct WebSocket, authorized with the REST
//! emulator's own user sessions.
//!
//! # Reproduced from the spec
//!
//! - The upgrade needs `Authorization: res <userId>:<token>` of a live token (`UID` is
//!   optional); without it: `403`, empty body, no upgrade. Negotiating first is optional
//!   (§2.1, §0.1): `POST /hub/negotiate` (same `Authorization`, `403` without) answers as
//!   ASP.NET Core does (version 0: the id alone; 1: a separate `connectionToken`), and the WebSocket then carries `?id=<token>`;
//!   without `?id=` the upgrade opens a connection directly (a client that skips negotiate).
//! - Records are JSON followed by `0x1E`, buffered across frames; text and binary frames
//!   are both read. The handshake `{"protocol":"json","version":0|1|2}` is answered `{}`
//!   (§0.1: ASP.NET accepts 0–2); another protocol or version gets `{"error": …}` and the
//!   socket closes.
//! - Pings `{"type":6}` every 15 s; a client that sent no SignalR message (pings
//!   included, WebSocket ping frames not) for 30 s gets
//!   `{"type":7,"error":"Connection closed with an error.","allowReconnect":true}` and
//!   a close frame (ASP.NET defaults, §0.1).
//! - A client Close (type 7) ends the connection normally: the server answers `{"type":7}`
//!   and a close frame. A client's close frame is answered with a close frame. A client
//!   `Completion`, `StreamItem`, `Ack`, `Sequence` or a type the server does not know is
//!   ignored (§0.1).
//! - Stream invocations (type 4): `InitializeContacts` yields each contact (with its
//!   `userStatus`) as a `StreamItem`, then a `Completion`; a `CancelInvocation` (type 5)
//!   ends the stream with a bare `Completion`. A non-stream method invoked as a stream (or
//!   the reverse) gets ASP.NET's error `Completion`.
//! - An invocation whose `target` is not a string or whose `arguments` is not an array gets
//!   an error `Completion` (when it has an id), the connection stays.
//! - `UpdateContact` pushes `ContactAddedOrUpdated(contact)` to the caller's connections,
//!   and to the other user's when they got a new `Requested` entry (§0.1).
//! - Functions (target names ignoring case): `InitializeStatus` → `{contacts: [contact +
//!   userStatus]}`; `RequestStatus(userId|null, invisible)` → `ReceiveStatusUpdate`s;
//!   `BroadcastStatus(status, {group, targetIds})`; `ListenOnContact(userId)`;
//!   `ListenOnKey(key)`; `SendMessage(message)` → `MessageSent` echo to the sender's
//!   connections (with `lastUpdateTime: "0001-01-01T00:00:00"`) and `ReceiveMessage` to the
//!   recipient's; `MarkMessagesRead({senderId, ids, readTime})` → `MessagesRead` to the
//!   sender; `UpdateContact(contact)` → `true`; `BroadcastSession`, `BroadcastSessionEnded`.
//! - `ReceiveSessionUpdate` floods any connection, subscribed or not ([`Hub::flood_session_updates`]).
//! - Completions carry `result` or `error`; invocations without an id get none.
//! - Messages sent over the hub land in the REST mailboxes (`GET /users/{me}/messages`).
//!
//! # Assumptions (not in the spec)
//!
//! - Error texts are ASP.NET Core's: `Unknown hub method '<target>'`; arguments of the
//!   wrong number or shape: `Failed to invoke '<target>' due to an error on the server.`;
//!   handshake: `The protocol '<p>' is not supported.`, `The server does not support
//!   version <v> of the 'json' protocol.`, `An unexpected error occurred during connection
//!   handshake.`. A record that is not a JSON object (after the handshake) closes the
//!   connection with `{"type":7,"error":"Connection closed with an error."}`.
//! - Who gets a `ReceiveStatusUpdate` when a user's status changes: connections of users
//!   who have that user as an `Accepted` contact *and* called `InitializeStatus` on that
//!   connection, plus connections that called `ListenOnContact(user)`; group 2 narrows it
//!   to `targetIds`, other groups are treated as "all contacts". An `Invisible` status is
//!   shown to others as `Offline` with no sessions. A user who never broadcast is
//!   `Offline`. `RequestStatus(null, _)` answers with every accepted contact's status,
//!   `RequestStatus(id, _)` with that user's; `invisible` is ignored.
//! - `SendMessage` needs an `id`, a known `recipientId`, and a `senderId` that is the caller
//!   (or none); the contact relation is not checked. A message with an id already stored
//!   replaces it.
//! - `MarkMessagesRead` marks only messages from `senderId` to the caller, in both
//!   mailboxes, and tells the sender only when something was marked.
//! - `UpdateContact` with `Accepted` (or another status) stores the entry, `Ignored` or
//!   `None` removes it; the other user gets a `Requested` entry when they had none. The
//!   result is `false` for an unknown user.
//! - `BroadcastSession`/`BroadcastSessionEnded` accept anything and do nothing.
//! - `InitializeContacts` streams the same contacts `InitializeStatus` returns, in the
//!   same order, and marks the connection initialized as `InitializeStatus` does.
//! - A negotiated connection id is good for one WebSocket of the user who negotiated it:
//!   an unknown or another user's id gets `404` `No Connection with that ID` (ASP.NET's
//!   text), a used one the same, as the server forgets it once opened.
//! - A synthesized `Offline` status (a user who never broadcast) carries a fresh
//!   `userSessionId` and an empty `appVersion`, strings as the real one (§0.1).
//! - `ReceiveSessionUpdate` for a `ListenOnKey` key goes to the listeners
//!   ([`Hub::publish_session`]); floods go to every connection of a user.
//! - A restart ([`Resonite::restart`](super::Resonite::restart)) forgets every connection
//!   and what it subscribed to; statuses stay. Messages sent while a user has no
//!   connection are stored (REST history) but pushed nowhere, as the hub pushes only to
//!   live connections.

mod connection;
mod functions;
mod state;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};

pub use state::{HubConnection, HubInvocation};

use super::state::ResoniteState;
use state::{HubState, Negotiated, Out, invocation_frame, lock};

/// The hub's control surface (from [`Resonite::hub`](super::Resonite::hub)).
#[derive(Debug, Clone)]
pub struct Hub {
    state: Arc<HubState>,
}

impl Hub {
    pub(crate) fn new(resonite: Arc<ResoniteState>) -> Self {
        Self {
            state: Arc::new(HubState::new(resonite)),
        }
    }

    /// The `/hub` route.
    pub(crate) fn router(&self) -> Router {
        Router::new()
            .route("/hub", get(upgrade))
            .route("/hub/negotiate", post(negotiate))
            .with_state(self.state.clone())
    }

    /// How often the server pings new connections (default 15 s).
    pub fn set_ping_interval(&self, interval: Duration) {
        let ms = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX);
        self.state.ping_interval_ms.store(ms, Ordering::Relaxed);
    }

    /// How long a client may stay silent before new connections drop it (default 30 s).
    pub fn set_client_timeout(&self, timeout: Duration) {
        let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self.state.client_timeout_ms.store(ms, Ordering::Relaxed);
    }

    /// While `refused`, `user_id`'s upgrades are answered `503`, empty body (a server not
    /// ready for them yet), so a test decides when that user's client gets back in; other
    /// users connect as usual. Open connections are left alone.
    pub fn set_upgrades_refused(&self, user_id: &str, refused: bool) {
        let mut set = lock(&self.state.refused);
        if refused {
            set.insert(user_id.to_owned());
        } else {
            set.remove(user_id);
        }
    }

    /// How long the server waits before each item of a stream (default none), so that a
    /// test can cancel a stream midway.
    pub fn set_stream_item_delay(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.state.stream_item_delay_ms.store(ms, Ordering::Relaxed);
    }

    /// While `omitted`, completions of functions that return something go out without
    /// their `result` (as a faulty server might), so a test sees what a client makes of it.
    pub fn set_results_omitted(&self, omitted: bool) {
        self.state.omit_results.store(omitted, Ordering::Relaxed);
    }

    /// Invokes `target(arguments…)` with `invocation_id` on every connection of `user_id`:
    /// a client-result invocation (ASP.NET Core 7+), which a client must answer with a
    /// completion ([`Hub::client_completions`]). Returns how many connections got it.
    pub fn invoke_client(
        &self,
        user_id: &str,
        invocation_id: &str,
        target: &str,
        arguments: &Value,
    ) -> usize {
        let record = json!({
            "type": 1,
            "invocationId": invocation_id,
            "target": target,
            "arguments": arguments
        });
        let mut text = record.to_string();
        text.push('\u{1e}');
        self.state
            .push(|c| c.user_id == user_id, || Out::Frame(text.clone()))
    }

    /// The completions clients sent (their answers to [`Hub::invoke_client`]), in order.
    pub fn client_completions(&self) -> Vec<Value> {
        lock(&self.state.client_completions).clone()
    }

    /// How many Close messages (type 7) clients sent since the start.
    pub fn client_closes(&self) -> u64 {
        self.state.client_closes.load(Ordering::Relaxed)
    }

    /// How many running streams a client's `CancelInvocation` ended since the start.
    pub fn stream_cancels(&self) -> u64 {
        self.state.stream_cancels.load(Ordering::Relaxed)
    }

    /// Stops (or resumes) the server's pings, on every connection.
    pub fn set_pinging(&self, pinging: bool) {
        self.state.pinging.store(pinging, Ordering::Relaxed);
    }

    /// How many connections of `user_id` are open (handshake done).
    pub fn connections(&self, user_id: &str) -> usize {
        lock(&self.state.conns)
            .values()
            .filter(|c| c.user_id == user_id)
            .count()
    }

    /// The open connections of `user_id` (handshake done) and what each subscribed to,
    /// as the server holds them, oldest first.
    pub fn open_connections(&self, user_id: &str) -> Vec<HubConnection> {
        let mut list: Vec<HubConnection> = lock(&self.state.conns)
            .iter()
            .filter(|(_, c)| c.user_id == user_id)
            .map(|(id, c)| {
                let mut contacts: Vec<String> = c.contacts.iter().cloned().collect();
                let mut keys: Vec<String> = c.keys.iter().cloned().collect();
                contacts.sort();
                keys.sort();
                HubConnection {
                    connection: *id,
                    user_id: c.user_id.clone(),
                    initialized: c.initialized,
                    contacts,
                    keys,
                }
            })
            .collect();
        list.sort_by_key(|c| c.connection);
        list
    }

    /// Forgets every connection, as a restarted server has none: their tasks see their
    /// queue close and end. Statuses and the invocation log stay.
    pub(crate) fn forget_connections(&self) {
        let conns: Vec<_> = lock(&self.state.conns).drain().collect();
        for (_, conn) in conns {
            let _ = conn.out.send(Out::Abort);
        }
    }

    /// How many handshakes succeeded since the start.
    pub fn handshakes(&self) -> u64 {
        self.state.handshakes.load(Ordering::Relaxed)
    }

    /// Every invocation received, in order.
    pub fn invocations(&self) -> Vec<HubInvocation> {
        lock(&self.state.invocations).clone()
    }

    /// Forgets the invocations received.
    pub fn clear_invocations(&self) {
        lock(&self.state.invocations).clear();
    }

    /// Drops every connection of `user_id` without a close message or a WebSocket close
    /// (a network failure). Returns how many.
    pub fn drop_connections(&self, user_id: &str) -> usize {
        self.state.push(|c| c.user_id == user_id, || Out::Abort)
    }

    /// Sends a close message (`{"type":7, "error"?, "allowReconnect"?}`) to every
    /// connection of `user_id`, then closes them. Returns how many.
    pub fn close_connections(
        &self,
        user_id: &str,
        error: Option<&str>,
        allow_reconnect: Option<bool>,
    ) -> usize {
        self.state.push(
            |c| c.user_id == user_id,
            || Out::Close {
                error: error.map(str::to_owned),
                allow_reconnect,
            },
        )
    }

    /// Sends raw text frames, exactly as given (no separator added), to every connection
    /// of `user_id`: split records, garbage. Returns how many connections got them.
    pub fn send_raw_frames(&self, user_id: &str, frames: &[&str]) -> usize {
        let conns = lock(&self.state.conns);
        let mut reached = 0;
        for conn in conns.values().filter(|c| c.user_id == user_id) {
            let ok = frames
                .iter()
                .all(|f| conn.out.send(Out::Frame((*f).to_owned())).is_ok());
            reached += usize::from(ok);
        }
        reached
    }

    /// Invokes `target(arguments…)` on every connection of `user_id` (an event the spec
    /// lists, or any other). Returns how many.
    pub fn send_event(&self, user_id: &str, target: &str, arguments: &Value) -> usize {
        self.state
            .invoke(|c| c.user_id == user_id, target, arguments)
    }

    /// Sends `Debug("flood start")`, `count` `ReceiveSessionUpdate`s of a realistic session
    /// (about 1.5 KB each), then `Debug("flood done")` to every connection of `user_id`.
    /// The records are built before the first is sent, so the markers time the delivery
    /// alone. Returns how many connections got it.
    pub fn flood_session_updates(&self, user_id: &str, count: usize) -> usize {
        let host = self.state.resonite.lock().accounts.first().cloned();
        let Some(host) = host else { return 0 };
        let now = self.state.resonite.now();
        let mut frames = Vec::with_capacity(count + 2);
        frames.push(invocation_frame("Debug", &json!(["flood start"])));
        for n in 0..count {
            let session =
                super::data::session(&host, &format!("S-flood-{n}"), "Flood <b>test</b>", now);
            frames.push(invocation_frame("ReceiveSessionUpdate", &json!([session])));
        }
        frames.push(invocation_frame("Debug", &json!(["flood done"])));
        let conns = lock(&self.state.conns);
        let mut reached = 0;
        for conn in conns.values().filter(|c| c.user_id == user_id) {
            let ok = frames
                .iter()
                .all(|frame| conn.out.send(Out::Frame(frame.clone())).is_ok());
            reached += usize::from(ok);
        }
        reached
    }

    /// Sends a `ReceiveSessionUpdate` of `session` to the connections listening on its
    /// `broadcastKey`. Returns how many.
    pub fn publish_session(&self, session: &Value) -> usize {
        let Some(key) = session.get("broadcastKey").and_then(Value::as_str) else {
            return 0;
        };
        self.state.invoke(
            |c| c.keys.contains(key),
            "ReceiveSessionUpdate",
            &json!([session]),
        )
    }

    /// Sets `user_id`'s status as if it broadcast it to all contacts, and delivers it.
    /// Returns how many connections got it.
    pub fn set_status(&self, user_id: &str, status: Value) -> usize {
        let mut status = status;
        status["userId"] = Value::String(user_id.to_owned());
        lock(&self.state.statuses).insert(user_id.to_owned(), status);
        functions::deliver_status(&self.state, user_id, None)
    }

    /// The status `user_id` last broadcast, as stored.
    pub fn status(&self, user_id: &str) -> Option<Value> {
        lock(&self.state.statuses).get(user_id).cloned()
    }
}

/// `POST /hub/negotiate?negotiateVersion=N`, as ASP.NET Core's `HttpConnectionDispatcher`
/// answers it with only WebSockets enabled: version 0 (or none) gets the connection id
/// alone, which the WebSocket then carries; 1 and above (capped at 1) adds a separate
/// `connectionToken`, which it carries instead. A version that is not a number gets
/// `{"error": …}` with status 200, as ASP.NET writes it.
pub(crate) async fn negotiate(
    State(hub): State<Arc<HubState>>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<Vec<(String, String)>>,
) -> Response {
    let Ok(user_id) = hub.resonite.authorize(&headers) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let asked = query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("negotiateVersion"))
        .map(|(_, v)| v.clone());
    let version = match asked.as_deref().map(str::parse::<i64>) {
        None => 0,
        Some(Ok(v)) => v.clamp(0, 1),
        Some(Err(_)) => {
            let error = format!(
                "The client requested an invalid protocol version '{}'",
                asked.unwrap_or_default()
            );
            return json_answer(&json!({ "error": error }));
        }
    };
    let connection_id = random_id();
    let mut answer = json!({
        "negotiateVersion": version,
        "connectionId": connection_id,
        "availableTransports": [
            {"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}
        ]
    });
    let id = if version >= 1 {
        let token = random_id();
        answer["connectionToken"] = Value::String(token.clone());
        token
    } else {
        connection_id
    };
    lock(&hub.negotiated).insert(id, Negotiated { user_id });
    json_answer(&answer)
}

fn json_answer(value: &Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// 16 random bytes, base64url without padding: the shape of ASP.NET's ids.
fn random_id() -> String {
    use base64::Engine as _;
    let bytes: [u8; 16] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn upgrade(
    State(hub): State<Arc<HubState>>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<Vec<(String, String)>>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let Ok(user_id) = hub.resonite.authorize(&headers) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    if lock(&hub.refused).contains(&user_id) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if let Some((_, id)) = query.iter().find(|(k, _)| k == "id") {
        let mut negotiated = lock(&hub.negotiated);
        let mine = negotiated.get(id).is_some_and(|n| n.user_id == user_id);
        if !mine {
            return (StatusCode::NOT_FOUND, "No Connection with that ID").into_response();
        }
        negotiated.remove(id);
    }
    match ws {
        Ok(ws) => ws.on_upgrade(move |socket| connection::run(socket, hub, user_id)),
        Err(rejection) => rejection.into_response(),
    }
}
