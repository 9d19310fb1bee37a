//! Single flight under load: 1,000 concurrent `SessionManager::access_token()` calls on an
//! expired GoScrobble session. Reports the number of refresh requests the server received
//! (must be 1) and the spread of the callers' latencies (min, median, p99, max).
//!
//! Run: `nice -n 10 cargo bench -p omniauth-e2e --bench single_flight` (results in
//! docs/performance.md). The same scenario, from `tests/common/single_flight.rs`, is a test:
//! `tests/single_flight.rs`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::single_flight::{CALLERS, Scenario};
use omniauth_types::transport::RetryPolicy;

const RUNS: usize = 5;

async fn run() -> (usize, Vec<Duration>) {
    let scenario = Scenario::start(RetryPolicy::none()).await;
    let latencies = scenario
        .stampede()
        .await
        .into_iter()
        .map(|(token, latency)| {
            token.unwrap();
            latency
        })
        .collect();
    (scenario.refreshes(), latencies)
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
