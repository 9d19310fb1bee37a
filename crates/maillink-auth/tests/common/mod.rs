//! Shared setup: an emulator, a client for it, and tiny timings.
#![allow(dead_code)] // Each test binary uses part of it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use maillink_auth::{Client, PendingLogin, Progress, SessionPlatform, WaitOptions};
use omniauth_testkit::maillink::{Maillink, MaillinkBuilder};

pub const MS: Duration = Duration::from_millis(1);
pub const EMAIL: &str = "alice@example.com";

/// Polls every 20 ms, no jitter, +10 ms per 429, backoff capped at 80 ms.
pub fn fast() -> WaitOptions {
    WaitOptions::new()
        .min_interval(MS)
        .interval(MS * 20)
        .jitter(0.0)
        .slow_down_step(MS * 10)
        .max_backoff(MS * 80)
}

/// Collects progress reports.
#[derive(Clone, Default)]
pub struct Reports(Arc<Mutex<Vec<Progress>>>);

impl Reports {
    pub fn options(&self, options: WaitOptions) -> WaitOptions {
        let sink = self.0.clone();
        options.on_progress(move |p| sink.lock().unwrap().push(p.clone()))
    }

    pub fn all(&self) -> Vec<Progress> {
        self.0.lock().unwrap().clone()
    }
}

/// An emulator with alice (with an email) and a client for it.
pub async fn start(builder: MaillinkBuilder) -> (Maillink, Client) {
    let maillink = builder.start().await.unwrap();
    maillink.add_account("alice", Some(EMAIL));
    let client = Client::new(maillink.base_url()).unwrap();
    (maillink, client)
}

/// An emulator with alice (see [`start`]) and her login, started.
pub async fn start_login(builder: MaillinkBuilder) -> (Maillink, PendingLogin) {
    let (maillink, client) = start(builder).await;
    let pending = login(&client).await;
    (maillink, pending)
}

/// Starts alice's login.
pub async fn login(client: &Client) -> PendingLogin {
    client
        .start_login("alice", EMAIL, &SessionPlatform::CLI)
        .await
        .unwrap()
}

/// The path polled for this login.
pub fn poll_path(pending: &PendingLogin) -> String {
    use maillink_auth::ExposeSecret;
    format!("/auth/session/{}", pending.auth_id().expose_secret())
}

/// How many polls the server received.
pub fn polls(maillink: &Maillink, pending: &PendingLogin) -> usize {
    maillink
        .server()
        .requests()
        .count(&http::Method::GET, &poll_path(pending))
}
