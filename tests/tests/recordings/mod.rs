//! Replays the traffic recorded from the real Burgerauth servers (`../shared/recordings/`)
//! against the emulators and reports every difference.

// Two test binaries share this module, each using a part of it.
#![allow(dead_code)]

pub mod compare;
pub mod jwt;
pub mod load;
pub mod values;

use std::time::Duration;

use compare::{Got, check, snippet};
use load::Exchange;
use values::Values;

/// Exchanges the replay leaves out, by step name prefix, each with its reason.
pub struct Skip {
    pub step: &'static str,
    /// Why: printed with each replay, so the list stays honest.
    pub reason: &'static str,
}

/// What a replay did.
#[derive(Debug, Default)]
pub struct Report {
    pub replayed: usize,
    pub skipped: usize,
    pub diffs: Vec<String>,
}

/// Replays `recording` in order against `base` (the emulator), `before` running ahead of
/// each exchange (server-side changes the recording made outside HTTP: a restart, a row
/// written to the database, a token made with the server's key).
pub async fn replay(
    recording: &[Exchange],
    base: &str,
    skips: &[Skip],
    mut before: impl FnMut(&Exchange, &mut Values),
) -> Report {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a reqwest client");
    let mut values = Values::default();
    if let Some(host) = recording.iter().find_map(|e| e.header("host")) {
        values.learn(&format!("http://{host}"), base);
    }
    let mut report = Report::default();
    for exchange in recording {
        if let Some(skip) = skips.iter().find(|s| exchange.step.starts_with(s.step)) {
            eprintln!(
                "skipped #{} [{}]: {}",
                exchange.seq, exchange.step, skip.reason
            );
            report.skipped += 1;
            continue;
        }
        before(exchange, &mut values);
        report.replayed += 1;
        let got = send(&http, base, exchange, &values).await;
        let place = format!(
            "#{} [{}] {} {}",
            exchange.seq,
            exchange.step,
            exchange.method,
            snippet(exchange.path.split('?').next().unwrap_or_default())
        );
        match (&exchange.answer, got) {
            (Some(recorded), Ok(got)) => {
                for diff in check(exchange, recorded, &got, &mut values) {
                    report.diffs.push(format!("{place}: {diff}"));
                }
            }
            (None, Ok(got)) => report.diffs.push(format!(
                "{place}: the server dropped the connection, the emulator answered {}",
                got.status
            )),
            (Some(recorded), Err(e)) => report.diffs.push(format!(
                "{place}: the server answered {}, the emulator failed: {e}",
                recorded.status
            )),
            (None, Err(_)) => {}
        }
    }
    report
}

async fn send(
    http: &reqwest::Client,
    base: &str,
    exchange: &Exchange,
    values: &Values,
) -> Result<Got, reqwest::Error> {
    let method =
        reqwest::Method::from_bytes(exchange.method.as_bytes()).expect("a recorded method");
    let url = format!("{base}{}", values.to_emulated(&exchange.path));
    let mut request = http.request(method, url);
    for (name, value) in &exchange.headers {
        if [
            "host",
            "content-length",
            "connection",
            "accept-encoding",
            "transfer-encoding",
        ]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h))
        {
            continue;
        }
        request = request.header(name.as_str(), values.to_emulated(value));
    }
    if !exchange.body.is_empty() {
        request = request.body(values.to_emulated(&exchange.body));
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = response.text().await?;
    Ok(Got {
        status,
        headers,
        body,
    })
}

/// Unix time of an answer's `Date` header.
pub fn answer_time(answer: &load::Answer) -> Option<i64> {
    let time = httpdate::parse_http_date(answer.header("date")?).ok()?;
    i64::try_from(time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs()).ok()
}

/// Unix time of the first answer's `Date` header: the emulator's clock is set to it, so
/// the recorded hashcash stamps are as fresh as they were.
pub fn recorded_time(recording: &[Exchange]) -> Option<i64> {
    recording
        .iter()
        .find_map(|e| answer_time(e.answer.as_ref()?))
}
