//! Single flight under load: 1,000 concurrent `SessionManager::access_token()` calls on an
//! expired GoScrobble session. Reports the number of refresh requests the server received
//! (must be 1) and the spread of the callers' latencies (min, median, p99, max).
//!
//! Run: `nice -n 10 cargo bench -p omniauth-e2e --bench single_flight` (results in
//! docs/performance.md). The same scenario is a test: `tests/single_flight.rs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use goscrobble_api::{Client, GoScrobbleAuthenticator};
use omniauth::{Authenticator, MemoryStore, Password, SessionManager};
use omniauth_testkit::goscrobble::GoScrobble;
use omniauth_types::http::Method;
use omniauth_types::transport::RetryPolicy;

const CALLERS: usize = 1000;
const RUNS: usize = 5;

async fn run() -> (usize, Vec<Duration>) {
    let emulator = GoScrobble::builder()
        .without_rate_limits()
        .jwt_expiry(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    emulator.add_user("alice", "correct horse battery", "alice@example.com");
    let client = Client::builder()
        .base_url(emulator.base_url())
        .heavy_rate_limit(None)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let mut session = client
        .login("alice", &Password::new("correct horse battery"))
        .await
        .unwrap();
    session.set_expires_at(Some(chrono::Utc::now() - chrono::TimeDelta::seconds(5)));
    let authenticator: Arc<dyn Authenticator> = Arc::new(GoScrobbleAuthenticator::new(client));
    let manager = Arc::new(SessionManager::new(
        authenticator,
        MemoryStore::new(),
        "goscrobble/alice",
    ));
    manager.save(session).await.unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(CALLERS));
    let callers: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (manager, barrier) = (manager.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let start = Instant::now();
                manager.access_token().await.unwrap();
                start.elapsed()
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(CALLERS);
    for caller in callers {
        latencies.push(caller.await.unwrap());
    }
    let refreshes = emulator
        .server()
        .requests()
        .count(&Method::POST, "/api/v1/refresh");
    (refreshes, latencies)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for round in 1..=RUNS {
            let (refreshes, mut latencies) = run().await;
            latencies.sort_unstable();
            let at = |q: f64| {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
                let index = ((latencies.len() - 1) as f64 * q).round() as usize;
                latencies[index]
            };
            println!(
                "single flight run {round}: {CALLERS} callers, {refreshes} refresh request(s) (target 1); latency min {:?}, median {:?}, p99 {:?}, max {:?}",
                at(0.0),
                at(0.5),
                at(0.99),
                at(1.0)
            );
        }
    });
}
