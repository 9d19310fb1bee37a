//! Shared set-up: an emulator and a client of it, with no waiting anywhere.
#![allow(dead_code)] // Each test binary uses a part.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use goscrobble_api::{Client, Password, Session};
use omniauth_testkit::goscrobble::{GoScrobble, GoScrobbleBuilder};
use omniauth_types::transport::{RetryPolicy, Sleeper};

pub const PASSWORD: &str = "correct-horse-battery";

/// Records the waits the transport asks for instead of spending them.
#[derive(Clone, Default)]
pub struct RecordingSleeper(pub Arc<Mutex<Vec<Duration>>>);

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.0.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

/// An emulator without rate limits (tests that need them build their own).
pub async fn server() -> GoScrobble {
    server_with(GoScrobble::builder().without_rate_limits()).await
}

pub async fn server_with(builder: GoScrobbleBuilder) -> GoScrobble {
    builder.start().await.expect("the emulator starts")
}

/// A client that never waits: no heavy-tier limiter, retries with recorded sleeps.
pub fn client(server: &GoScrobble) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .heavy_rate_limit(None)
        .retry(RetryPolicy::default().with_sleeper(RecordingSleeper::default()))
        .build()
        .expect("the client builds")
}

pub fn password() -> Password {
    Password::new(PASSWORD)
}

/// An emulator with `alice` and a session of hers.
pub async fn signed_in() -> (GoScrobble, Client, Session) {
    let server = server().await;
    server.add_user("alice", PASSWORD, "alice@example.com");
    let client = client(&server);
    let session = client
        .login("alice", &password())
        .await
        .expect("alice logs in");
    (server, client, session)
}

/// Answers every request to `path` (under the base path) with `status` and `body`.
pub fn answer(server: &GoScrobble, path: &str, status: u16, body: &str) {
    use omniauth_testkit::{Fault, FaultRule};
    server.server().faults().inject(FaultRule::new(
        format!("/api/v1{path}"),
        Fault::Status {
            status: omniauth_types::http::StatusCode::from_u16(status).unwrap(),
            retry_after: None,
            body: body.to_owned(),
        },
    ));
}
