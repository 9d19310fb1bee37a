//! The hub's state: live connections (with what each subscribed to), statuses, the log of
//! invocations, and the switches tests flip.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;

use crate::resonite::state::ResoniteState;

/// What the hub pushes to one connection.
#[derive(Debug)]
pub(crate) enum Out {
    /// One text frame, sent as is.
    Frame(String),
    /// A close message (`type 7`) then the socket's close.
    Close {
        error: Option<String>,
        allow_reconnect: Option<bool>,
    },
    /// Drop the TCP connection, no close of any kind.
    Abort,
}

/// One live connection.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) user_id: String,
    pub(crate) out: mpsc::UnboundedSender<Out>,
    /// `InitializeStatus` was called: the contacts' status changes come here.
    pub(crate) initialized: bool,
    pub(crate) contacts: HashSet<String>,
    pub(crate) keys: HashSet<String>,
}

/// One open connection as the server sees it (from
/// [`Hub::open_connections`](super::Hub::open_connections)): what it subscribed to lives
/// on the server per connection, and a new connection starts with nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubConnection {
    /// Which connection (numbered from 1 in order of connection, across restarts).
    pub connection: u64,
    /// Whose.
    pub user_id: String,
    /// Whether `InitializeStatus` was called on it.
    pub initialized: bool,
    /// The users it called `ListenOnContact` for, sorted.
    pub contacts: Vec<String>,
    /// The keys it called `ListenOnKey` for, sorted.
    pub keys: Vec<String>,
}

/// One invocation the hub received, for tests.
#[derive(Debug, Clone, PartialEq)]
pub struct HubInvocation {
    /// Which connection (numbered from 1 in order of connection).
    pub connection: u64,
    /// The caller.
    pub user_id: String,
    /// The target, as sent.
    pub target: String,
    /// The arguments, as sent.
    pub arguments: Vec<Value>,
    /// The invocation id, when one was sent.
    pub invocation_id: Option<String>,
}

#[derive(Debug)]
pub(crate) struct HubState {
    pub(crate) resonite: Arc<ResoniteState>,
    pub(crate) conns: Mutex<HashMap<u64, Conn>>,
    pub(crate) next_conn: AtomicU64,
    pub(crate) statuses: Mutex<HashMap<String, Value>>,
    pub(crate) invocations: Mutex<Vec<HubInvocation>>,
    pub(crate) pinging: AtomicBool,
    pub(crate) ping_interval_ms: AtomicU64,
    pub(crate) client_timeout_ms: AtomicU64,
    pub(crate) handshakes: AtomicU64,
    /// Users whose upgrades are answered `503` for now.
    pub(crate) refused: Mutex<HashSet<String>>,
    /// Negotiated connections not yet opened, by the id the WebSocket must carry.
    pub(crate) negotiated: Mutex<HashMap<String, Negotiated>>,
    /// The pause before each item of a stream, so a test can cancel one midway.
    pub(crate) stream_item_delay_ms: AtomicU64,
    /// Completions clients sent (answers to client-result invocations), in order.
    pub(crate) client_completions: Mutex<Vec<Value>>,
    /// How many Close messages clients sent.
    pub(crate) client_closes: AtomicU64,
    /// How many streams a client's `CancelInvocation` ended.
    pub(crate) stream_cancels: AtomicU64,
    /// Completions go out without their `result` (a test switch).
    pub(crate) omit_results: AtomicBool,
}

/// A connection that `POST /hub/negotiate` created and no WebSocket has taken yet.
#[derive(Debug)]
pub(crate) struct Negotiated {
    /// Who negotiated it: only they may open it.
    pub(crate) user_id: String,
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl HubState {
    pub(crate) fn new(resonite: Arc<ResoniteState>) -> Self {
        Self {
            resonite,
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            statuses: Mutex::new(HashMap::new()),
            invocations: Mutex::new(Vec::new()),
            pinging: AtomicBool::new(true),
            ping_interval_ms: AtomicU64::new(15_000),
            client_timeout_ms: AtomicU64::new(30_000),
            handshakes: AtomicU64::new(0),
            refused: Mutex::new(HashSet::new()),
            negotiated: Mutex::new(HashMap::new()),
            stream_item_delay_ms: AtomicU64::new(0),
            client_completions: Mutex::new(Vec::new()),
            client_closes: AtomicU64::new(0),
            stream_cancels: AtomicU64::new(0),
            omit_results: AtomicBool::new(false),
        }
    }

    pub(crate) fn ping_interval(&self) -> Duration {
        Duration::from_millis(self.ping_interval_ms.load(Ordering::Relaxed).max(1))
    }

    pub(crate) fn client_timeout(&self) -> Duration {
        Duration::from_millis(self.client_timeout_ms.load(Ordering::Relaxed).max(1))
    }

    pub(crate) fn stream_item_delay(&self) -> Duration {
        Duration::from_millis(self.stream_item_delay_ms.load(Ordering::Relaxed))
    }

    /// Sends one record (a JSON value, the separator added) to one connection.
    pub(crate) fn send_one(&self, conn: u64, record: &Value) -> bool {
        let mut text = record.to_string();
        text.push('\u{1e}');
        lock(&self.conns)
            .get(&conn)
            .is_some_and(|c| c.out.send(Out::Frame(text)).is_ok())
    }

    /// Sends `out` to every connection `pick` selects; returns how many.
    pub(crate) fn push(&self, pick: impl Fn(&Conn) -> bool, out: impl Fn() -> Out) -> usize {
        lock(&self.conns)
            .values()
            .filter(|conn| pick(conn))
            .filter(|conn| conn.out.send(out()).is_ok())
            .count()
    }

    /// Sends an invocation of `target` to every connection `pick` selects.
    pub(crate) fn invoke(
        &self,
        pick: impl Fn(&Conn) -> bool,
        target: &str,
        arguments: &Value,
    ) -> usize {
        let frame = invocation_frame(target, arguments);
        self.push(pick, || Out::Frame(frame.clone()))
    }

    /// Sends an invocation of `target` to one connection.
    pub(crate) fn invoke_one(&self, conn: u64, target: &str, arguments: &Value) -> bool {
        let frame = invocation_frame(target, arguments);
        lock(&self.conns)
            .get(&conn)
            .is_some_and(|c| c.out.send(Out::Frame(frame)).is_ok())
    }

    /// The accepted contacts of `user` (ids).
    pub(crate) fn accepted_contacts(&self, user: &str) -> Vec<String> {
        self.resonite
            .lock()
            .contacts
            .get(user)
            .into_iter()
            .flatten()
            .filter(|c| {
                c.json
                    .get("contactStatus")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case("Accepted"))
            })
            .filter_map(|c| c.json.get("id").and_then(Value::as_str).map(str::to_owned))
            .collect()
    }
}

/// An invocation record (`type 1`, no id) with its separator.
pub(crate) fn invocation_frame(target: &str, arguments: &Value) -> String {
    let mut text =
        serde_json::json!({"type": 1, "target": target, "arguments": arguments}).to_string();
    text.push('\u{1e}');
    text
}
