//! Overhead and concurrency of the shared transport against raw reqwest + serde, on the same
//! loopback server, in the same run. Prints ratios; asserts nothing about time. Two baselines:
//! bare reqwest, and reqwest with the transport's settings (connect timeout, per-request
//! timeout, user agent: see `common`).
//!
//! Run: `cargo bench -p omniauth-e2e --bench transport` (results go to docs/performance.md);
//! `OMNIAUTH_BENCH_RUNTIME=current` for the overhead on a current-thread runtime
//! (`common::runtime`); `OMNIAUTH_BENCH_GAP_US=0` for calls back to back (`common::GAP`).

mod common;

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

/// The typed call: `GET /users/{id}` through the shared transport, decoded.
async fn typed_get(transport: &Transport, id: &'static str) {
    let _: User = transport
        .get("/users/{id}")
        .path_param("id", id)
        .send_json()
        .await
        .unwrap();
}

/// The same call by hand: bare, or with the settings the transport always sends (`same`).
async fn raw_get(raw: &reqwest::Client, url: &str, same: bool) {
    let request = common::with_settings(raw.get(url), same);
    let _: User = request.send().await.unwrap().json().await.unwrap();
}

/// Medians of the same call made four ways, interleaved in one run: through two transports
/// (an A/A pair), bare reqwest + serde, and reqwest + serde with the transport's settings.
async fn overhead(server: &TestServer) -> common::Overhead {
    let build = || {
        Transport::builder("bench", server.base_url())
            .unwrap()
            .build()
            .unwrap()
    };
    let typed = &[build(), build()];
    let url = &server.url("/users/U-bench-user-0001");
    let (bare, same) = (&common::raw_client(), &common::raw_client_same());
    common::Overhead::measure(
        3000,
        200,
        |which| typed_get(&typed[which], "U-bench-user-0001"),
        |with_settings| raw_get(if with_settings { same } else { bare }, url, with_settings),
    )
    .await
}

/// 64 tasks x 50 calls over one client against a fresh server (so its connection count is
/// this run's alone): typed (`None`) or raw, bare or with the same settings.
async fn concurrency_round(raw: Option<bool>) -> (f64, usize) {
    let server = TestServer::start(app()).await.unwrap();
    let rate = match raw {
        None => {
            let transport = Transport::builder("bench", server.base_url())
                .unwrap()
                .build()
                .unwrap();
            common::throughput(TASKS, CALLS, move || {
                let transport = transport.clone();
                async move { typed_get(&transport, "U-1").await }
            })
            .await
        }
        Some(same) => {
            let raw = common::baseline_client(same);
            let url = server.url("/users/U-1");
            common::throughput(TASKS, CALLS, move || {
                let (raw, url) = (raw.clone(), url.clone());
                async move { raw_get(&raw, &url, same).await }
            })
            .await
        }
    };
    (rate, server.connections_accepted())
}

const TASKS: usize = 64;
const CALLS: usize = 50;
const CONCURRENCY_ROUNDS: usize = 31;

fn main() {
    let runtime = common::runtime();
    runtime.block_on(async {
        let server = TestServer::start(app()).await.unwrap();
        overhead(&server).await.report("transport get", "<= 1.05");

        let rates = common::interleaved_rounds(CONCURRENCY_ROUNDS, concurrency_round).await;
        common::report_concurrency("transport", TASKS, CALLS, &rates);
    });
}
