//! The task that owns the socket: writes invocations and pings, reads records, correlates
//! completions, detects silence, and reconnects with backoff (then replays subscriptions).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::{SinkExt as _, StreamExt as _};
use omniauth_types::url::Url;
use omniauth_types::{Error, ErrorKind, Result, Session};
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::catch_up::CatchUp;
use super::config::HubConfig;
use super::connection::{Socket, open};
use super::error::{duplicate, map_hub_error, transport};
use super::events::HubEvent;
use super::framing::{FrameDecoder, encode_record};
use super::functions::decode_contacts;
use super::protocol::{
    CLOSE, Envelope, Incoming, PING, cancel_invocation_json, invocation_json,
    no_result_completion_json, read_record, stream_invocation_json,
};
use super::subscriptions::{Subscription, Subscriptions};
use crate::client::Client;
use crate::messages::MessageQuery;
use crate::model::Message;

/// The state of the connection, as the handle sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Connected, handshake done.
    Connected,
    /// Dropped; reconnecting with backoff.
    Reconnecting,
    /// Ended for good.
    Closed,
}

/// What a call's reply carries: the completion's raw result (`None` for fire-and-forget
/// sends and void results).
pub(crate) type Reply = Result<Option<Box<RawValue>>>;

/// One call for the driver to send.
pub(crate) struct Call {
    pub(crate) target: String,
    pub(crate) arguments: Vec<Value>,
    /// Whether to send an invocation id and wait for the completion.
    pub(crate) expects_completion: bool,
    /// Whether it is a stream invocation (type 4): the reply is the items, as a JSON list.
    pub(crate) stream: bool,
    pub(crate) subscription: Option<Subscription>,
    pub(crate) reply: oneshot::Sender<Reply>,
}

/// Counters shared with the handle.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) records: AtomicU64,
    pub(crate) events: AtomicU64,
    pub(crate) skipped_session_updates: AtomicU64,
    pub(crate) reconnects: AtomicU64,
}

/// `MessageSent` echoes awaited by `send_text_message`, by message id.
pub(crate) type EchoWaiters = Arc<Mutex<HashMap<String, oneshot::Sender<Message>>>>;

pub(crate) enum Pending {
    Caller(oneshot::Sender<Reply>),
    /// A stream: its items so far, answered as a list once it completes.
    Stream {
        sender: oneshot::Sender<Reply>,
        items: Vec<Box<RawValue>>,
    },
    ReplayedContacts,
    Ignored,
}

/// Why a connection ended.
enum End {
    Dropped(Error),
    ServerClose {
        error: Option<Error>,
        allow_reconnect: bool,
    },
    ClosedByUser,
}

pub(crate) struct Driver {
    pub(crate) config: HubConfig,
    pub(crate) url: Url,
    pub(crate) session: Session,
    pub(crate) commands: mpsc::Receiver<Call>,
    pub(crate) events: mpsc::Sender<HubEvent>,
    pub(crate) state: watch::Sender<ConnectionState>,
    pub(crate) close: Arc<Notify>,
    pub(crate) counters: Arc<Counters>,
    pub(crate) subscriptions: Arc<Mutex<Subscriptions>>,
    pub(crate) echoes: EchoWaiters,
    pub(crate) pending: HashMap<String, Pending>,
    pub(crate) next_id: u64,
    /// The REST client of the connect call, for the catch-up after reconnects.
    pub(crate) client: Client,
    pub(crate) catch_up: Arc<CatchUp>,
    /// When the current connection last delivered a frame (or opened).
    pub(crate) heard: Instant,
    /// Records that reading the server's records made necessary (answers to client-result
    /// invocations, cancels of abandoned streams), sent once the frame is read.
    pub(crate) outbox: Vec<String>,
}

impl Driver {
    /// Runs until the connection ends for good.
    pub(crate) async fn run(mut self, socket: Socket, decoder: FrameDecoder, early: Vec<String>) {
        let mut connection = Some((socket, decoder, early, None::<u32>));
        let final_error = loop {
            let Some((socket, decoder, early, reconnected)) = connection.take() else {
                break None;
            };
            self.state.send_replace(ConnectionState::Connected);
            let end = self.serve(socket, decoder, early, reconnected).await;
            let (reason, may_reconnect) = match end {
                End::ClosedByUser => (None, false),
                End::ServerClose {
                    error,
                    allow_reconnect,
                } => (
                    Some(error.unwrap_or_else(|| transport("the hub closed the connection"))),
                    allow_reconnect,
                ),
                End::Dropped(error) => (Some(error), true),
            };
            let lost = reason
                .as_ref()
                .map_or_else(|| transport("the hub connection was closed"), duplicate);
            self.fail_pending(&lost);
            let reason = match reason {
                Some(reason) if may_reconnect => reason,
                other => break other,
            };
            tracing::debug!(error = %reason, "hub connection dropped; reconnecting");
            self.catch_up.connection_lost(wall_clock(self.heard));
            self.state.send_replace(ConnectionState::Reconnecting);
            self.emit(HubEvent::Disconnected(duplicate(&reason))).await;
            match self.reconnect(reason).await {
                Ok((socket, decoder, early, attempt)) => {
                    self.counters.reconnects.fetch_add(1, Ordering::Relaxed);
                    connection = Some((socket, decoder, early, Some(attempt)));
                }
                Err(error) => break error,
            }
        };
        self.state.send_replace(ConnectionState::Closed);
        self.commands.close();
        let closed = final_error
            .as_ref()
            .map_or_else(|| transport("the hub connection is closed"), duplicate);
        while let Ok(call) = self.commands.try_recv() {
            let _ = call.reply.send(Err(duplicate(&closed)));
        }
        self.emit(HubEvent::Closed(final_error)).await;
    }

    /// Reconnects with backoff; `Err(None)` when closed meanwhile, `Err(Some)` when the
    /// policy gives up or the token is refused.
    async fn reconnect(
        &mut self,
        mut last: Error,
    ) -> std::result::Result<(Socket, FrameDecoder, Vec<String>, u32), Option<Error>> {
        let mut attempt = 0_u32;
        loop {
            attempt = attempt.saturating_add(1);
            if !self.config.reconnect.allows(attempt) {
                return Err(Some(last));
            }
            let delay = self.config.reconnect.delay(attempt);
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = self.close.notified() => return Err(None),
            }
            let opened = tokio::select! {
                opened = open(&self.url, &self.session, &self.config.user_agent, self.config.handshake_timeout) => opened,
                () = self.close.notified() => return Err(None),
            };
            match opened {
                Ok((socket, decoder, early)) => return Ok((socket, decoder, early, attempt)),
                Err(error) if error.kind() == &ErrorKind::Unauthorized => return Err(Some(error)),
                Err(error) => {
                    tracing::debug!(attempt, error = %error, "hub reconnect failed");
                    last = error;
                }
            }
        }
    }

    async fn serve(
        &mut self,
        mut socket: Socket,
        mut decoder: FrameDecoder,
        early: Vec<String>,
        reconnected: Option<u32>,
    ) -> End {
        // The connection just opened: what the server accepts from now on is pushed here.
        self.heard = Instant::now();
        if let Some(attempt) = reconnected {
            if let Err(error) = self.replay(&mut socket).await {
                return End::Dropped(error);
            }
            self.emit(HubEvent::Reconnected { attempt }).await;
            self.catch_up_messages().await;
        }
        for record in early {
            if let Some(end) = self.handle_record(&record).await {
                return end;
            }
        }
        if let Err(error) = self.flush_outbox(&mut socket).await {
            return End::Dropped(error);
        }
        let ping_every = self.config.ping_interval;
        let mut ping = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_heard = Instant::now();
        loop {
            let silence = tokio::time::sleep_until(last_heard + self.config.server_timeout);
            tokio::select! {
                biased;
                () = self.close.notified() => {
                    say_goodbye(&mut socket).await;
                    return End::ClosedByUser;
                }
                frame = socket.next() => {
                    last_heard = Instant::now();
                    // Only a frame counts for the catch-up, which starts from the last one.
                    if matches!(frame, Some(Ok(_))) {
                        self.heard = last_heard;
                    }
                    let message = match frame {
                        None => return End::Dropped(transport("the hub closed the connection")),
                        Some(Err(err)) => return End::Dropped(transport("the hub connection failed").with_source(err)),
                        Some(Ok(message @ (WsMessage::Text(_) | WsMessage::Binary(_)))) => message,
                        Some(Ok(WsMessage::Close(_))) => {
                            return End::Dropped(transport("the hub closed the socket without a close message"));
                        }
                        Some(Ok(_)) => continue,
                    };
                    // Records are read where they lie in the frame, never copied (but one
                    // that spans frames, put together in the decoder).
                    let records = match &message {
                        WsMessage::Binary(bytes) => decoder.records_from_bytes(bytes),
                        WsMessage::Text(text) => Ok(decoder.records(text.as_str())),
                        _ => continue,
                    };
                    match records {
                        Ok(records) => {
                            for record in records {
                                let end = match record {
                                    Ok(record) => self.handle_record(&record).await,
                                    Err(error) => {
                                        self.emit(HubEvent::Malformed(error)).await;
                                        None
                                    }
                                };
                                if let Some(end) = end {
                                    let _ = socket.close(None).await;
                                    return end;
                                }
                            }
                        }
                        Err(error) => self.emit(HubEvent::Malformed(error)).await,
                    }
                    if let Err(error) = self.flush_outbox(&mut socket).await {
                        return End::Dropped(error);
                    }
                }
                call = self.commands.recv() => {
                    let Some(call) = call else {
                        say_goodbye(&mut socket).await;
                        return End::ClosedByUser;
                    };
                    if let Err(error) = self.send_call(&mut socket, call).await {
                        return End::Dropped(error);
                    }
                }
                _ = ping.tick() => {
                    if let Err(err) = socket.send(WsMessage::text(encode_record(PING))).await {
                        return End::Dropped(transport("the hub ping could not be sent").with_source(err));
                    }
                }
                () = silence => {
                    return End::Dropped(transport(format!(
                        "the hub was silent for {} ms",
                        self.config.server_timeout.as_millis()
                    )));
                }
            }
        }
    }

    /// Writes one call; a write failure fails the caller and the connection.
    async fn send_call(&mut self, socket: &mut Socket, call: Call) -> Result<()> {
        if call.reply.is_closed() {
            // The caller gave up (and got an error) while the connection was down.
            return Ok(());
        }
        let id = (call.expects_completion || call.stream).then(|| self.take_id());
        let json = match (&id, call.stream) {
            (Some(id), true) => stream_invocation_json(id, &call.target, &call.arguments),
            _ => invocation_json(id.as_deref(), &call.target, &call.arguments),
        };
        let json = match json {
            Ok(json) => json,
            Err(error) => {
                let _ = call.reply.send(Err(error));
                return Ok(());
            }
        };
        if let Err(err) = socket.send(WsMessage::text(encode_record(&json))).await {
            let error = transport("the hub connection failed while sending").with_source(err);
            let _ = call.reply.send(Err(duplicate(&error)));
            return Err(error);
        }
        if let Some(subscription) = call.subscription {
            self.subscriptions
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .record(subscription);
        }
        match id {
            Some(id) => {
                // Forget calls whose callers gave up (timed out) before their answer came.
                self.pending
                    .retain(|_, pending| !matches!(pending, Pending::Caller(s) if s.is_closed()));
                let pending = if call.stream {
                    Pending::Stream {
                        sender: call.reply,
                        items: Vec::new(),
                    }
                } else {
                    Pending::Caller(call.reply)
                };
                self.pending.insert(id, pending);
            }
            None => {
                let _ = call.reply.send(Ok(None));
            }
        }
        Ok(())
    }

    /// Sends every recorded subscription again (`InitializeStatus`'s answer becomes a
    /// [`HubEvent::ContactsRefreshed`]).
    async fn replay(&mut self, socket: &mut Socket) -> Result<()> {
        let calls = self
            .subscriptions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replay();
        for (target_name, arguments) in calls {
            let id = self.take_id();
            let json = invocation_json(Some(&id), target_name, &arguments)?;
            socket
                .send(WsMessage::text(encode_record(&json)))
                .await
                .map_err(|err| {
                    transport("the hub connection failed while replaying").with_source(err)
                })?;
            let pending = if target_name == "InitializeStatus" {
                Pending::ReplayedContacts
            } else {
                Pending::Ignored
            };
            self.pending.insert(id, pending);
        }
        Ok(())
    }

    async fn handle_record(&mut self, record: &str) -> Option<End> {
        self.counters.records.fetch_add(1, Ordering::Relaxed);
        match read_record(record, self.config.session_updates) {
            Incoming::SkippedSessionUpdate => {
                self.counters
                    .skipped_session_updates
                    .fetch_add(1, Ordering::Relaxed);
            }
            Incoming::Event(event) => {
                if let HubEvent::MessageSent(message) = &event {
                    self.resolve_echo(message);
                }
                self.emit(event).await;
            }
            Incoming::ResultRequested {
                invocation_id,
                target,
                event,
            } => {
                // No hub function of Resonite's asks for a client result; the server still
                // waits for an answer, so it gets ASP.NET's "no result" error (spec §0.1).
                tracing::debug!(target = %target, "a client-result invocation answered with no result");
                self.outbox.push(no_result_completion_json(&invocation_id));
                match event {
                    Some(event) => self.emit(event).await,
                    None => {
                        self.counters
                            .skipped_session_updates
                            .fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            Incoming::StreamItem(envelope) => self.stream_item(&envelope),
            Incoming::Completion(envelope) => self.complete(&envelope, record).await,
            Incoming::Close(envelope) => {
                return Some(End::ServerClose {
                    error: envelope.error.as_deref().map(map_hub_error),
                    allow_reconnect: envelope.allow_reconnect.unwrap_or(false),
                });
            }
            Incoming::Nothing => {}
            Incoming::Malformed(error) => self.emit(HubEvent::Malformed(error)).await,
        }
        None
    }

    async fn complete(&mut self, envelope: &Envelope<'_>, record: &str) {
        let Some(id) = envelope.invocation_id.as_deref() else {
            self.emit(HubEvent::Malformed(malformed(
                record,
                "a completion without an id",
            )))
            .await;
            return;
        };
        let reply = match &envelope.error {
            Some(error) => Err(map_hub_error(error)),
            None => Ok(envelope.result.map(ToOwned::to_owned)),
        };
        match self.pending.remove(id) {
            Some(Pending::Caller(sender)) => {
                let _ = sender.send(reply);
            }
            Some(Pending::Stream { sender, items }) => {
                let list = reply.and_then(|_| {
                    let joined = items
                        .iter()
                        .map(|item| item.get())
                        .collect::<Vec<_>>()
                        .join(",");
                    RawValue::from_string(format!("[{joined}]"))
                        .map(Some)
                        .map_err(|err| {
                            malformed(record, "stream items that are not JSON").with_source(err)
                        })
                });
                let _ = sender.send(list);
            }
            Some(Pending::ReplayedContacts) => {
                let event = reply
                    .and_then(|raw| decode_contacts(raw.as_deref()))
                    .map_or_else(HubEvent::Malformed, HubEvent::ContactsRefreshed);
                self.emit(event).await;
            }
            Some(Pending::Ignored) => {}
            None => {
                tracing::debug!(invocation_id = id, "a completion for no pending invocation");
            }
        }
    }

    /// Keeps a stream's item; a stream whose caller gave up is cancelled.
    fn stream_item(&mut self, envelope: &Envelope<'_>) {
        let Some(id) = envelope.invocation_id.as_deref() else {
            return;
        };
        match self.pending.get_mut(id) {
            Some(Pending::Stream { sender, .. }) if sender.is_closed() => {
                self.pending.remove(id);
                self.outbox.push(cancel_invocation_json(id));
            }
            Some(Pending::Stream { items, .. }) => {
                if let Some(item) = envelope.item {
                    items.push(item.to_owned());
                }
            }
            // An item of a stream the client did not start: nothing to keep.
            _ => {}
        }
    }

    async fn flush_outbox(&mut self, socket: &mut Socket) -> Result<()> {
        for record in self.outbox.drain(..) {
            socket
                .send(WsMessage::text(encode_record(&record)))
                .await
                .map_err(|err| {
                    transport("the hub connection failed while answering").with_source(err)
                })?;
        }
        Ok(())
    }

    fn resolve_echo(&self, message: &Message) {
        let waiter = self
            .echoes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(message.id.as_str());
        if let Some(waiter) = waiter {
            let _ = waiter.send(message.clone());
        }
    }

    fn fail_pending(&mut self, error: &Error) {
        self.outbox.clear();
        for (_, pending) in self.pending.drain() {
            if let Pending::Caller(sender) | Pending::Stream { sender, .. } = pending {
                let message = format!(
                    "the hub connection dropped before the answer came ({})",
                    error.message().unwrap_or("no reason given")
                );
                let _ = sender.send(Err(duplicate(error).with_message(message)));
            }
        }
    }

    /// Fetches the messages sent to this account since the previous connection was last
    /// heard from (minus the overlap) and delivers the ones not delivered yet, oldest first,
    /// before anything the new connection brought (see [`CatchUpPolicy`]).
    ///
    /// [`CatchUpPolicy`]: super::CatchUpPolicy
    async fn catch_up_messages(&self) {
        let policy = &self.catch_up.policy;
        if !policy.enabled {
            return;
        }
        let query = MessageQuery::new()
            .from_time(self.catch_up.since())
            .max_items(policy.max_items);
        let max_items = usize::try_from(policy.max_items).unwrap_or(usize::MAX);
        let fetched =
            tokio::time::timeout(policy.timeout, self.client.messages(&self.session, &query)).await;
        let mut messages = match fetched {
            Ok(Ok(messages)) => messages,
            Ok(Err(error)) => {
                self.catch_up.failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %error, "hub catch-up failed; messages sent while disconnected may be missing");
                return;
            }
            Err(_) => {
                self.catch_up.failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    timeout_ms = policy.timeout.as_millis(),
                    "hub catch-up timed out; messages sent while disconnected may be missing"
                );
                return;
            }
        };
        if messages.len() >= max_items {
            self.catch_up.truncated.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                max_items,
                "hub catch-up answer is full; older messages sent while disconnected may be missing"
            );
        }
        let me = self.session.user_id();
        messages.retain(|m| m.recipient_id == me);
        // The server answers newest first; deliver in the order of sending.
        messages.reverse();
        messages.sort_by_key(|m| m.send_time);
        for message in messages {
            if self.catch_up.admit(&message) {
                self.catch_up.caught_up.fetch_add(1, Ordering::Relaxed);
                self.push_event(HubEvent::ReceiveMessage(Box::new(message)))
                    .await;
            }
        }
        self.catch_up.mark_caught_up();
    }

    fn take_id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    async fn emit(&self, event: HubEvent) {
        // A message delivered already (live and by catch-up) goes out once.
        if let HubEvent::ReceiveMessage(message) = &event
            && !self.catch_up.admit(message)
        {
            return;
        }
        self.push_event(event).await;
    }

    async fn push_event(&self, event: HubEvent) {
        self.counters.events.fetch_add(1, Ordering::Relaxed);
        // A receiver that is gone wants no events; the connection goes on for calls.
        let _ = self.events.send(event).await;
    }
}

/// The wall-clock time of an instant in the past (the REST history filters by UTC time).
fn wall_clock(instant: Instant) -> chrono::DateTime<chrono::Utc> {
    let ago = chrono::TimeDelta::from_std(instant.elapsed()).unwrap_or(chrono::TimeDelta::MAX);
    let now = chrono::Utc::now();
    now.checked_sub_signed(ago).unwrap_or(now)
}

fn malformed(record: &str, what: &str) -> Error {
    Error::decode(None, record.as_bytes())
        .with_service(crate::SERVICE)
        .with_message(format!("the hub sent {what}"))
}

/// Ends a connection from the client's side: the close message, then the WebSocket close
/// (spec §0.1: a client says goodbye before it goes).
async fn say_goodbye(socket: &mut Socket) {
    let _ = socket.send(WsMessage::text(encode_record(CLOSE))).await;
    let _ = socket.close(None).await;
}
