//! The handle: [`HubClient`] (calls), [`HubEvents`] (what the hub pushes), [`HubBuilder`].

use std::collections::HashMap;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use omniauth_types::{Error, Result, Session};
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::{Notify, mpsc, oneshot, watch};

use super::catch_up::CatchUp;
use super::config::{CatchUpPolicy, HubConfig, ReconnectPolicy};
use super::connection::{hub_url, open};
use super::driver::{Call, ConnectionState, Counters, Driver, EchoWaiters};
use super::error::transport;
use super::events::HubEvent;
use super::subscriptions::{Subscription, Subscriptions};
use crate::SERVICE;
use crate::client::{Client, check_session};
use crate::model::UserId;

/// Options of a hub connection.
///
/// ```
/// use resonite_api::hub::{HubBuilder, ReconnectPolicy};
/// use std::time::Duration;
///
/// let builder = HubBuilder::default()
///     .ping_interval(Duration::from_secs(15))
///     .server_timeout(Duration::from_secs(30))
///     .reconnect(ReconnectPolicy::default())
///     .session_updates(false);
/// # let _ = builder;
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct HubBuilder {
    config: HubConfig,
}

impl HubBuilder {
    /// How often the client pings (default 15 s).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.config.ping_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// How long the server may stay silent before the connection is declared dead and
    /// re-opened (default 30 s; the server pings every 15 s).
    pub fn server_timeout(mut self, timeout: Duration) -> Self {
        self.config.server_timeout = timeout;
        self
    }

    /// How long the upgrade and the handshake may take (default 15 s).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.config.handshake_timeout = timeout;
        self
    }

    /// How long a call waits for its completion once sent (default 30 s).
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.config.call_timeout = timeout;
        self
    }

    /// How long a call made while reconnecting waits for the connection before failing
    /// (default 10 s; zero: fail at once).
    pub fn reconnect_wait(mut self, wait: Duration) -> Self {
        self.config.reconnect_wait = wait;
        self
    }

    /// The reconnect backoff (default 0, 2, 5, 10, 30 s…, forever).
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.config.reconnect = policy;
        self
    }

    /// How many events wait for the reader (default 256). When full, the connection
    /// stops reading until the reader catches up: events are never dropped.
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.config.event_capacity = capacity.max(1);
        self
    }

    /// Whether to read `ReceiveSessionUpdate` (default no: the flood is skipped on its
    /// target, before its payload is read).
    pub fn session_updates(mut self, enabled: bool) -> Self {
        self.config.session_updates = enabled;
        self
    }

    /// Whether and how messages sent while disconnected are fetched after a reconnect
    /// (default on: one REST request per reconnect; see [`CatchUpPolicy`]).
    pub fn catch_up(mut self, policy: CatchUpPolicy) -> Self {
        self.config.catch_up = policy;
        self
    }

    /// The `User-Agent` of the upgrade (default `resonite-api/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.config.user_agent = user_agent.into();
        self
    }

    /// Connects to `<base URL>/hub` of `client` as `session`'s user: the upgrade carries
    /// `Authorization: res <userId>:<token>` and the session's `UID`, then the JSON
    /// handshake. Returns the handle for calls and the stream of events.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for a session of
    /// another service or an `http://` base that is not loopback;
    /// [`ErrorKind::Unauthorized`](omniauth_types::ErrorKind::Unauthorized) when the
    /// upgrade is refused with 401/403; [`ErrorKind::Transport`](omniauth_types::ErrorKind::Transport)
    /// when the server cannot be reached or does not answer the handshake in time.
    #[tracing::instrument(skip_all, fields(user_id = session.user_id()))]
    pub async fn connect(
        self,
        client: &Client,
        session: &Session,
    ) -> Result<(HubClient, HubEvents)> {
        check_session(session)?;
        let url = hub_url(client.base_url())?;
        let config = self.config;
        let (socket, decoder, early) =
            open(&url, session, &config.user_agent, config.handshake_timeout).await?;
        let (commands_tx, commands) = mpsc::channel(64);
        let (events_tx, events) = mpsc::channel(config.event_capacity);
        let (state_tx, state) = watch::channel(ConnectionState::Connected);
        let close = Arc::new(Notify::new());
        let counters = Arc::new(Counters::default());
        let subscriptions = Arc::new(Mutex::new(Subscriptions::default()));
        let echoes: EchoWaiters = Arc::default();
        let catch_up = Arc::new(CatchUp::new(config.catch_up.clone(), chrono::Utc::now()));
        let driver = Driver {
            config: config.clone(),
            url,
            session: session.clone(),
            commands,
            events: events_tx,
            state: state_tx,
            close: close.clone(),
            counters: counters.clone(),
            subscriptions: subscriptions.clone(),
            echoes: echoes.clone(),
            pending: HashMap::new(),
            next_id: 0,
            client: client.clone(),
            catch_up: catch_up.clone(),
            heard: tokio::time::Instant::now(),
            outbox: Vec::new(),
        };
        tokio::spawn(driver.run(socket, decoder, early));
        let shared = Shared {
            commands: commands_tx,
            state,
            close,
            counters,
            subscriptions,
            echoes,
            catch_up,
            config,
            user_id: UserId::new(session.user_id()),
        };
        Ok((
            HubClient {
                shared: Arc::new(shared),
            },
            HubEvents { events },
        ))
    }
}

struct Shared {
    commands: mpsc::Sender<Call>,
    state: watch::Receiver<ConnectionState>,
    close: Arc<Notify>,
    counters: Arc<Counters>,
    subscriptions: Arc<Mutex<Subscriptions>>,
    echoes: EchoWaiters,
    catch_up: Arc<CatchUp>,
    config: HubConfig,
    user_id: UserId,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The last handle is gone: stop the connection.
        self.close.notify_one();
    }
}

/// Counters of one hub connection. Non-exhaustive: counters are added as the hub learns to
/// do more, so read it through [`HubClient::stats`] rather than building it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HubStats {
    /// Records read.
    pub records: u64,
    /// Events delivered.
    pub events: u64,
    /// `ReceiveSessionUpdate` records skipped unread.
    pub skipped_session_updates: u64,
    /// Successful reconnects.
    pub reconnects: u64,
    /// Messages delivered by catch-up after reconnects (sent while disconnected).
    pub caught_up_messages: u64,
    /// Catch-up requests that failed or timed out (messages may be missing until the
    /// next reconnect's catch-up).
    pub catch_up_failures: u64,
    /// Catch-up answers that came full: older messages sent while disconnected may be
    /// missing (the server pages no further back).
    pub catch_up_truncated: u64,
    /// `ReceiveMessage`s dropped because their message was delivered already.
    pub duplicate_messages: u64,
}

/// A connection to the Resonite hub. Cheap to clone; the connection ends when the last
/// clone is dropped or [`close`](Self::close) is called. The typed functions of the hub are
/// methods of this type (see the [module docs](super)).
#[derive(Clone)]
pub struct HubClient {
    shared: Arc<Shared>,
}

impl HubClient {
    /// Options; [`HubBuilder::connect`] opens the connection.
    pub fn builder() -> HubBuilder {
        HubBuilder::default()
    }

    /// Connects with the default options (see [`HubBuilder::connect`]).
    ///
    /// # Errors
    /// As [`HubBuilder::connect`].
    #[tracing::instrument(skip_all, fields(user_id = session.user_id()))]
    pub async fn connect(client: &Client, session: &Session) -> Result<(Self, HubEvents)> {
        HubBuilder::default().connect(client, session).await
    }

    /// The signed-in user.
    pub fn user_id(&self) -> &UserId {
        &self.shared.user_id
    }

    /// The connection's state now.
    pub fn state(&self) -> ConnectionState {
        *self.shared.state.borrow()
    }

    /// Counters of the connection.
    pub fn stats(&self) -> HubStats {
        let c = &self.shared.counters;
        HubStats {
            records: c.records.load(Ordering::Relaxed),
            events: c.events.load(Ordering::Relaxed),
            skipped_session_updates: c.skipped_session_updates.load(Ordering::Relaxed),
            reconnects: c.reconnects.load(Ordering::Relaxed),
            caught_up_messages: self.shared.catch_up.caught_up.load(Ordering::Relaxed),
            catch_up_failures: self.shared.catch_up.failures.load(Ordering::Relaxed),
            catch_up_truncated: self.shared.catch_up.truncated.load(Ordering::Relaxed),
            duplicate_messages: self.shared.catch_up.duplicates.load(Ordering::Relaxed),
        }
    }

    /// The subscriptions that a reconnect replays.
    pub fn subscriptions(&self) -> Subscriptions {
        self.shared
            .subscriptions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Ends the connection (a close message, then a WebSocket close); pending calls fail,
    /// the events end with
    /// [`HubEvent::Closed`].
    pub fn close(&self) {
        self.shared.close.notify_one();
    }

    /// Invokes a hub function with an invocation id and returns the completion's `result`
    /// (`Value::Null` for none).
    ///
    /// # Errors
    /// The completion's `error` (mapped by [`map_hub_error`](super::map_hub_error));
    /// [`ErrorKind::Transport`](omniauth_types::ErrorKind::Transport) when the connection
    /// is closed, stays down longer than the reconnect wait, drops before the answer, or
    /// no answer comes within the call timeout.
    #[tracing::instrument(skip_all, fields(target = target))]
    pub async fn invoke_raw(&self, target: &str, arguments: Vec<Value>) -> Result<Value> {
        let raw = self.call(target, arguments, true, None).await?;
        match raw {
            None => Ok(Value::Null),
            Some(raw) => serde_json::from_str(raw.get()).map_err(|err| {
                Error::decode(None, raw.get().as_bytes())
                    .with_service(SERVICE)
                    .with_source(err)
            }),
        }
    }

    /// Sends a hub invocation without an id (fire-and-forget: no completion comes back).
    /// Resolves once the record is written.
    ///
    /// # Errors
    /// [`ErrorKind::Transport`](omniauth_types::ErrorKind::Transport) as for
    /// [`invoke_raw`](Self::invoke_raw), except that no answer is awaited.
    #[tracing::instrument(skip_all, fields(target = target))]
    pub async fn send_raw(&self, target: &str, arguments: Vec<Value>) -> Result<()> {
        self.call(target, arguments, false, None).await.map(drop)
    }

    pub(crate) async fn call(
        &self,
        target: &str,
        arguments: Vec<Value>,
        expects_completion: bool,
        subscription: Option<Subscription>,
    ) -> Result<Option<Box<RawValue>>> {
        self.send_call(target, arguments, expects_completion, false, subscription)
            .await
    }

    /// Starts a stream invocation (type 4) and returns its items as one JSON list once the
    /// server completes it; a stream still running at the call's deadline is cancelled.
    pub(crate) async fn call_stream(
        &self,
        target: &str,
        arguments: Vec<Value>,
    ) -> Result<Option<Box<RawValue>>> {
        self.send_call(target, arguments, true, true, None).await
    }

    async fn send_call(
        &self,
        target: &str,
        arguments: Vec<Value>,
        expects_completion: bool,
        stream: bool,
        subscription: Option<Subscription>,
    ) -> Result<Option<Box<RawValue>>> {
        if target.trim().is_empty() {
            return Err(Error::invalid_input("the hub target is empty").with_service(SERVICE));
        }
        self.wait_connected().await?;
        let (reply, answer) = oneshot::channel();
        let call = Call {
            target: target.to_owned(),
            arguments,
            expects_completion,
            stream,
            subscription,
            reply,
        };
        // One deadline for the queue and the answer: while the connection reads no call
        // (reconnecting, catching up, or waiting on a full event channel) the queue may be
        // full, and a call must not wait past its bound for room in it.
        let timeout = self.shared.config.call_timeout + self.shared.config.reconnect_wait;
        let deadline = tokio::time::Instant::now() + timeout;
        let too_late = || {
            transport(format!(
                "no answer to {target} within {} ms",
                timeout.as_millis()
            ))
        };
        match tokio::time::timeout_at(deadline, self.shared.commands.send(call)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(transport("the hub connection is closed")),
            Err(_) => return Err(too_late()),
        }
        match tokio::time::timeout_at(deadline, answer).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(_)) => Err(transport(
                "the hub connection ended before the call was sent",
            )),
            Err(_) => Err(too_late()),
        }
    }

    /// Waits (bounded by the reconnect wait) until the connection is up.
    async fn wait_connected(&self) -> Result<()> {
        let mut state = self.shared.state.clone();
        let ready = |s: &ConnectionState| *s != ConnectionState::Reconnecting;
        let current = *state.borrow();
        let settled = if ready(&current) {
            current
        } else {
            match tokio::time::timeout(self.shared.config.reconnect_wait, state.wait_for(ready))
                .await
            {
                Ok(Ok(s)) => *s,
                Ok(Err(_)) => ConnectionState::Closed,
                Err(_) => {
                    return Err(transport(format!(
                        "the hub is disconnected and did not reconnect within {} ms",
                        self.shared.config.reconnect_wait.as_millis()
                    )));
                }
            }
        };
        if settled == ConnectionState::Closed {
            return Err(transport("the hub connection is closed"));
        }
        Ok(())
    }

    pub(crate) fn echoes(&self) -> &EchoWaiters {
        &self.shared.echoes
    }

    pub(crate) fn call_timeout(&self) -> Duration {
        self.shared.config.call_timeout
    }
}

impl fmt::Debug for HubClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubClient")
            .field("user_id", &self.shared.user_id)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

/// The events of a hub connection: a bounded channel, also a
/// [`Stream`](futures_util::Stream). Ends after [`HubEvent::Closed`].
#[derive(Debug)]
pub struct HubEvents {
    events: mpsc::Receiver<HubEvent>,
}

impl HubEvents {
    /// The next event; `None` once the connection has ended and every event was read.
    pub async fn recv(&mut self) -> Option<HubEvent> {
        self.events.recv().await
    }
}

impl futures_util::Stream for HubEvents {
    type Item = HubEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<HubEvent>> {
        self.events.poll_recv(cx)
    }
}
