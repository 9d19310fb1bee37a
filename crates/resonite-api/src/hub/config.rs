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
