//! Typed service calls against their emulators vs raw reqwest + serde of the same request and
//! the same JSON on the same server, in the same run. Prints ratios; asserts nothing about time.
//!
//! - overhead: Resonite `Client::user` (GET /users/{id}) and GoScrobble `Client::refresh`
//!   (POST /api/v1/refresh, a rotating refresh token, the JWT's claims read back) — medians,
//!   typed / raw, target <= 1.05;
//! - concurrency: 64 tasks x 50 Resonite `user` calls over one client vs one raw
//!   `reqwest::Client`, target throughput >= 0.95x, with the TCP connections each opened.
//!
//! Run: `nice -n 10 cargo bench -p omniauth-e2e --bench services` (results in
//! docs/performance.md).

use std::future::Future;
use std::time::{Duration, Instant};

use base64::Engine as _;
use omniauth_testkit::goscrobble::GoScrobble;
use omniauth_testkit::resonite::Resonite;
use omniauth_types::transport::RetryPolicy;
use omniauth_types::{ExposeSecret as _, Password, Session};
use resonite_api::model::{User, UserId};
use serde::{Deserialize, Serialize};

const WARMUP: usize = 200;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

#[allow(clippy::cast_precision_loss)] // Nanoseconds of a bench, far below 2^52.
fn ratio(typed: Duration, raw: Duration) -> f64 {
    typed.as_nanos() as f64 / raw.as_nanos() as f64
}

fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Runs `typed` and `raw` alternately (each goes first half the time) and returns their medians.
async fn alternate<T, R, TF, RF>(rounds: usize, mut typed: T, mut raw: R) -> (Duration, Duration)
where
    T: FnMut() -> TF,
    R: FnMut() -> RF,
    TF: Future<Output = ()>,
    RF: Future<Output = ()>,
{
    let (mut typed_times, mut raw_times) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for round in 0..rounds + WARMUP {
        for typed_first in [round % 2 == 0, round % 2 != 0] {
            let start = Instant::now();
            if typed_first {
                typed().await;
                if round >= WARMUP {
                    typed_times.push(start.elapsed());
                }
            } else {
                raw().await;
                if round >= WARMUP {
                    raw_times.push(start.elapsed());
                }
            }
        }
    }
    (median(typed_times), median(raw_times))
}

async fn resonite() -> Resonite {
    let emulator = Resonite::builder().rate_limit(None).start().await.unwrap();
    emulator.add_account("bench", "bench@example.com", "correct horse battery");
    emulator
}

fn resonite_client(emulator: &Resonite) -> resonite_api::Client {
    resonite_api::Client::builder()
        .base_url(emulator.base_url())
        .no_rate_limit()
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

async fn resonite_overhead() {
    let emulator = resonite().await;
    let client = resonite_client(&emulator);
    let raw = raw_client();
    let id = UserId::new("U-bench");
    let url = format!("{}/users/U-bench", emulator.base_url());
    let (typed, plain) = alternate(
        3000,
        || async {
            let user = client.user(&id).await.unwrap();
            assert_eq!(user.id, id);
        },
        || async {
            let user: User = raw
                .get(&url)
                .send()
                .await
                .unwrap()
                .error_for_status()
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(user.id, id);
        },
    )
    .await;
    println!(
        "overhead resonite user: typed median {typed:?}, raw reqwest+serde median {plain:?}, ratio {:.3} (target <= 1.05)",
        ratio(typed, plain)
    );
}

#[derive(Serialize)]
struct RefreshBody<'a> {
    token: &'a str,
}

#[derive(Deserialize)]
struct TokenAnswer {
    token: String,
}

#[derive(Deserialize)]
struct RefreshClaims {
    refresh_token: String,
}

/// What a hand-written client does with the answer: read the new refresh token from the JWT.
fn refresh_token_of(jwt: &str) -> String {
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice::<RefreshClaims>(&bytes)
        .unwrap()
        .refresh_token
}

async fn goscrobble_overhead() {
    let emulator = GoScrobble::builder()
        .without_rate_limits()
        .start()
        .await
        .unwrap();
    emulator.add_user("typed", "correct horse battery", "typed@example.com");
    emulator.add_user("raw", "correct horse battery", "raw@example.com");
    let client = goscrobble_api::Client::builder()
        .base_url(emulator.base_url())
        .heavy_rate_limit(None)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let password = Password::new("correct horse battery");
    let typed_session = std::cell::RefCell::new(client.login("typed", &password).await.unwrap());
    let raw_session: Session = client.login("raw", &password).await.unwrap();
    let raw_token = std::cell::RefCell::new(
        raw_session
            .refresh_token()
            .unwrap()
            .expose_secret()
            .to_owned(),
    );
    let raw = raw_client();
    let url = format!("{}/refresh", emulator.base_url());
    let (typed, plain) = alternate(
        2000,
        || async {
            let current = typed_session.borrow().clone();
            let next = client.refresh(&current).await.unwrap();
            *typed_session.borrow_mut() = next;
        },
        || async {
            let current = raw_token.borrow().clone();
            let answer: TokenAnswer = raw
                .post(&url)
                .json(&RefreshBody { token: &current })
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            *raw_token.borrow_mut() = refresh_token_of(&answer.token);
        },
    )
    .await;
    println!(
        "overhead goscrobble refresh: typed median {typed:?}, raw reqwest+serde median {plain:?}, ratio {:.3} (target <= 1.05)",
        ratio(typed, plain)
    );
}

async fn throughput<F, Fut>(tasks: usize, calls: usize, call: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                for _ in 0..calls {
                    call().await;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    #[allow(clippy::cast_precision_loss)] // Counts far below 2^52.
    let total = (tasks * calls) as f64;
    total / start.elapsed().as_secs_f64()
}

async fn resonite_concurrency() {
    let (mut typed_rates, mut raw_rates, mut connections) = (Vec::new(), Vec::new(), (0, 0));
    for _ in 0..3 {
        let typed_server = resonite().await;
        let client = resonite_client(&typed_server);
        typed_rates.push(
            throughput(64, 50, move || {
                let client = client.clone();
                async move {
                    client.user(&UserId::new("U-bench")).await.unwrap();
                }
            })
            .await,
        );
        let raw_server = resonite().await;
        let raw = raw_client();
        let url = format!("{}/users/U-bench", raw_server.base_url());
        raw_rates.push(
            throughput(64, 50, move || {
                let (raw, url) = (raw.clone(), url.clone());
                async move {
                    let _: User = raw
                        .get(&url)
                        .send()
                        .await
                        .unwrap()
                        .error_for_status()
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                }
            })
            .await,
        );
        connections = (
            typed_server.server().connections_accepted(),
            raw_server.server().connections_accepted(),
        );
    }
    let typed_rate = typed_rates.iter().copied().fold(0.0, f64::max);
    let raw_rate = raw_rates.iter().copied().fold(0.0, f64::max);
    println!(
        "concurrency resonite user, 64 tasks x 50 calls: typed {typed_rate:.0} req/s, raw {raw_rate:.0} req/s, ratio {:.3} (target >= 0.95); connections opened: typed {}, raw {}",
        typed_rate / raw_rate,
        connections.0,
        connections.1
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        resonite_overhead().await;
        goscrobble_overhead().await;
        resonite_concurrency().await;
    });
}
