//! Typed service calls against their emulators vs raw reqwest + serde of the same request and
//! the same JSON on the same server, in the same run. Prints ratios; asserts nothing about time.
//!
//! - overhead: Resonite `Client::user` (GET /users/{id}) and GoScrobble `Client::refresh`
//!   (POST /api/v1/refresh, a rotating refresh token, the JWT's claims read back) — medians,
//!   typed / raw, against two baselines: bare reqwest, and reqwest with the settings of the
//!   shared transport (its client's connect timeout, a per-request timeout and a user agent:
//!   see `common`). Two typed clients (an A/A pair) run beside the two baselines, in blocks,
//!   the calls 100 µs apart (`common::interleaved_medians`, `common::GAP`). Targets: `user`
//!   <= 1.05; `refresh` <= 1.03 against the same settings and <= 1.05 against bare reqwest
//!   (issue 20);
//! - concurrency: 64 tasks x 50 Resonite `user` calls over one client vs one raw
//!   `reqwest::Client` (both baselines), interleaved rounds, target throughput >= 0.95x, with
//!   the TCP connections each opened.
//!
//! Run: `nice -n 10 cargo bench -p omniauth-e2e --bench services` (results in
//! docs/performance.md); `-- goscrobble` for the refresh alone; `OMNIAUTH_BENCH_RUNTIME=current`
//! for the overhead on a current-thread runtime, CPU without wake-ups (`common::runtime`);
//! `OMNIAUTH_BENCH_GAP_US=0` for calls back to back.

mod common;

use omniauth_testkit::resonite::Resonite;
use omniauth_types::transport::RetryPolicy;
use omniauth_types::{ExposeSecret as _, Password, Session};
use resonite_api::model::{User, UserId};

use common::goscrobble::refresh_token_of;
use common::with_settings;

const ROUNDS: usize = 3000;
const WARMUP: usize = 200;

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

/// `GET /users/U-bench` by hand: bare, or with the settings the transport always sends.
async fn raw_user(raw: &reqwest::Client, url: &str, same: bool) -> User {
    common::checked_json(with_settings(raw.get(url), same)).await
}

async fn resonite_overhead() {
    let emulator = resonite().await;
    let typed = &[resonite_client(&emulator), resonite_client(&emulator)];
    let clients = &[common::raw_client(), common::raw_client_same()];
    let id = &UserId::new("U-bench");
    let url = &format!("{}/users/U-bench", emulator.base_url());
    let typed_call = move |which: usize| async move {
        let user = typed[which].user(id).await.unwrap();
        assert_eq!(&user.id, id);
    };
    let raw_call = move |same: bool| async move {
        let raw = &clients[usize::from(same)];
        assert_eq!(&raw_user(raw, url, same).await.id, id);
    };
    common::Overhead::measure(ROUNDS, WARMUP, typed_call, raw_call)
        .await
        .report("resonite user", "<= 1.05");
}

/// The mean time of `f` over 20,000 calls.
fn per_call(mut f: impl FnMut()) -> std::time::Duration {
    const CALLS: u32 = 20_000;
    let start = std::time::Instant::now();
    for _ in 0..CALLS {
        f();
    }
    start.elapsed() / CALLS
}

/// For profilers (`perf`, `valgrind --tool=callgrind`): with `OMNIAUTH_BENCH_ONLY` set to
/// `typed`, `bare` or `same`, runs that variant alone (typed A for `typed`; see
/// `common::overhead_variant`), `OMNIAUTH_BENCH_ROUNDS` times (default `ROUNDS`), prints its
/// median and returns true. Read once, outside the measured calls: a lookup inside one would
/// slow that side.
async fn run_alone<T, TypedCall, R, RawCall>(what: &str, typed: &T, raw: &R) -> bool
where
    T: Fn(usize) -> TypedCall,
    TypedCall: std::future::Future<Output = ()>,
    R: Fn(bool) -> RawCall,
    RawCall: std::future::Future<Output = ()>,
{
    let Ok(only) = std::env::var("OMNIAUTH_BENCH_ONLY") else {
        return false;
    };
    let which = ["typed", "typed B", "bare", "same"]
        .iter()
        .position(|name| *name == only)
        .expect("OMNIAUTH_BENCH_ONLY is typed, bare or same");
    let rounds = std::env::var("OMNIAUTH_BENCH_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(ROUNDS);
    let call = |_| common::overhead_variant(which, typed, raw);
    let median = common::interleaved_medians(rounds, WARMUP, 1, call).await[0];
    println!("{what}, {only} alone: median {median:?} over {rounds} calls");
    true
}

async fn goscrobble_overhead() {
    let emulator = common::goscrobble::emulator(&["typed", "typed_b", "bare", "same"]).await;
    let password = Password::new(common::goscrobble::PASSWORD);
    let client = &common::goscrobble::client(&emulator);
    // Two typed clients, each rotating its own user's session.
    let typed = &[
        common::goscrobble::client(&emulator),
        common::goscrobble::client(&emulator),
    ];
    let mut typed_sessions = Vec::new();
    for name in ["typed", "typed_b"] {
        let session = client.login(name, &password).await.unwrap();
        typed_sessions.push(std::cell::RefCell::new(session));
    }
    let typed_sessions = &typed_sessions;
    // Each baseline rotates its own user's refresh token, as the typed call rotates its own.
    let mut raw_tokens = Vec::new();
    for name in ["bare", "same"] {
        let session: Session = client.login(name, &password).await.unwrap();
        let token = session.refresh_token().unwrap().expose_secret().to_owned();
        raw_tokens.push(std::cell::RefCell::new(token));
    }
    let raw_tokens = &raw_tokens;
    let clients = &[common::raw_client(), common::raw_client_same()];
    let url = &format!("{}/refresh", emulator.base_url());
    let raw_refresh = move |same: bool| {
        let which = usize::from(same);
        common::goscrobble::raw_refresh(&clients[which], url, &raw_tokens[which], same)
    };
    // The session is lent to the call from its cell, as each baseline lends its token from its
    // own, and replaced by the next: neither is cloned, nor moved into the call's future.
    #[allow(clippy::await_holding_refcell_ref)] // One call at a time: nothing else borrows it.
    let typed_refresh = move |which: usize| async move {
        let slot = &typed_sessions[which];
        let next = typed[which].refresh(&slot.borrow()).await.unwrap();
        *slot.borrow_mut() = next;
    };
    if run_alone("goscrobble refresh", &typed_refresh, &raw_refresh).await {
        return;
    }
    let overhead = common::Overhead::measure(2000, WARMUP, typed_refresh, raw_refresh).await;
    // The answer's handling alone, without the network: the JWT read into a `Session` (the
    // typed call) against the baselines' claims struct.
    let jwt = typed_sessions[0].borrow().access_token().clone();
    let decode_typed = per_call(|| {
        std::hint::black_box(goscrobble_api::session_from_token(jwt.clone()).unwrap());
    });
    let claims_typed = per_call(|| {
        std::hint::black_box(goscrobble_api::Claims::decode(&jwt).unwrap());
    });
    let decode_raw = per_call(|| {
        std::hint::black_box(refresh_token_of(jwt.expose_secret()));
    });
    println!(
        "decode goscrobble refresh answer: typed {decode_typed:?} (the token cloned in; its claims alone {claims_typed:?}), raw {decode_raw:?}"
    );
    overhead.report(
        "goscrobble refresh",
        "<= 1.03 against the same settings, <= 1.05 against bare",
    );
}

const TASKS: usize = 64;
const CALLS: usize = 50;
const CONCURRENCY_ROUNDS: usize = 31;

/// One round of `TASKS` x `CALLS` Resonite `user` calls over one client against a fresh
/// emulator (so the connection count is this run's alone): typed (`None`) or raw, bare or
/// with the same settings.
async fn resonite_concurrency_round(raw: Option<bool>) -> (f64, usize) {
    let server = resonite().await;
    let rate = match raw {
        None => {
            let client = resonite_client(&server);
            common::throughput(TASKS, CALLS, move || {
                let client = client.clone();
                async move {
                    client.user(&UserId::new("U-bench")).await.unwrap();
                }
            })
            .await
        }
        Some(same) => {
            let raw = common::baseline_client(same);
            let url = format!("{}/users/U-bench", server.base_url());
            common::throughput(TASKS, CALLS, move || {
                let (raw, url) = (raw.clone(), url.clone());
                async move {
                    raw_user(&raw, &url, same).await;
                }
            })
            .await
        }
    };
    (rate, server.server().connections_accepted())
}

async fn resonite_concurrency() {
    let rates = common::interleaved_rounds(CONCURRENCY_ROUNDS, resonite_concurrency_round).await;
    common::report_concurrency("resonite user", TASKS, CALLS, &rates);
}

fn main() {
    let runtime = common::runtime();
    // `cargo bench --bench services -- goscrobble` runs the GoScrobble part alone.
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |name: &str| only.as_deref().is_none_or(|only| name.contains(only));
    runtime.block_on(async {
        if wanted("resonite overhead") {
            resonite_overhead().await;
        }
        if wanted("goscrobble overhead") {
            goscrobble_overhead().await;
        }
        if wanted("resonite concurrency") {
            resonite_concurrency().await;
        }
    });
}
