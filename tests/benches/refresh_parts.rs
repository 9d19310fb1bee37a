//! Where the time of GoScrobble's `Client::refresh` goes beyond the same-settings baseline of
//! `services.rs` (reqwest + serde with the transport's timeout and user agent). The steps from
//! the hand-written refresh to the typed call run interleaved in the same run, 100 µs apart
//! (`common::interleaved_medians`, `common::GAP`), each rotating its own user's refresh token:
//!
//! - `same`: the baseline;
//! - `computation`: the baseline, then 2 µs of arithmetic: what time alone adds to a call (the
//!   bench's check of itself: it should add 2 µs);
//! - `transport`: the request sent through the shared transport (a login: never retried; the
//!   refresh token noted for redaction; the default error decoder), the claims then read as
//!   the baseline reads them;
//! - `decoder`: the same with GoScrobble's error decoder (the 200-with-`error` check);
//! - `session`: plus `session_from_token`: the claims read into a full `Session` that replaces
//!   the old one, as the typed call returns;
//! - `typed`: `Client::refresh`.
//!
//! Prints each median over the baseline's; asserts nothing about time. Run: `nice -n 10 cargo
//! bench -p omniauth-e2e --bench refresh_parts` (results in docs/performance.md), with
//! `OMNIAUTH_BENCH_RUNTIME=current` for the steps' CPU alone (`common::runtime`), and
//! `OMNIAUTH_BENCH_GAP_US=0` for calls back to back.

mod common;

use std::cell::RefCell;
use std::time::{Duration, Instant};

use common::goscrobble::{raw_refresh, refresh_token_of};
use omniauth_testkit::goscrobble::GoScrobble;
use omniauth_types::transport::{RetryPolicy, Transport};
use omniauth_types::{AccessToken, ExposeSecret as _, Password, RefreshToken, Session};
use serde::{Deserialize, Serialize};

const ROUNDS: usize = 2000;
const WARMUP: usize = 200;
const STEPS: [&str; 6] = [
    "same",
    "computation",
    "transport",
    "decoder",
    "session",
    "typed",
];

/// The refresh body as the typed call serializes it: the token marked for redaction.
#[derive(Serialize)]
struct SecretBody<'a> {
    #[serde(serialize_with = "omniauth_types::secret::serialize_exposed")]
    token: &'a RefreshToken,
}

/// The refresh answer as the typed call decodes it: the token straight into a secret.
#[derive(Deserialize)]
struct SecretAnswer {
    token: AccessToken,
}

/// Arithmetic for `spent`, no memory touched: the time a call's own work takes, without the
/// code and data that work would bring into the caches.
fn compute_for(spent: Duration) {
    let start = Instant::now();
    let mut x = 1_u64;
    while start.elapsed() < spent {
        for i in 0..50 {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i));
        }
    }
    std::hint::black_box(x);
}

/// A transport to the emulator, with GoScrobble's error decoder or the default one.
fn transport(emulator: &GoScrobble, goscrobble_decoder: bool) -> Transport {
    let builder = Transport::builder("goscrobble", emulator.base_url())
        .unwrap()
        .retry(RetryPolicy::none());
    let builder = if goscrobble_decoder {
        builder.error_decoder(goscrobble_api::decode_error)
    } else {
        builder
    };
    builder.build().unwrap()
}

/// One refresh through `transport`, the old session in `slot` replaced by the next: its
/// refresh token swapped in (the claims read as the baseline reads them), or a full session
/// read from the new token (`full_session`). The session stays in its cell during the call,
/// as the typed step's does.
async fn transport_refresh(
    transport: &Transport,
    slot: &RefCell<Option<Session>>,
    full_session: bool,
) {
    let request = transport
        .post("/refresh")
        .json(&SecretBody {
            token: slot.borrow().as_ref().unwrap().refresh_token().unwrap(),
        })
        .login();
    let answer: SecretAnswer = request.send_json().await.unwrap();
    let next = if full_session {
        goscrobble_api::session_from_token(answer.token).unwrap()
    } else {
        let token = refresh_token_of(answer.token.expose_secret());
        let current = slot.borrow_mut().take().unwrap();
        current.with_refresh_token(RefreshToken::new(token), None)
    };
    *slot.borrow_mut() = Some(next);
}

fn main() {
    let runtime = common::runtime();
    runtime.block_on(async {
        let emulator = common::goscrobble::emulator(&STEPS).await;
        let password = Password::new(common::goscrobble::PASSWORD);
        // Logs every user in, then makes the typed step's calls: its pool is used by no other.
        let client = &common::goscrobble::client(&emulator);
        let mut sessions = Vec::new();
        for step in STEPS {
            sessions.push(client.login(step, &password).await.unwrap());
        }
        // The baselines keep their refresh token as a `String`, the others their session.
        let tokens: Vec<_> = sessions
            .iter()
            .map(|s| RefCell::new(s.refresh_token().unwrap().expose_secret().to_owned()))
            .collect();
        let slots: Vec<_> = sessions
            .into_iter()
            .map(|s| RefCell::new(Some(s)))
            .collect();
        let (tokens, slots) = (&tokens, &slots);
        let raw = &common::raw_client_same();
        let url = &format!("{}/refresh", emulator.base_url());
        let transports = &[transport(&emulator, false), transport(&emulator, true)];
        // The typed call borrows its session for the call, as the baselines their token.
        #[allow(clippy::await_holding_refcell_ref)] // One call at a time: nothing else borrows it.
        let call = move |step: usize| async move {
            match step {
                0 => raw_refresh(raw, url, &tokens[0], true).await,
                1 => {
                    raw_refresh(raw, url, &tokens[1], true).await;
                    compute_for(Duration::from_micros(2));
                }
                2 => transport_refresh(&transports[0], &slots[2], false).await,
                3 => transport_refresh(&transports[1], &slots[3], false).await,
                4 => transport_refresh(&transports[1], &slots[4], true).await,
                _ => {
                    let next = client
                        .refresh(slots[5].borrow().as_ref().unwrap())
                        .await
                        .unwrap();
                    *slots[5].borrow_mut() = Some(next);
                }
            }
        };
        let medians = common::interleaved_medians(ROUNDS, WARMUP, STEPS.len(), call).await;
        let parts: Vec<String> = STEPS
            .iter()
            .zip(&medians)
            .map(|(step, median)| {
                format!(
                    "{step} {median:?} ({:.3})",
                    common::ratio(*median, medians[0])
                )
            })
            .collect();
        println!(
            "goscrobble refresh by parts, calls {:?} apart, medians over the same-settings baseline: {}",
            common::gap(),
            parts.join(", ")
        );
    });
}
