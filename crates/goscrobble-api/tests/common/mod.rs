//! Shared set-up: an emulator and a client of it, with no waiting anywhere.
#![allow(dead_code)] // Each test binary uses a part.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use goscrobble_api::{Client, ErrorKind, Password, Session};
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
    client_recording(server, &RecordingSleeper::default())
}

/// A client that never waits, its retry sleeps recorded by `sleeper`.
pub fn client_recording(server: &GoScrobble, sleeper: &RecordingSleeper) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .heavy_rate_limit(None)
        .retry(RetryPolicy::default().with_sleeper(sleeper.clone()))
        .build()
        .expect("the client builds")
}

pub fn password() -> Password {
    Password::new(PASSWORD)
}

/// An emulator from `builder`, without its rate limits, holding `alice` (password
/// [`PASSWORD`], `email`), and a client of it.
pub async fn alice_on(builder: GoScrobbleBuilder, email: &str) -> (GoScrobble, Client) {
    let server = server_with(builder.without_rate_limits()).await;
    server.add_user("alice", PASSWORD, email);
    let client = client(&server);
    (server, client)
}

/// An emulator with `alice` and a session of hers.
pub async fn signed_in() -> (GoScrobble, Client, Session) {
    let (server, client) = alice_on(GoScrobble::builder(), "alice@example.com").await;
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

/// Clears the faults so far, then answers every request to `path` the way the server reports
/// a failure: a 200 whose JSON `error` is `text`.
pub fn answer_error(server: &GoScrobble, path: &str, text: &str) {
    server.server().faults().clear();
    answer(server, path, 200, &format!(r#"{{"error":"{text}"}}"#));
}

/// The kind of an error answer of the server with `status` and `message`.
pub fn api_error(status: u16, message: &str) -> ErrorKind {
    ErrorKind::Api {
        status,
        message: message.into(),
    }
}

/// How many `POST`s to `path` (under the base path) the server received.
pub fn posts(server: &GoScrobble, path: &str) -> usize {
    server.server().requests().count(
        &omniauth_types::http::Method::POST,
        &format!("/api/v1{path}"),
    )
}
