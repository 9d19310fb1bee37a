//! Overhead and concurrency of the shared transport against raw reqwest + serde, on the same
//! loopback server, in the same run. Prints ratios; asserts nothing about time.
//!
//! Run: `cargo bench -p omniauth-e2e --bench transport` (results go to docs/performance.md).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::routing::get;
use omniauth_testkit::TestServer;
use omniauth_types::transport::Transport;
use serde::Deserialize;
use serde_json::json;

/// The shape of a typical user answer (about 400 bytes).
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // Decoded to measure decoding; the fields are not read.
struct User {
    id: String,
    username: String,
    #[serde(rename = "registrationDate")]
    registration_date: String,
    tags: Vec<String>,
    profile: Profile,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Profile {
    #[serde(rename = "iconUrl")]
    icon_url: String,
    #[serde(rename = "tagline")]
    tagline: String,
}

fn app() -> Router {
    let user = json!({
        "id": "U-bench-user-0001",
        "username": "bench",
        "registrationDate": "2024-01-02T03:04:05.678Z",
        "tags": ["team member", "mentor", "hearing impaired", "translator"],
        "profile": {"iconUrl": "resdb:///abcdef0123456789abcdef0123456789abcdef0123456789.webp", "tagline": "x".repeat(120)},
        "isVerified": true, "supporterMetadata": [], "entitlements": []
    });
    Router::new().route(
        "/users/{id}",
        get(move || std::future::ready(Json(user.clone()))),
    )
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// Medians of three ways to make the same call, interleaved in one run: the typed call, bare
/// reqwest + serde, and reqwest + serde with what the transport always sends (a per-request
/// timeout and a user agent).
async fn overhead(
    server: &TestServer,
    transport: &Transport,
    raw: &reqwest::Client,
) -> (Duration, Duration, Duration) {
    const ROUNDS: usize = 3000;
    const WARMUP: usize = 200;
    let url = server.url("/users/U-bench-user-0001");
    let mut samples = [
        Vec::with_capacity(ROUNDS),
        Vec::with_capacity(ROUNDS),
        Vec::with_capacity(ROUNDS),
    ];
    for round in 0..ROUNDS + WARMUP {
        // Rotate which goes first so none always gets the warmer cache.
        for offset in 0..3 {
            let which = (round + offset) % 3;
            let start = Instant::now();
            let _: User = match which {
                0 => transport
                    .get("/users/{id}")
                    .path_param("id", "U-bench-user-0001")
                    .send_json()
                    .await
                    .unwrap(),
                1 => raw.get(&url).send().await.unwrap().json().await.unwrap(),
                _ => raw
                    .get(&url)
                    .timeout(Duration::from_secs(30))
                    .header("user-agent", "bench/1")
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap(),
            };
            if round >= WARMUP {
                samples[which].push(start.elapsed());
            }
        }
    }
    let [typed, bare, equal] = samples;
    (median(typed), median(bare), median(equal))
}

async fn throughput<F, Fut>(tasks: usize, calls: usize, call: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
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

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = TestServer::start(app()).await.unwrap();
        let transport = Transport::builder("bench", server.base_url()).unwrap().build().unwrap();
        let raw = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

        let (typed, bare, equal) = overhead(&server, &transport, &raw).await;
        #[allow(clippy::cast_precision_loss)] // Nanosecond medians, far below 2^52.
        let ratio = |baseline: Duration| typed.as_nanos() as f64 / baseline.as_nanos() as f64;
        println!(
            "overhead: typed get median {typed:?}; raw reqwest+serde with the same per-request timeout and user agent {equal:?}, ratio {:.3} (target <= 1.05); bare raw (no timeout) {bare:?}, ratio {:.3}",
            ratio(equal),
            ratio(bare)
        );

        let mut typed_rates = Vec::new();
        let mut raw_rates = Vec::new();
        let mut connections = (0, 0);
        for _ in 0..3 {
            let typed_server = TestServer::start(app()).await.unwrap();
            let transport = Transport::builder("bench", typed_server.base_url()).unwrap().build().unwrap();
            typed_rates.push(
                throughput(64, 50, move || {
                    let transport = transport.clone();
                    async move {
                        let _: User = transport.get("/users/{id}").path_param("id", "U-1").send_json().await.unwrap();
                    }
                })
                .await,
            );
            let raw_server = Arc::new(TestServer::start(app()).await.unwrap());
            let raw = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
            let url = raw_server.url("/users/U-1");
            raw_rates.push(
                throughput(64, 50, move || {
                    let (raw, url) = (raw.clone(), url.clone());
                    async move {
                        let _: User = raw.get(&url).send().await.unwrap().json().await.unwrap();
                    }
                })
                .await,
            );
            connections = (typed_server.connections_accepted(), raw_server.connections_accepted());
        }
        let typed_rate = typed_rates.iter().copied().fold(0.0, f64::max);
        let raw_rate = raw_rates.iter().copied().fold(0.0, f64::max);
        println!(
            "concurrency: 64 tasks x 50 calls: typed {typed_rate:.0} req/s, raw {raw_rate:.0} req/s, ratio {:.3} (target >= 0.95); connections opened: typed {}, raw {}",
            typed_rate / raw_rate,
            connections.0,
            connections.1
        );
    });
}
