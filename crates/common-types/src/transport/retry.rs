//! When a request is sent again, and how long to wait first.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use backon::BackoffBuilder as _;

/// Waits for a duration. The transport sleeps through this, so tests can record the waits
/// instead of spending them.
pub trait Sleeper: Send + Sync + 'static {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// Sleeps on the tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// How failed requests are retried.
///
/// A request is sent again only when that cannot do harm: a connection that was never made
/// (any request but a login), or, for idempotent requests, a timeout, a dropped answer, or a
/// `429`, `502`, `503` or `504`. A login is never sent twice, and an answer over the size cap is
/// not fetched again. Waits grow exponentially with
/// jitter; a server's `Retry-After` (either form) is honoured when it is no longer than
/// [`max_retry_after`](Self::max_retry_after); a longer one is not waited for: the
/// `RateLimited` error is returned with the server's value.
///
/// ```
/// use omniauth_types::transport::RetryPolicy;
/// use std::time::Duration;
///
/// let policy = RetryPolicy::default().with_max_retries(4).with_min_delay(Duration::from_millis(50));
/// assert_eq!(policy.backoff_delays().count(), 4);
/// assert_eq!(RetryPolicy::none().backoff_delays().count(), 0);
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    max_retries: usize,
    min_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    jitter: bool,
    sleeper: Arc<dyn Sleeper>,
}

impl Default for RetryPolicy {
    /// Two retries, 250 ms growing to at most 5 s, jittered; `Retry-After` honoured up to 30 s.
    fn default() -> Self {
        Self {
            max_retries: 2,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            jitter: true,
            sleeper: Arc::new(TokioSleeper),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// How many times a request may be sent again after the first try.
    #[must_use]
    pub fn with_max_retries(mut self, retries: usize) -> Self {
        self.max_retries = retries;
        self
    }

    /// The first wait before a retry.
    #[must_use]
    pub fn with_min_delay(mut self, delay: Duration) -> Self {
        self.min_delay = delay;
        self
    }

    /// The longest wait between two tries, before `Retry-After`.
    #[must_use]
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest `Retry-After` that is waited for.
    #[must_use]
    pub fn with_max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// Whether waits are jittered (on by default, so many clients do not retry in step).
    #[must_use]
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Waits through `sleeper` instead of the tokio timer.
    #[must_use]
    pub fn with_sleeper(mut self, sleeper: impl Sleeper) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// How many retries at most.
    pub fn max_retries(&self) -> usize {
        self.max_retries
    }

    /// The longest `Retry-After` that is waited for.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The waits of the backoff schedule, one per retry, before any `Retry-After`.
    pub fn backoff_delays(&self) -> impl Iterator<Item = Duration> + use<> {
        let mut builder = backon::ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_max_times(self.max_retries);
        if self.jitter {
            builder = builder.with_jitter();
        }
        builder.build()
    }

    /// The wait before the next try: the backoff wait, or the server's `Retry-After` when
    /// that is longer. `None` when the server asked for more than
    /// [`max_retry_after`](Self::max_retry_after): do not retry then.
    pub fn delay_before_retry(
        &self,
        backoff: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait.max(backoff)),
            None => Some(backoff),
        }
    }

    pub(crate) async fn sleep(&self, duration: Duration) {
        self.sleeper.sleep(duration).await;
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_retries", &self.max_retries)
            .field("min_delay", &self.min_delay)
            .field("max_delay", &self.max_delay)
            .field("max_retry_after", &self.max_retry_after)
            .field("jitter", &self.jitter)
            .finish_non_exhaustive()
    }
}

/// Whether an answer with `status` may be worth sending again: `429`, `502`, `503` and `504`.
/// The transport retries exactly these (for requests that are safe to repeat), and
/// [`Error::is_retryable`](crate::Error::is_retryable) agrees.
///
/// ```
/// use omniauth_types::transport::retryable_status;
/// use http::StatusCode;
///
/// assert!(retryable_status(StatusCode::SERVICE_UNAVAILABLE));
/// assert!(!retryable_status(StatusCode::INTERNAL_SERVER_ERROR));
/// ```
pub fn retryable_status(status: http::StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// What is left of a call's deadline. Time spent in the [`Sleeper`] counts as the wait that
/// was asked for, so a recording sleeper sees the same decisions as the tokio timer.
///
/// What is left is `limit - (elapsed - slept) - asked`: the time elapsed, with the time really
/// slept swapped for the waits asked. Every call's future carries one, so it keeps a single
/// sum, `limit + slept - asked`, and only subtracts the time elapsed.
pub(crate) struct Budget {
    started: tokio::time::Instant,
    /// `limit + slept - asked`, at least zero: once it is zero, nothing is waited any more.
    allowance: Duration,
}

impl Budget {
    pub(crate) fn start(limit: Duration) -> Self {
        Self {
            started: tokio::time::Instant::now(),
            allowance: limit,
        }
    }

    pub(crate) fn remaining(&self) -> Duration {
        self.allowance.saturating_sub(self.started.elapsed())
    }

    pub(crate) async fn sleep(&mut self, policy: &RetryPolicy, wait: Duration) {
        let before = tokio::time::Instant::now();
        policy.sleep(wait).await;
        self.allowance = self
            .allowance
            .saturating_add(before.elapsed())
            .saturating_sub(wait);
    }
}

/// Reads a `Retry-After` value: delta-seconds (`120`) or an HTTP-date, as a wait from `now`.
/// A date in the past is a wait of zero; a number too large for a `u64` is `u64::MAX`
/// seconds; anything else unreadable is `None`.
///
/// ```
/// use omniauth_types::transport::parse_retry_after;
/// use std::time::{Duration, SystemTime};
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
/// let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
/// assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(90)));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // More digits than a u64 holds is still a wait, and a longer one than anyone waits for.
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(u64::MAX));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_bounded() {
        let policy = RetryPolicy::default()
            .with_max_retries(6)
            .with_jitter(false)
            .with_min_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_secs(1));
        let delays: Vec<_> = policy.backoff_delays().collect();
        assert_eq!(delays.len(), 6);
        // Float arithmetic in the schedule: compare whole milliseconds.
        assert_eq!(delays[0].as_millis(), 100);
        assert_eq!(delays[1].as_millis(), 200);
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(1)));
    }

    #[test]
    fn jitter_stays_within_twice_the_delay() {
        let policy = RetryPolicy::default()
            .with_max_retries(50)
            .with_max_delay(Duration::from_secs(1));
        assert!(policy.backoff_delays().all(|d| d <= Duration::from_secs(2)));
    }

    #[test]
    fn retry_after_wins_when_longer_and_is_capped() {
        let policy = RetryPolicy::default().with_max_retry_after(Duration::from_secs(10));
        let backoff = Duration::from_millis(300);
        assert_eq!(policy.delay_before_retry(backoff, None), Some(backoff));
        assert_eq!(
            policy.delay_before_retry(backoff, Some(Duration::ZERO)),
            Some(backoff)
        );
        assert_eq!(
            policy.delay_before_retry(backoff, Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            policy.delay_before_retry(backoff, Some(Duration::from_secs(11))),
            None
        );
    }

    #[test]
    fn retry_after_dates_in_the_past_mean_now() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let past = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(parse_retry_after("1e9", now), None);
    }
}
