//! Options of a hub connection: timers, reconnect backoff, the event channel, opt-ins.

use std::time::Duration;

/// The delays between reconnect attempts: `delays[n]` before attempt `n + 1`, the last one
/// repeated, each with up to 20 % jitter added; at most `max_attempts` attempts per drop
/// (`None`: forever).
///
/// ```
/// use resonite_api::hub::ReconnectPolicy;
/// use std::time::Duration;
///
/// let policy = ReconnectPolicy::default();
/// assert_eq!(policy.base_delay(1), Duration::ZERO);
/// assert_eq!(policy.base_delay(99), Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconnectPolicy {
    delays: Vec<Duration>,
    max_attempts: Option<u32>,
}

impl Default for ReconnectPolicy {
    /// 0, 2, 5, 10, then 30 s (what the .NET client does), forever.
    fn default() -> Self {
        Self::new([0, 2, 5, 10, 30].map(Duration::from_secs).to_vec(), None)
    }
}

impl ReconnectPolicy {
    /// A policy with these delays (an empty list means no wait) and attempt limit.
    pub fn new(delays: Vec<Duration>, max_attempts: Option<u32>) -> Self {
        Self {
            delays,
            max_attempts,
        }
    }

    /// Never reconnect: the first drop closes the client.
    pub fn never() -> Self {
        Self::new(Vec::new(), Some(0))
    }

    /// The delay before attempt `attempt` (1-based), without jitter.
    pub fn base_delay(&self, attempt: u32) -> Duration {
        let index = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
        self.delays
            .get(index)
            .or_else(|| self.delays.last())
            .copied()
            .unwrap_or_default()
    }

    /// The delay before attempt `attempt`, with jitter.
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let base = self.base_delay(attempt);
        base + base.mul_f64(fastrand_fraction() * 0.2)
    }

    /// Whether attempt `attempt` may be made.
    pub fn allows(&self, attempt: u32) -> bool {
        self.max_attempts.is_none_or(|max| attempt <= max)
    }
}

/// A fraction in [0, 1) from the clock's nanoseconds: jitter needs no better randomness.
fn fastrand_fraction() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    f64::from(nanos % 1000) / 1000.0
}

/// How the client fetches, after a reconnect, the messages the hub could not push while
/// it was away (**catch-up**, on by default).
///
/// The hub pushes `ReceiveMessage` only to live connections; a message sent to you while
/// your connection is down is stored by the server (REST history) but never pushed. So
/// after every reconnect the client asks `GET /users/{me}/messages?fromTime=…` for what
/// came in since the previous connection was last heard from, minus an overlap (for
/// clock skew and messages in flight), and delivers the ones addressed to you that it has
/// not delivered yet as [`HubEvent::ReceiveMessage`](super::HubEvent::ReceiveMessage),
/// oldest first, before the new connection's live events. Every delivered message id is
/// remembered (a bounded set of 64-bit hashes), so a message reaches the event stream once
/// whether it came live, by catch-up, or both.
///
/// **Cost**: one REST request per reconnect (none while connected), counted by the
/// server's rate limit like any other call; the connection waits for it (at most
/// [`timeout`](Self::timeout)) before it delivers live events, so that messages stay in
/// order. **Limits**: the server answers newest first and at most 100 messages, with no way
/// to page further back: when the answer is full, older missed messages cannot be fetched
/// ([`HubStats::catch_up_truncated`](super::HubStats::catch_up_truncated) counts it, and a
/// warning is logged). A failed request is counted in
/// [`HubStats::catch_up_failures`](super::HubStats::catch_up_failures) and retried from
/// the same point after the next reconnect. Messages sent in the overlap before the first
/// connection may be delivered by the first catch-up.
///
/// ```
/// use resonite_api::hub::{CatchUpPolicy, HubBuilder};
/// use std::time::Duration;
///
/// let policy = CatchUpPolicy::default().overlap(Duration::from_secs(30));
/// assert!(policy.is_enabled());
/// let builder = HubBuilder::default().catch_up(policy);
/// let off = HubBuilder::default().catch_up(CatchUpPolicy::disabled());
/// # let _ = (builder, off);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct CatchUpPolicy {
    pub(crate) enabled: bool,
    pub(crate) overlap: Duration,
    pub(crate) max_items: u32,
    pub(crate) remembered: usize,
    pub(crate) timeout: Duration,
}

impl Default for CatchUpPolicy {
    /// On; 10 s overlap, up to 100 messages (the server's cap), 1,024 ids remembered,
    /// 10 s timeout.
    fn default() -> Self {
        Self {
            enabled: true,
            overlap: Duration::from_secs(10),
            max_items: 100,
            remembered: 1024,
            timeout: Duration::from_secs(10),
        }
    }
}

impl CatchUpPolicy {
    /// No catch-up: messages sent while disconnected are only in the REST history.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// Whether catch-up runs after reconnects.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// How far before the moment the previous connection was last heard from to look
    /// (default 10 s): covers senders' clocks running behind and messages in flight.
    pub fn overlap(mut self, overlap: Duration) -> Self {
        self.overlap = overlap;
        self
    }

    /// `maxItems` of the request (default 100, the server's cap; at least 1).
    pub fn max_items(mut self, max_items: u32) -> Self {
        self.max_items = max_items.max(1);
        self
    }

    /// How many delivered message ids are remembered to drop duplicates (default 1,024;
    /// at least 1). It must exceed the messages received within the overlap plus
    /// [`max_items`](Self::max_items).
    pub fn remembered(mut self, count: usize) -> Self {
        self.remembered = count.max(1);
        self
    }

    /// How long the request may take (default 10 s); past it the catch-up counts as
    /// failed.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// How a hub connection behaves. Build one with [`HubBuilder`](super::HubBuilder).
#[derive(Debug, Clone)]
pub(crate) struct HubConfig {
    pub(crate) ping_interval: Duration,
    pub(crate) server_timeout: Duration,
    pub(crate) handshake_timeout: Duration,
    pub(crate) call_timeout: Duration,
    pub(crate) reconnect_wait: Duration,
    pub(crate) reconnect: ReconnectPolicy,
    pub(crate) event_capacity: usize,
    pub(crate) session_updates: bool,
    pub(crate) user_agent: String,
    pub(crate) catch_up: CatchUpPolicy,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            ping_interval: Duration::from_secs(15),
            server_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(15),
            call_timeout: Duration::from_secs(30),
            reconnect_wait: Duration::from_secs(10),
            reconnect: ReconnectPolicy::default(),
            event_capacity: 256,
            session_updates: false,
            user_agent: concat!("resonite-api/", env!("CARGO_PKG_VERSION")).to_owned(),
            catch_up: CatchUpPolicy::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_repeat_the_last_and_limits_hold() {
        let policy = ReconnectPolicy::new(vec![Duration::from_millis(10)], Some(2));
        assert_eq!(policy.base_delay(5), Duration::from_millis(10));
        let jittered = policy.delay(1);
        assert!(jittered >= Duration::from_millis(10) && jittered <= Duration::from_millis(12));
        assert!(policy.allows(2) && !policy.allows(3));
        assert!(!ReconnectPolicy::never().allows(1));
        assert_eq!(ReconnectPolicy::never().base_delay(1), Duration::ZERO);
        assert!(ReconnectPolicy::default().allows(1_000));
    }
}
