//! Waiting for the user: the options of [`PendingLogin::wait`](crate::PendingLogin::wait),
//! its progress reports, and the loop itself.

use std::fmt::{self, Write as _};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use omniauth_types::transport::{Sleeper, TokioSleeper};
use omniauth_types::{Error, ErrorKind, Result, Session};

use crate::SERVICE;
use crate::schedule::{Answer, Schedule, Step, classify};

/// The default wait between two polls: 2 s.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(2);
/// The default shortest interval: 500 ms. Shorter intervals are raised to it.
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_millis(500);
/// The default growth of the interval after a `429`: 5 s (RFC 8628's `slow_down`).
pub const DEFAULT_SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// The default longest wait after failed polls: 30 s.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The default jitter: waits vary by ±20 %.
pub const DEFAULT_JITTER: f64 = 0.2;

/// A monotonic clock. [`PendingLogin::wait`](crate::PendingLogin::wait) reads the time
/// through one, so tests can drive the schedule with a clock of their own.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// [`Instant::now`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// What the last poll said, as a progress report shows it. Never holds the `auth_id` or a
/// token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PollEvent {
    /// Waiting started; no poll yet.
    Started,
    /// Not confirmed yet.
    Pending,
    /// The server asked to slow down (`429`); the interval grew for good.
    SlowDown {
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// The poll got no usable answer (5xx, timeout, reset, a body cut short); backing off.
    Retrying {
        /// What went wrong.
        error: ErrorKind,
    },
}

/// A progress report, given to the [`WaitOptions::on_progress`] callback after each poll.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Polls sent so far.
    pub polls: u32,
    /// Time left until the deadline.
    pub remaining: Duration,
    /// When the next poll goes out.
    pub next_poll_in: Duration,
    /// What the last poll said.
    pub event: PollEvent,
}

type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How [`PendingLogin::wait`](crate::PendingLogin::wait) polls: interval, jitter, backoff,
/// a progress callback, and the clock and sleeper it runs on.
///
/// The defaults follow RFC 8628's device flow: wait an interval (2 s ± 20 %) before the first
/// poll and after each pending answer; after a `429`, add 5 s to the interval for good and
/// wait at least the server's `Retry-After`; after a 5xx, a timeout or a reset, double the
/// wait up to 30 s; stop on any other answer.
///
/// ```
/// use maillink_auth::WaitOptions;
/// use std::time::Duration;
///
/// let options = WaitOptions::new()
///     .interval(Duration::from_secs(3))
///     .jitter(0.1)
///     .on_progress(|progress| eprintln!("still waiting, {:?} left", progress.remaining));
/// # let _ = options;
/// ```
#[derive(Clone)]
#[must_use]
pub struct WaitOptions {
    interval: Duration,
    min_interval: Duration,
    first_wait: Option<Duration>,
    jitter: f64,
    slow_down_step: Duration,
    max_backoff: Duration,
    progress: Option<ProgressFn>,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            interval: DEFAULT_INTERVAL,
            min_interval: DEFAULT_MIN_INTERVAL,
            first_wait: None,
            jitter: DEFAULT_JITTER,
            slow_down_step: DEFAULT_SLOW_DOWN_STEP,
            max_backoff: DEFAULT_MAX_BACKOFF,
            progress: None,
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(TokioSleeper),
        }
    }
}

impl WaitOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The wait between polls (default 2 s; never below [`min_interval`](Self::min_interval)).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The shortest interval allowed (default 500 ms). Lower it only for tests against a
    /// local emulator.
    pub fn min_interval(mut self, floor: Duration) -> Self {
        self.min_interval = floor;
        self
    }

    /// The wait before the first poll (default: one interval).
    pub fn first_wait(mut self, wait: Duration) -> Self {
        self.first_wait = Some(wait);
        self
    }

    /// How much each wait varies at random, as a ratio: `0.2` is ±20 % (the default), `0`
    /// turns jitter off; at most `0.5`.
    pub fn jitter(mut self, ratio: f64) -> Self {
        self.jitter = if ratio.is_finite() {
            ratio.clamp(0.0, 0.5)
        } else {
            0.0
        };
        self
    }

    /// How much the interval grows after each `429` (default 5 s).
    pub fn slow_down_step(mut self, step: Duration) -> Self {
        self.slow_down_step = step;
        self
    }

    /// The longest wait after failed polls (default 30 s).
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// Calls `callback` when waiting starts and after every poll (for a spinner or a
    /// countdown). It never sees the `auth_id` or a token.
    pub fn on_progress(mut self, callback: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(callback));
        self
    }

    /// Reads the time from `clock` (default: [`SystemClock`]).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Waits through `sleeper` (default: the tokio timer).
    pub fn sleeper(mut self, sleeper: impl Sleeper) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    pub(crate) fn interval_value(&self) -> Duration {
        self.interval
    }
    pub(crate) fn min_interval_value(&self) -> Duration {
        self.min_interval
    }
    pub(crate) fn first_wait_value(&self) -> Option<Duration> {
        self.first_wait
    }
    pub(crate) fn jitter_value(&self) -> f64 {
        self.jitter
    }
    pub(crate) fn slow_down_step_value(&self) -> Duration {
        self.slow_down_step
    }
    pub(crate) fn max_backoff_value(&self) -> Duration {
        self.max_backoff
    }
    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    fn report(&self, progress: &Progress) {
        tracing::debug!(
            polls = progress.polls,
            remaining = ?progress.remaining,
            next_poll_in = ?progress.next_poll_in,
            event = ?progress.event,
            "waiting for the email confirmation"
        );
        if let Some(callback) = &self.progress {
            callback(progress);
        }
    }
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("interval", &self.interval)
            .field("min_interval", &self.min_interval)
            .field("first_wait", &self.first_wait)
            .field("jitter", &self.jitter)
            .field("slow_down_step", &self.slow_down_step)
            .field("max_backoff", &self.max_backoff)
            .field("progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

/// Polls until `poll` yields a session, stops with an error, or the deadline passes; then
/// one last poll, and [`ErrorKind::Expired`]. Sleeps after each answer (never on a ticker),
/// every sleep clamped to the time left. Holds no state the server knows of: dropping the
/// future stops it cleanly.
pub(crate) async fn run<F, Fut>(
    deadline: Instant,
    expires_at: DateTime<Utc>,
    options: &WaitOptions,
    mut poll: F,
) -> Result<Session>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Answer>>,
{
    let mut schedule = Schedule::new(options);
    let mut polls = 0_u32;
    let mut failures = 0_u32;
    let mut last_message = None;
    let mut wait = schedule.first();
    options.report(&Progress {
        polls,
        remaining: deadline.saturating_duration_since(options.now()),
        next_poll_in: wait.min(deadline.saturating_duration_since(options.now())),
        event: PollEvent::Started,
    });
    loop {
        let wait_now = wait.min(deadline.saturating_duration_since(options.now()));
        if !wait_now.is_zero() {
            options.sleeper.sleep(wait_now).await;
        }
        let last_chance = options.now() >= deadline;
        polls = polls.saturating_add(1);
        let (event, next) = match classify(poll().await) {
            Step::Ready(session) => return Ok(session),
            Step::Stop(err) => return Err(err),
            Step::Pending(message) => {
                last_message = message.or(last_message);
                (PollEvent::Pending, schedule.after_pending())
            }
            Step::SlowDown(retry_after) => (
                PollEvent::SlowDown { retry_after },
                schedule.after_slow_down(retry_after),
            ),
            Step::Transient(err) => {
                failures = failures.saturating_add(1);
                tracing::debug!(error = %err, "poll got no usable answer");
                (
                    PollEvent::Retrying {
                        error: err.kind().clone(),
                    },
                    schedule.after_failure(),
                )
            }
        };
        if last_chance {
            return Err(expired(
                expires_at,
                Some(polls),
                failures,
                last_message.as_deref(),
            ));
        }
        wait = next;
        let remaining = deadline.saturating_duration_since(options.now());
        options.report(&Progress {
            polls,
            remaining,
            next_poll_in: next.min(remaining),
            event,
        });
    }
}

/// [`ErrorKind::Expired`]: nobody confirmed in time. Says when, how many polls, what the
/// server last said, and, when polls went unanswered, that a lost answer may have used the
/// confirmation up.
pub(crate) fn expired(
    expires_at: DateTime<Utc>,
    polls: Option<u32>,
    failures: u32,
    last_message: Option<&str>,
) -> Error {
    let mut message = format!(
        "no confirmation before {}",
        expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    match polls {
        Some(1) => message.push_str(" (1 poll)"),
        Some(polls) => {
            let _ = write!(message, " ({polls} polls)");
        }
        None => {}
    }
    if let Some(last) = last_message {
        message.push_str("; the server last said: ");
        message.push_str(last);
    }
    if failures > 0 {
        let _ = write!(
            message,
            "; {failures} of them got no usable answer, and the server hands the token out once: \
             if the link was followed, start a new login"
        );
    }
    Error::new(ErrorKind::Expired)
        .with_service(SERVICE)
        .with_message(message)
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::sync::Mutex;

    use omniauth_types::{AccessToken, TokenScheme};

    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// A clock that moves only when the sleeper sleeps (or a poll "takes" time).
    #[derive(Clone)]
    struct FakeTime {
        start: Instant,
        elapsed: Arc<Mutex<Duration>>,
        sleeps: Arc<Mutex<Vec<Duration>>>,
    }

    impl FakeTime {
        fn new() -> Self {
            Self {
                start: Instant::now(),
                elapsed: Arc::default(),
                sleeps: Arc::default(),
            }
        }
        fn advance(&self, by: Duration) {
            *self.elapsed.lock().unwrap() += by;
        }
        fn at(&self, offset: Duration) -> Instant {
            self.start + offset
        }
        fn elapsed(&self) -> Duration {
            *self.elapsed.lock().unwrap()
        }
        fn sleeps(&self) -> Vec<Duration> {
            self.sleeps.lock().unwrap().clone()
        }
    }

    impl Clock for FakeTime {
        fn now(&self) -> Instant {
            self.start + self.elapsed()
        }
    }

    impl Sleeper for FakeTime {
        fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
            self.sleeps.lock().unwrap().push(duration);
            self.advance(duration);
            Box::pin(async {})
        }
    }

    enum Scripted {
        Pending,
        Ready,
        Fail(Error),
    }

    fn session() -> Session {
        Session::new(
            "maillink",
            "alice",
            AccessToken::new("tok"),
            TokenScheme::Bearer,
        )
    }

    /// Runs the loop against a script of answers (then pending forever); returns the result,
    /// the sleeps, the polls' times and the progress reports.
    fn drive(
        time: &FakeTime,
        deadline: Duration,
        options: WaitOptions,
        script: Vec<Scripted>,
    ) -> (Result<Session>, Vec<Duration>, Vec<Duration>, Vec<Progress>) {
        let reports = Arc::new(Mutex::new(Vec::new()));
        let sink = reports.clone();
        let options = options
            .clock(time.clone())
            .sleeper(time.clone())
            .on_progress(move |p| sink.lock().unwrap().push(p.clone()));
        let script = Mutex::new(VecDeque::from(script));
        let poll_times = Mutex::new(Vec::new());
        let expires = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let result = futures_executor(run(time.at(deadline), expires, &options, || {
            poll_times.lock().unwrap().push(time.elapsed());
            let next = script
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(Scripted::Pending);
            async move {
                match next {
                    Scripted::Pending => Ok(Answer::Pending(Some("not yet".into()))),
                    Scripted::Ready => Ok(Answer::Ready(session())),
                    Scripted::Fail(err) => Err(err),
                }
            }
        }));
        let polls = poll_times.into_inner().unwrap();
        let reports = reports.lock().unwrap().clone();
        (result, time.sleeps(), polls, reports)
    }

    /// The fake sleeper never really waits, so a current-thread runtime runs the loop at once.
    fn futures_executor<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    fn exact() -> WaitOptions {
        WaitOptions::new().jitter(0.0)
    }

    #[test]
    fn waits_one_interval_before_the_first_poll_and_between_polls() {
        let time = FakeTime::new();
        let script = vec![Scripted::Pending, Scripted::Pending, Scripted::Ready];
        let (result, sleeps, polls, reports) =
            drive(&time, Duration::from_secs(60), exact(), script);
        assert_eq!(result.unwrap().user_id(), "alice");
        assert_eq!(sleeps, [Duration::from_secs(2); 3]);
        assert_eq!(polls, [2, 4, 6].map(Duration::from_secs));
        assert_eq!(reports[0].event, PollEvent::Started);
        assert_eq!(reports[0].polls, 0);
        assert_eq!(reports[1].event, PollEvent::Pending);
        assert_eq!(reports[2].remaining, Duration::from_secs(56));
        assert_eq!(reports.len(), 3, "no report after success");
    }

    #[test]
    fn never_confirmed_expires_after_one_last_poll_at_the_deadline() {
        let time = FakeTime::new();
        let (result, sleeps, polls, _) = drive(&time, Duration::from_secs(5), exact(), vec![]);
        let err = result.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Expired);
        // 2 s, 2 s, then the last second, clamped: the last poll is at the deadline.
        assert_eq!(sleeps, [2000, 2000, 1000].map(|ms| MS * ms));
        assert_eq!(polls, [2, 4, 5].map(Duration::from_secs));
        let text = err.to_string();
        assert!(
            text.contains("no confirmation before 2027-01-15T08:00:00Z (3 polls)"),
            "{text}"
        );
        assert!(text.contains("the server last said: not yet"), "{text}");
        assert!(!text.contains("usable answer"), "{text}");
    }

    #[test]
    fn a_deadline_already_passed_means_one_poll_then_expired() {
        let time = FakeTime::new();
        let (result, sleeps, polls, _) = drive(&time, Duration::ZERO, exact(), vec![]);
        let err = result.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Expired);
        assert!(err.to_string().contains("(1 poll);"), "{err}");
        assert!(sleeps.is_empty());
        assert_eq!(polls.len(), 1);
        // A confirmation seen by that one poll still counts.
        let time = FakeTime::new();
        let (result, _, _, _) = drive(&time, Duration::ZERO, exact(), vec![Scripted::Ready]);
        assert!(result.is_ok());
    }

    #[test]
    fn rate_limits_slow_down_for_good_and_honour_retry_after() {
        let time = FakeTime::new();
        let limited = |secs: Option<u64>| {
            Scripted::Fail(Error::new(ErrorKind::RateLimited {
                retry_after: secs.map(Duration::from_secs),
            }))
        };
        let script = vec![
            limited(Some(10)),
            Scripted::Pending,
            limited(None),
            Scripted::Ready,
        ];
        let (result, sleeps, _, reports) = drive(&time, Duration::from_secs(600), exact(), script);
        assert!(result.is_ok());
        // first 2 s; Retry-After 10 s (> 2 + 5); then the grown interval 7 s; then 12 s.
        assert_eq!(sleeps, [2, 10, 7, 12].map(Duration::from_secs));
        assert_eq!(
            reports[1].event,
            PollEvent::SlowDown {
                retry_after: Some(Duration::from_secs(10))
            }
        );
        assert_eq!(reports[1].next_poll_in, Duration::from_secs(10));
    }

    #[test]
    fn transient_failures_back_off_and_other_answers_stop() {
        let time = FakeTime::new();
        let server_error = || {
            Scripted::Fail(Error::api(
                omniauth_types::http::StatusCode::SERVICE_UNAVAILABLE,
                "busy",
            ))
        };
        let script = vec![
            server_error(),
            Scripted::Fail(Error::new(ErrorKind::Transport)),
            server_error(),
            Scripted::Pending,
            Scripted::Ready,
        ];
        let (result, sleeps, _, reports) = drive(&time, Duration::from_secs(600), exact(), script);
        assert!(result.is_ok());
        assert_eq!(sleeps, [2, 4, 8, 16, 2].map(Duration::from_secs));
        assert_eq!(
            reports[2].event,
            PollEvent::Retrying {
                error: ErrorKind::Transport
            }
        );

        let time = FakeTime::new();
        let script = vec![
            Scripted::Pending,
            Scripted::Fail(Error::new(ErrorKind::NotFound)),
        ];
        let (result, _, polls, _) = drive(&time, Duration::from_secs(600), exact(), script);
        assert_eq!(result.unwrap_err().kind(), &ErrorKind::NotFound);
        assert_eq!(polls.len(), 2, "a 404 stops at once");
    }

    #[test]
    fn expiry_after_lost_answers_says_the_token_may_be_used_up() {
        let time = FakeTime::new();
        let script = vec![Scripted::Fail(Error::new(ErrorKind::Transport))];
        let (result, _, _, _) = drive(&time, Duration::from_secs(10), exact(), script);
        let err = result.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Expired);
        assert!(err.to_string().contains("start a new login"), "{err}");
    }

    #[test]
    fn a_slow_poll_that_crosses_the_deadline_gets_one_more_poll() {
        let time = FakeTime::new();
        let reports = Arc::new(Mutex::new(0_u32));
        let polls = reports.clone();
        let options = exact().clock(time.clone()).sleeper(time.clone());
        let expires = DateTime::from_timestamp(0, 0).unwrap();
        let result = futures_executor(run(
            time.at(Duration::from_secs(3)),
            expires,
            &options,
            || {
                *polls.lock().unwrap() += 1;
                // Each poll takes 2 s: the first ends at 4 s, past the deadline.
                time.advance(Duration::from_secs(2));
                async { Ok(Answer::Pending(None)) }
            },
        ));
        assert_eq!(result.unwrap_err().kind(), &ErrorKind::Expired);
        assert_eq!(*reports.lock().unwrap(), 2);
        assert_eq!(time.sleeps(), [Duration::from_secs(2)]);
    }

    #[test]
    fn options_debug_and_jitter_bounds() {
        let options = WaitOptions::new().jitter(f64::NAN).on_progress(|_| {});
        assert!(options.jitter_value().abs() < f64::EPSILON);
        let debug = format!("{options:?}");
        assert!(
            debug.contains("interval: 2s") && debug.contains("progress: true"),
            "{debug}"
        );
        assert!((WaitOptions::new().jitter(-1.0).jitter_value()).abs() < f64::EPSILON);
    }
}
