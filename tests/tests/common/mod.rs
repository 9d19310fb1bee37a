//! Shared set-up of the reliability suite: one emulator and one client per service, built
//! so that nothing waits (recorded retry sleeps, no client-side rate limits). The bench
//! `single_flight` includes it too, for the scenario in [`single_flight`].
#![allow(dead_code)] // Each test binary uses a part.

pub mod fleet;
pub mod hostile;
pub mod single_flight;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use omniauth_testkit::goscrobble::{GoScrobble, GoScrobbleBuilder};
use omniauth_types::transport::{RetryPolicy, Sleeper};

pub const PASSWORD: &str = "correct horse battery staple";
pub const EMAIL: &str = "alice@example.com";

/// Records the waits the transport asks for instead of spending them.
#[derive(Clone, Default)]
pub struct RecordingSleeper(pub Arc<Mutex<Vec<Duration>>>);

impl RecordingSleeper {
    pub fn waits(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }

    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.0.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

/// The default policy (two retries, `Retry-After` honoured up to 30 s) with recorded sleeps.
pub fn retry(sleeper: &RecordingSleeper) -> RetryPolicy {
    RetryPolicy::default().with_sleeper(sleeper.clone())
}

/// A GoScrobble emulator from `emulator`, without its rate limits, holding alice; and the
/// builder of a client of it that never waits on its own: no heavy-tier limit, retries by
/// `retry`.
pub async fn goscrobble(
    emulator: GoScrobbleBuilder,
    retry: RetryPolicy,
) -> (GoScrobble, goscrobble_api::ClientBuilder) {
    let emulator = emulator.without_rate_limits().start().await.unwrap();
    emulator.add_user("alice", PASSWORD, EMAIL);
    let client = goscrobble_api::Client::builder()
        .base_url(emulator.base_url())
        .heavy_rate_limit(None)
        .retry(retry);
    (emulator, client)
}
