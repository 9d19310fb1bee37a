//! A client-side token bucket, for services that punish bursts.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// A token bucket shared by every clone of a client: requests wait for a token before they
/// are sent. Build one per service account or per process, as the service counts.
///
/// ```
/// use omniauth_types::transport::RateLimit;
/// use std::num::NonZeroU32;
///
/// // Resonite: 12 requests a minute, bursts of 5.
/// let limit = RateLimit::per_minute(NonZeroU32::new(12).unwrap())
///     .with_burst(NonZeroU32::new(5).unwrap());
/// assert_eq!(limit.burst(), 5);
/// ```
#[derive(Clone)]
pub struct RateLimit {
    quota: Quota,
    limiter: Arc<DefaultDirectRateLimiter>,
}

impl RateLimit {
    /// `count` requests a second, in bursts of up to `count`.
    pub fn per_second(count: NonZeroU32) -> Self {
        Self::from_quota(Quota::per_second(count))
    }

    /// `count` requests a minute, in bursts of up to `count`.
    pub fn per_minute(count: NonZeroU32) -> Self {
        Self::from_quota(Quota::per_minute(count))
    }

    /// One request every `period`, in bursts of one. `None` for a zero period.
    pub fn every(period: Duration) -> Option<Self> {
        Quota::with_period(period).map(Self::from_quota)
    }

    /// The same rate, with bursts of up to `burst` requests.
    #[must_use]
    pub fn with_burst(self, burst: NonZeroU32) -> Self {
        Self::from_quota(self.quota.allow_burst(burst))
    }

    /// The largest burst.
    pub fn burst(&self) -> u32 {
        self.quota.burst_size().get()
    }

    /// Waits until a request may be sent.
    pub async fn acquire(&self) {
        self.limiter.until_ready().await;
    }

    fn from_quota(quota: Quota) -> Self {
        Self {
            quota,
            limiter: Arc::new(RateLimiter::direct(quota)),
        }
    }
}

impl fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimit")
            .field("replenish_every", &self.quota.replenish_interval())
            .field("burst", &self.quota.burst_size())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_passes_and_the_bucket_is_then_empty() {
        let limit = RateLimit::every(Duration::from_secs(3600))
            .unwrap()
            .with_burst(NonZeroU32::new(3).unwrap());
        for _ in 0..3 {
            limit.acquire().await;
        }
        assert!(
            limit.limiter.check().is_err(),
            "a fourth request must wait for a token"
        );
        let clone = limit.clone();
        assert!(clone.limiter.check().is_err(), "clones share one bucket");
    }

    #[test]
    fn zero_period_is_refused() {
        assert!(RateLimit::every(Duration::ZERO).is_none());
    }
}
