//! The poll schedule, without I/O or clocks: how long to wait after each answer, and how
//! much time a login has. [`crate::wait`] drives it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use omniauth_types::{Error, ErrorKind, Result, Session};

use crate::wait::WaitOptions;

/// What one poll said, before the schedule judges it.
pub(crate) enum Answer {
    /// The token: signed in.
    Ready(Session),
    /// The documented 400, with the server's message.
    Pending(Option<String>),
}

/// What the wait loop does with one poll's outcome.
pub(crate) enum Step {
    /// Done.
    Ready(Session),
    /// Not yet: wait one interval.
    Pending(Option<String>),
    /// 429: wait longer, from now on.
    SlowDown(Option<Duration>),
    /// No usable answer (5xx, timeout, reset, a body cut short): back off and try again.
    Transient(Error),
    /// Any other answer: stop with it.
    Stop(Error),
}

/// Sorts a poll's outcome, after RFC 8628 §3.5: pending goes on, slow-down slows, a
/// connection problem backs off, anything else stops.
pub(crate) fn classify(outcome: Result<Answer>) -> Step {
    match outcome {
        Ok(Answer::Ready(session)) => Step::Ready(session),
        Ok(Answer::Pending(message)) => Step::Pending(message),
        Err(err) => match err.kind() {
            ErrorKind::RateLimited { retry_after } => Step::SlowDown(*retry_after),
            ErrorKind::Transport => Step::Transient(err),
            ErrorKind::Api { status, .. } if *status >= 500 => Step::Transient(err),
            ErrorKind::Decode {
                status: Some(status),
                ..
            } if *status >= 500 => Step::Transient(err),
            _ => Step::Stop(err),
        },
    }
}

/// How much time a login has: `expiration_date` minus the server's clock (its `Date` header,
/// which cancels any skew between the clocks; the local clock when there is none), clamped
/// to `[0, max_wait]`.
pub(crate) fn time_left(
    expires_at: DateTime<Utc>,
    server_now: Option<DateTime<Utc>>,
    local_now: DateTime<Utc>,
    max_wait: Duration,
) -> Duration {
    let now = server_now.unwrap_or(local_now);
    expires_at
        .signed_duration_since(now)
        .to_std()
        .unwrap_or(Duration::ZERO)
        .min(max_wait)
}

/// The waits between polls.
#[derive(Debug)]
pub(crate) struct Schedule {
    interval: Duration,
    first_wait: Duration,
    min_interval: Duration,
    jitter: f64,
    slow_down_step: Duration,
    max_backoff: Duration,
    backoff: Option<Duration>,
    random: fn() -> f64,
}

impl Schedule {
    pub(crate) fn new(options: &WaitOptions) -> Self {
        let interval = options.interval_value().max(options.min_interval_value());
        Self {
            interval,
            first_wait: options.first_wait_value().unwrap_or(interval),
            min_interval: options.min_interval_value(),
            jitter: options.jitter_value(),
            slow_down_step: options.slow_down_step_value(),
            max_backoff: options.max_backoff_value(),
            backoff: None,
            random: fastrand::f64,
        }
    }

    /// The wait before the first poll: nobody has clicked a link within a second.
    pub(crate) fn first(&self) -> Duration {
        self.jittered(self.first_wait)
    }

    /// After a pending answer: one interval; a backoff in progress ends.
    pub(crate) fn after_pending(&mut self) -> Duration {
        self.backoff = None;
        self.jittered(self.interval)
    }

    /// After a 429: the interval grows by the slow-down step for good, and the wait is at
    /// least the server's `Retry-After`.
    pub(crate) fn after_slow_down(&mut self, retry_after: Option<Duration>) -> Duration {
        self.backoff = None;
        self.interval = self.interval.saturating_add(self.slow_down_step);
        self.jittered(self.interval)
            .max(retry_after.unwrap_or(Duration::ZERO))
    }

    /// After no usable answer: twice the last wait, from two intervals up to the cap.
    pub(crate) fn after_failure(&mut self) -> Duration {
        let doubled = self.backoff.unwrap_or(self.interval).saturating_mul(2);
        let backoff = doubled.min(self.max_backoff).max(self.interval);
        self.backoff = Some(backoff);
        self.jittered(backoff)
    }

    /// The current interval (after slow-downs).
    #[cfg(test)]
    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    fn jittered(&self, wait: Duration) -> Duration {
        if self.jitter <= 0.0 {
            return wait;
        }
        let factor = 1.0 + self.jitter * (2.0 * (self.random)() - 1.0);
        wait.mul_f64(factor).max(self.min_interval.min(wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omniauth_types::{AccessToken, TokenScheme};

    const MS: Duration = Duration::from_millis(1);

    fn schedule(options: &WaitOptions) -> Schedule {
        Schedule::new(options)
    }

    fn exact() -> WaitOptions {
        WaitOptions::new().jitter(0.0)
    }

    #[test]
    fn defaults_follow_the_spec() {
        let mut s = schedule(&exact());
        assert_eq!(s.first(), Duration::from_secs(2));
        assert_eq!(s.after_pending(), Duration::from_secs(2));
        // 429: +5 s, for good, and at least Retry-After.
        assert_eq!(s.after_slow_down(None), Duration::from_secs(7));
        assert_eq!(s.after_pending(), Duration::from_secs(7));
        assert_eq!(
            s.after_slow_down(Some(Duration::from_secs(30))),
            Duration::from_secs(30)
        );
        assert_eq!(s.interval(), Duration::from_secs(12));
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_cap_and_reset_on_an_answer() {
        let mut s = schedule(&exact().max_backoff(Duration::from_secs(30)));
        let waits: Vec<_> = (0..6).map(|_| s.after_failure().as_secs()).collect();
        assert_eq!(waits, [4, 8, 16, 30, 30, 30]);
        assert_eq!(s.after_pending(), Duration::from_secs(2));
        assert_eq!(s.after_failure(), Duration::from_secs(4));
        // A cap below the interval never makes a wait shorter than the interval.
        let mut s = schedule(&exact().max_backoff(MS));
        assert_eq!(s.after_failure(), Duration::from_secs(2));
    }

    #[test]
    fn intervals_respect_the_floor_and_the_first_wait_is_configurable() {
        let s = schedule(&exact().interval(MS));
        assert_eq!(s.interval(), Duration::from_millis(500));
        let s = schedule(
            &exact()
                .min_interval(MS)
                .interval(MS * 20)
                .first_wait(MS * 5),
        );
        assert_eq!(s.interval(), MS * 20);
        assert_eq!(s.first(), MS * 5);
    }

    #[test]
    fn jitter_stays_within_its_ratio() {
        let s = schedule(&WaitOptions::new());
        for _ in 0..1000 {
            let wait = s.first();
            assert!(wait >= Duration::from_millis(1600) && wait <= Duration::from_millis(2400));
        }
        let mut low = schedule(&WaitOptions::new().jitter(0.5));
        low.random = || 0.0;
        assert_eq!(low.after_pending(), Duration::from_secs(1));
        low.random = || 1.0;
        assert_eq!(low.after_pending(), Duration::from_secs(3));
        // The ratio is capped at one half.
        let mut capped = schedule(&WaitOptions::new().jitter(9.0));
        capped.random = || 0.0;
        assert_eq!(capped.after_pending(), Duration::from_secs(1));
    }

    #[test]
    fn time_left_uses_the_servers_clock_and_is_clamped() {
        let local = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let server = local + chrono::TimeDelta::hours(1);
        let expires = server + chrono::TimeDelta::seconds(600);
        let max = Duration::from_secs(900);
        // The server's clock runs an hour ahead: its Date header cancels that.
        assert_eq!(
            time_left(expires, Some(server), local, max),
            Duration::from_secs(600)
        );
        // Without a Date header the local clock is all there is (and the max wait clamps).
        assert_eq!(time_left(expires, None, local, max), max);
        assert_eq!(time_left(local, Some(server), local, max), Duration::ZERO);
        assert_eq!(
            time_left(expires, Some(server), local, Duration::from_secs(60)),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn outcomes_are_classified_like_rfc_8628() {
        let session = Session::new("maillink", "a", AccessToken::new("t"), TokenScheme::Bearer);
        assert!(matches!(
            classify(Ok(Answer::Ready(session))),
            Step::Ready(_)
        ));
        assert!(matches!(
            classify(Ok(Answer::Pending(None))),
            Step::Pending(None)
        ));
        let limited = Error::new(ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
        });
        assert!(matches!(
            classify(Err(limited)),
            Step::SlowDown(Some(d)) if d == Duration::from_secs(3)
        ));
        let transient = [
            Error::new(ErrorKind::Transport),
            Error::api(omniauth_types::http::StatusCode::BAD_GATEWAY, "x"),
            Error::api(omniauth_types::http::StatusCode::INTERNAL_SERVER_ERROR, "x"),
            Error::decode(
                Some(omniauth_types::http::StatusCode::SERVICE_UNAVAILABLE),
                b"<",
            ),
        ];
        for err in transient {
            assert!(matches!(classify(Err(err)), Step::Transient(_)));
        }
        let fatal = [
            Error::new(ErrorKind::NotFound),
            Error::new(ErrorKind::Unauthorized),
            Error::new(ErrorKind::Expired),
            Error::api(omniauth_types::http::StatusCode::METHOD_NOT_ALLOWED, "x"),
            Error::decode(Some(omniauth_types::http::StatusCode::OK), b"{}"),
            Error::invalid_input("x"),
        ];
        for err in fatal {
            assert!(matches!(classify(Err(err)), Step::Stop(_)));
        }
    }
}
