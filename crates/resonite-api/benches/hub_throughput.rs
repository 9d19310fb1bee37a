//! Hub throughput of `ReceiveSessionUpdate` floods, skipped on their target (the default)
//! versus parsed into `SessionInfo` (opted in), in the same run:
//!
//! 1. end to end: the testkit emulator floods a connected client over loopback, timed from
//!    the marker before the flood to the marker after it (records built beforehand);
//! 2. decode only: the same records through the frame decoder and the record reader.
//!
//! ```sh
//! cargo bench -p resonite-api --bench hub_throughput            # optimized
//! cargo bench -p resonite-api --bench hub_throughput --profile dev  # quick, unoptimized
//! ```

use std::time::{Duration, Instant};

use omniauth_testkit::resonite::Resonite;
use omniauth_types::Password;
use resonite_api::hub::protocol::Envelope;
use resonite_api::hub::{FrameDecoder, HubBuilder, HubEvent, decode_event};
use resonite_api::{Client, LoginIdentifier, LoginRequest};
use serde_json::json;

const FLOOD: usize = 3_000;

async fn end_to_end(session_updates: bool) -> Result<f64, Box<dyn std::error::Error>> {
    let resonite = Resonite::builder().rate_limit(None).start().await?;
    resonite.add_account("bench", "bench@example.com", "pw");
    let client = Client::builder()
        .base_url(resonite.base_url())
        .no_rate_limit()
        .build()?;
    let request = LoginRequest::password(LoginIdentifier::guess("bench"), Password::new("pw"));
    let session = client.login(&request).await?.session;
    let (hub, mut events) = HubBuilder::default()
        .session_updates(session_updates)
        .event_capacity(FLOOD + 16)
        .connect(&client, &session)
        .await?;
    resonite.hub().flood_session_updates("U-bench", FLOOD);
    let mut started = Instant::now();
    let mut parsed = 0_usize;
    loop {
        match tokio::time::timeout(Duration::from_secs(120), events.recv()).await? {
            Some(HubEvent::SessionUpdate(_)) => parsed += 1,
            Some(HubEvent::Debug(line)) if line == "flood start" => started = Instant::now(),
            Some(HubEvent::Debug(line)) if line == "flood done" => break,
            Some(_) => {}
            None => return Err("the hub closed".into()),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let skipped = usize::try_from(hub.stats().skipped_session_updates)?;
    assert_eq!(parsed + skipped, FLOOD, "every update is parsed or skipped");
    hub.close();
    Ok(rate(FLOOD, elapsed))
}

fn rate(count: usize, seconds: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)] // a rate for humans
    let count = count as f64;
    count / seconds.max(f64::EPSILON)
}

fn decode_only(frames: &[String], session_updates: bool) -> f64 {
    let started = Instant::now();
    let mut decoder = FrameDecoder::new();
    let mut events = 0_usize;
    for frame in frames {
        for record in decoder.push(frame).unwrap_or_default() {
            let Ok(envelope) = Envelope::parse(&record) else {
                continue;
            };
            let Some(target) = envelope.target.as_deref() else {
                continue;
            };
            if !session_updates && target.eq_ignore_ascii_case("ReceiveSessionUpdate") {
                events += 1;
                continue;
            }
            if decode_event(target, envelope.arguments).is_ok() {
                events += 1;
            }
        }
    }
    assert_eq!(events, frames.len());
    rate(events, started.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let skipped = end_to_end(false).await?;
    let parsed = end_to_end(true).await?;
    println!("end to end, {FLOOD} session updates over loopback:");
    println!("  skipped: {skipped:>12.0} updates/s");
    println!("  parsed:  {parsed:>12.0} updates/s");
    println!("  ratio skipped/parsed: {:.2}", skipped / parsed);

    let resonite = Resonite::start().await?;
    resonite.add_account("host", "host@example.com", "pw");
    let frames: Vec<String> = (0..FLOOD)
        .map(|n| {
            let session =
                resonite.sample_session("U-host", &format!("S-{n}"), "Bench <b>world</b>");
            let mut record =
                json!({"type": 1, "target": "ReceiveSessionUpdate", "arguments": [session]})
                    .to_string();
            record.push('\u{1e}');
            record
        })
        .collect();
    let bytes: usize = frames.iter().map(String::len).sum();
    let skipped = decode_only(&frames, false);
    let parsed = decode_only(&frames, true);
    println!(
        "decode only, {FLOOD} records of {} bytes on average:",
        bytes / FLOOD
    );
    println!("  skipped: {skipped:>12.0} records/s");
    println!("  parsed:  {parsed:>12.0} records/s");
    println!("  ratio skipped/parsed: {:.2}", skipped / parsed);
    Ok(())
}
