//! Shared set-up: an emulator and a client without the client-side limiter.

#![allow(dead_code)] // Each test file uses part of it.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::StatusCode;
use omniauth_testkit::resonite::Resonite;
use omniauth_testkit::{Fault, FaultRule};
use omniauth_types::transport::{RetryPolicy, Sleeper};
use omniauth_types::{Password, Session};
use resonite_api::hub::{HubBuilder, ReconnectPolicy};
use resonite_api::{Client, LoginIdentifier, LoginRequest};

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

/// Logs `name` in with [`PASSWORD`].
pub async fn signed_in(client: &Client, name: &str) -> Session {
    let request = LoginRequest::password(LoginIdentifier::guess(name), Password::new(PASSWORD));
    client
        .login(&request)
        .await
        .expect("the login succeeds")
        .session
}

/// Accounts `names` (`<name>@example.com`, [`PASSWORD`]).
pub fn add_accounts(resonite: &Resonite, names: &[&str]) {
    for name in names {
        resonite.add_account(name, &format!("{name}@example.com"), PASSWORD);
    }
}

/// `count` accounts `friend0`… that `owner` (a user id) has as accepted contacts.
pub fn add_friends(resonite: &Resonite, owner: &str, count: usize) {
    for n in 0..count {
        let name = format!("friend{n}");
        resonite.add_account(&name, &format!("{name}@example.com"), PASSWORD);
        resonite.add_contact(owner, &format!("U-{name}"), "Accepted");
    }
}

/// The next answer of `path` is a 200 with `body`.
pub fn answer_with(resonite: &Resonite, path: &str, body: &str) {
    resonite.server().faults().inject(FaultRule::new(
        path,
        Fault::Status {
            status: StatusCode::OK,
            retry_after: None,
            body: body.to_owned(),
        },
    ));
}

/// A hub with short timers, so that tests never wait long.
pub fn fast_hub() -> HubBuilder {
    HubBuilder::default()
        .ping_interval(Duration::from_millis(100))
        .server_timeout(Duration::from_secs(3))
        .call_timeout(Duration::from_secs(3))
        .reconnect_wait(Duration::from_secs(3))
        .reconnect(ReconnectPolicy::new(
            vec![Duration::from_millis(20)],
            Some(50),
        ))
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
