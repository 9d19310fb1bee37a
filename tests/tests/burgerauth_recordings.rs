//! The recorded-traffic suite: every request recorded from the real Burgerauth servers
//! (`../shared/recordings/burgerauth-*`), replayed in order against the emulator of the same
//! build, with the status, content type, header names, JSON member names and types and the
//! fixed texts (error messages, names) held against the recorded answer. Random values are
//! carried over: a key or code the emulator answered replaces the recorded one in every later
//! request. The exchanges it cannot replay are listed in each test's `SKIPS`, with the reason.

mod recordings;

use omniauth_testkit::burgerauth::{Burgerauth, Dialect};
use recordings::load::{self, Exchange};
use recordings::{Report, Skip, jwt, recorded_time, replay};

fn assert_clean(name: &str, report: &Report) {
    eprintln!(
        "{name}: {} exchanges replayed, {} skipped, {} differences",
        report.replayed,
        report.skipped,
        report.diffs.len()
    );
    assert!(report.replayed > 0, "{name}: nothing was replayed");
    assert!(
        report.diffs.is_empty(),
        "{name}: the emulator differs from the real server:\n{}",
        report.diffs.join("\n")
    );
}

fn clock_offset(recording: &[Exchange]) -> i64 {
    recorded_time(recording).map_or(0, |t| t - chrono::Utc::now().timestamp())
}

/// Accounts the 1.3 recording's database had before its first request (written straight to
/// the table as a pre-1.3 server would have left them): every user whose first login sent a
/// legacy hash (`"modern": false`) and succeeded, with that hash.
fn legacy_accounts(recording: &[Exchange]) -> Vec<(String, String)> {
    let mut signed_up = std::collections::HashSet::new();
    let mut out: Vec<(String, String)> = Vec::new();
    for exchange in recording {
        let Ok(body) = serde_json::from_str::<serde_json::Value>(&exchange.body) else {
            continue;
        };
        let Some(name) = body["username"].as_str() else {
            continue;
        };
        if exchange.path == "/api/signup" {
            signed_up.insert(name.to_owned());
        } else if exchange.path == "/api/login"
            && body["modern"] == serde_json::Value::Bool(false)
            && exchange.answer.as_ref().is_some_and(|a| a.status == 200)
            && !signed_up.contains(name)
            && !out.iter().any(|(n, _)| n == name)
        {
            out.push((
                name.to_owned(),
                body["password"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    out
}

const SKIPS_1_3: &[Skip] = &[];

#[tokio::test]
async fn go_1_3_head_recording_replays_against_the_1_3_emulator() {
    let recording = load::jsonl(&load::dir().join("burgerauth-1.3-go/wire.jsonl"));
    let emu = Burgerauth::builder()
        .dialect(Dialect::V1_3)
        .clock_offset_secs(clock_offset(&recording))
        .start()
        .await
        .unwrap();
    for (name, hash) in legacy_accounts(&recording) {
        emu.add_user(&name, hash, false);
    }
    let mut restarted = false;
    let report = replay(&recording, emu.base_url(), SKIPS_1_3, |exchange, values| {
        // The server's clock at each exchange is the recorded one: expiries "a few seconds
        // ago" stay in the past however fast the replay runs.
        if let Some(at) = exchange.answer.as_ref().and_then(recordings::answer_time) {
            let ahead = at - emu.now();
            if ahead > 0 {
                emu.advance_clock(ahead);
            }
        }
        // The recording restarted the server before its `restart_*` steps.
        if !restarted && exchange.step.starts_with("restart_") {
            emu.restart();
            restarted = true;
        }
        let forged = exchange.step.starts_with("forged_");
        jwt::rewrite(exchange, values, forged, |claims| emu.sign_jwt(claims));
    })
    .await;
    assert_clean("1.3 HEAD", &report);
}

const SKIPS_1_2: &[Skip] = &[
    Skip {
        step: "073 ",
        reason: "its session's login is not in wire.txt (the POST-era log replays the same steps in full)",
    },
    Skip {
        step: "074 ",
        reason: "its session's login is not in wire.txt (the POST-era log replays the same steps in full)",
    },
    Skip {
        step: "075 ",
        reason: "its session's login is not in wire.txt (the POST-era log replays the same steps in full)",
    },
];

#[tokio::test]
async fn python_1_2_head_recording_replays_against_the_1_2_emulator() {
    let recording = load::wire_txt(&load::dir().join("burgerauth-1.2-python/wire.txt"));
    let emu = Burgerauth::builder()
        .dialect(Dialect::V1_2)
        .start()
        .await
        .unwrap();
    let report = replay(&recording, emu.base_url(), SKIPS_1_2, |_, _| {}).await;
    assert_clean("1.2 HEAD", &report);
}

const SKIPS_1_2_POST: &[Skip] = &[];

#[tokio::test]
async fn python_1_2_post_era_recording_replays_against_the_post_era_emulator() {
    let dir = load::dir().join("burgerauth-1.2-python");
    let recording = load::relay_log(
        &dir.join("post-era-build-wire.log"),
        &dir.join("post-era-build-steps.tsv"),
    );
    let emu = Burgerauth::builder()
        .dialect(Dialect::V1_2Post)
        .clock_offset_secs(clock_offset(&recording))
        .start()
        .await
        .unwrap();
    let report = replay(&recording, emu.base_url(), SKIPS_1_2_POST, |_, _| {}).await;
    assert_clean("1.2 POST-era", &report);
}
