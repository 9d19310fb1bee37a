//! Shared set-up: an emulator and a client without the client-side limiter.

#![allow(dead_code)] // Each test file uses part of it.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use omniauth_testkit::resonite::Resonite;
use omniauth_types::transport::{RetryPolicy, Sleeper};
use resonite_api::Client;

pub const PASSWORD: &str = "correct horse battery";

pub async fn emulator() -> Resonite {
    Resonite::builder()
        .rate_limit(None)
        .start()
        .await
        .expect("the emulator starts")
}

/// A client with no client-side limit and no retries.
pub fn client(resonite: &Resonite) -> Client {
    Client::builder()
        .base_url(resonite.base_url())
        .no_rate_limit()
        .retry(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("the client builds")
}

/// A sleeper that records the waits instead of spending them.
#[derive(Clone, Default)]
pub struct RecordingSleeper(pub Arc<Mutex<Vec<Duration>>>);

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.0.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

/// `records` as one stream, each followed by the record separator (`0x1E`), and the frame
/// boundaries `cuts` make of it: character boundaries only, the stream's start and end
/// included, sorted, without repeats.
pub fn stream_and_cuts(records: &[String], cuts: &[usize]) -> (String, Vec<usize>) {
    let mut stream = String::new();
    for record in records {
        stream.push_str(record);
        stream.push('\u{1e}');
    }
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|c| c % (stream.len() + 1))
        .filter(|c| stream.is_char_boundary(*c))
        .chain([0, stream.len()])
        .collect();
    points.sort_unstable();
    points.dedup();
    (stream, points)
}

/// The records a frame decoder hands out of `records`: the blank ones are skipped.
pub fn nonblank(records: &[String]) -> Vec<String> {
    records
        .iter()
        .filter(|r| !r.trim().is_empty())
        .cloned()
        .collect()
}
