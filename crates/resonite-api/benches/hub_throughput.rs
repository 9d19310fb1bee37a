//! Hub throughput of `ReceiveSessionUpdate` floods, skipped on their target (the default)
//! versus parsed into `SessionInfo` (opted in), in the same run:
//!
//! 1. end to end: the testkit emulator floods a connected [`HubBuilder`] client over
//!    loopback, timed from the marker before the flood to the marker after it (the emulator
//!    builds its records beforehand); median of a few rounds, with the process's CPU time
//!    per update (emulator and client share the process) where `/proc` tells it;
//! 2. what bounds (1): the same flood read by a bare WebSocket that only looks for the end
//!    marker, i.e. what the emulator and the socket cost with no hub client at all;
//! 3. client processing only: the flood's records, as the emulator sends them, through the
//!    functions the hub client runs on every frame ([`FrameDecoder::records`], then
//!    [`read_record`]), in memory, best of several passes.
//!
//! ```sh
//! cargo bench -p resonite-api --bench hub_throughput            # optimized
//! cargo bench -p resonite-api --bench hub_throughput --profile dev  # quick, unoptimized
//! ```

use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use omniauth_testkit::resonite::Resonite;
use omniauth_types::url::Url;
use omniauth_types::{Password, Session};
use resonite_api::hub::protocol::{HANDSHAKE, Incoming, read_record};
use resonite_api::hub::{FrameDecoder, HubBuilder, HubEvent, encode_record, hub_url};
use resonite_api::{Client, LoginIdentifier, LoginRequest};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

const FLOOD: usize = 30_000;
const ROUNDS: usize = 3;
const DECODE_PASSES: usize = 5;

/// The process's CPU time (user + system) in seconds, from `/proc/self/stat` (Linux only;
/// 10 ms ticks, so only long spans are read from it).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// The start of a timed span.
struct Mark {
    wall: Instant,
    cpu: Option<f64>,
}

impl Mark {
    fn now() -> Self {
        Self {
            wall: Instant::now(),
            cpu: cpu_seconds(),
        }
    }

    /// Updates per second and CPU microseconds per update since the mark.
    fn measure(&self, updates: usize) -> Measured {
        let wall = self.wall.elapsed().as_secs_f64();
        let cpu = self.cpu.zip(cpu_seconds()).map(|(a, b)| b - a);
        Measured {
            rate: rate(updates, wall),
            cpu_us: cpu.map(|cpu| 1e6 * cpu / as_f64(updates)),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Measured {
    rate: f64,
    cpu_us: Option<f64>,
}

struct Connected {
    resonite: Resonite,
    client: Client,
    session: Session,
}

async fn connected() -> BenchResult<Connected> {
    let resonite = Resonite::builder().rate_limit(None).start().await?;
    resonite.add_account("bench", "bench@example.com", "pw");
    let client = Client::builder()
        .base_url(resonite.base_url())
        .no_rate_limit()
        .build()?;
    let request = LoginRequest::password(LoginIdentifier::guess("bench"), Password::new("pw"));
    let session = client.login(&request).await?.session;
    Ok(Connected {
        resonite,
        client,
        session,
    })
}

/// The hub client, skipping or parsing.
async fn end_to_end(session_updates: bool) -> BenchResult<Measured> {
    let world = connected().await?;
    let (hub, mut events) = HubBuilder::default()
        .session_updates(session_updates)
        .event_capacity(FLOOD + 16)
        .connect(&world.client, &world.session)
        .await?;
    world.resonite.hub().flood_session_updates("U-bench", FLOOD);
    let mut started = Mark::now();
    let mut parsed = 0_usize;
    loop {
        match tokio::time::timeout(Duration::from_secs(300), events.recv()).await? {
            Some(HubEvent::SessionUpdate(_)) => parsed += 1,
            Some(HubEvent::Debug(line)) if line == "flood start" => started = Mark::now(),
            Some(HubEvent::Debug(line)) if line == "flood done" => break,
            Some(_) => {}
            None => return Err("the hub closed".into()),
        }
    }
    let measured = started.measure(FLOOD);
    let skipped = usize::try_from(hub.stats().skipped_session_updates)?;
    assert_eq!(parsed + skipped, FLOOD, "every update is parsed or skipped");
    assert_eq!(skipped, if session_updates { 0 } else { FLOOD });
    hub.close();
    Ok(measured)
}

/// The emulator and the socket alone: a bare WebSocket, read on a task as the hub client's
/// driver reads, that looks only for the end marker.
async fn socket_alone() -> BenchResult<Measured> {
    let world = connected().await?;
    let url = hub_url(&Url::parse(world.resonite.base_url())?)?;
    let mut request = url.as_str().into_client_request()?;
    let (name, value) = world.session.auth_header().ok_or("no auth header")?;
    request.headers_mut().insert(name, value);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    socket
        .send(WsMessage::text(encode_record(HANDSHAKE)))
        .await?;
    socket.next().await.ok_or("no handshake answer")??;
    let reader = tokio::spawn(async move {
        let mut started = None;
        let mut frames = 0_usize;
        // One deadline for the whole flood: no timer per frame.
        let read = tokio::time::timeout(Duration::from_secs(300), async {
            while let Some(frame) = socket.next().await {
                let Ok(WsMessage::Text(text)) = frame else {
                    continue;
                };
                // Markers are short; the updates are never looked into.
                if text.len() < 100 && text.contains("flood start") {
                    started = Some(Mark::now());
                } else if text.len() < 100 && text.contains("flood done") {
                    return true;
                } else {
                    frames += 1;
                }
            }
            false
        });
        if !matches!(read.await, Ok(true)) {
            return Err("the flood did not end".to_owned());
        }
        let measured = started.ok_or("no start marker")?.measure(FLOOD);
        let _ = socket.close(None).await;
        Ok((frames, measured))
    });
    world.resonite.hub().flood_session_updates("U-bench", FLOOD);
    let (frames, measured) = reader.await??;
    assert!(frames >= FLOOD, "every update arrived");
    Ok(measured)
}

#[allow(clippy::cast_precision_loss)] // counts for humans
fn as_f64(count: usize) -> f64 {
    count as f64
}

fn rate(count: usize, seconds: f64) -> f64 {
    as_f64(count) / seconds.max(f64::EPSILON)
}

/// The client's work per frame, as the driver does it (minus handing events over); the
/// best of several passes, in records per second.
fn decode_only(frames: &[String], session_updates: bool) -> f64 {
    let mut best = 0.0_f64;
    for _ in 0..DECODE_PASSES {
        let started = Instant::now();
        let mut decoder = FrameDecoder::new();
        let mut handled = 0_usize;
        for frame in frames {
            for record in decoder.records(frame) {
                let Ok(record) = record else { continue };
                match read_record(&record, session_updates) {
                    Incoming::SkippedSessionUpdate => handled += 1,
                    Incoming::Event(HubEvent::SessionUpdate(session)) => {
                        std::hint::black_box(session);
                        handled += 1;
                    }
                    other => panic!("not a session update: {other:?}"),
                }
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        assert_eq!(handled, frames.len());
        best = best.max(rate(handled, elapsed));
    }
    best
}

fn report(title: &str, unit: &str, skipped: f64, parsed: f64) {
    println!("{title}:");
    println!(
        "  skipped: {skipped:>12.0} {unit}/s ({:.2} µs each)",
        1e6 / skipped
    );
    println!(
        "  parsed:  {parsed:>12.0} {unit}/s ({:.2} µs each)",
        1e6 / parsed
    );
    println!("  ratio skipped/parsed: {:.2}", skipped / parsed);
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Median rate and median CPU per update of some rounds, and the rounds' rates.
fn summary(rounds: &[Measured]) -> (f64, Option<f64>, String) {
    let rate = median(rounds.iter().map(|m| m.rate).collect());
    let cpu: Option<Vec<f64>> = rounds.iter().map(|m| m.cpu_us).collect();
    let shown: Vec<String> = rounds.iter().map(|m| format!("{:.0}", m.rate)).collect();
    (rate, cpu.map(median), shown.join(", "))
}

fn cpu_text(cpu: Option<f64>) -> String {
    cpu.map_or_else(|| "n/a".to_owned(), |us| format!("{us:.2} µs"))
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    // A round to warm up the allocator, the sockets and the runtime; then rounds in a
    // rotating order, so that no variant always runs first.
    end_to_end(false).await?;
    let (mut alone, mut skipping, mut parsing) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        for step in 0..3 {
            match (round + step) % 3 {
                0 => alone.push(socket_alone().await?),
                1 => skipping.push(end_to_end(false).await?),
                _ => parsing.push(end_to_end(true).await?),
            }
        }
    }
    let (alone, alone_cpu, alone_rounds) = summary(&alone);
    let (skipped, skipped_cpu, skipped_rounds) = summary(&skipping);
    let (parsed, parsed_cpu, parsed_rounds) = summary(&parsing);
    report(
        &format!("end to end, {FLOOD} session updates over loopback, median of {ROUNDS} rounds"),
        "updates",
        skipped,
        parsed,
    );
    println!(
        "  emulator + bare socket, no hub client: {alone:.0} updates/s ({:.2} µs each)",
        1e6 / alone
    );
    println!(
        "  rounds (updates/s): skipped [{skipped_rounds}], parsed [{parsed_rounds}], bare socket [{alone_rounds}]"
    );
    println!(
        "  process CPU per update (emulator + reader): skipped {}, parsed {}, bare socket {}",
        cpu_text(skipped_cpu),
        cpu_text(parsed_cpu),
        cpu_text(alone_cpu)
    );

    // The records exactly as the emulator's flood sends them (one a frame, keys sorted).
    let resonite = Resonite::start().await?;
    resonite.add_account("host", "host@example.com", "pw");
    let frames: Vec<String> = (0..FLOOD)
        .map(|n| {
            let session =
                resonite.sample_session("U-host", &format!("S-flood-{n}"), "Flood <b>test</b>");
            encode_record(
                &json!({"type": 1, "target": "ReceiveSessionUpdate", "arguments": [session]})
                    .to_string(),
            )
        })
        .collect();
    let bytes: usize = frames.iter().map(String::len).sum();
    let skipped = decode_only(&frames, false);
    let parsed = decode_only(&frames, true);
    report(
        &format!(
            "client processing only (FrameDecoder::records + read_record), {FLOOD} records of {} bytes on average, best of {DECODE_PASSES}",
            bytes / FLOOD
        ),
        "records",
        skipped,
        parsed,
    );
    // The same records in the order SignalR servers write (`type`, `target`, `arguments`).
    let server_order: Vec<String> = frames
        .iter()
        .map(|frame| {
            let record: serde_json::Value =
                serde_json::from_str(frame.trim_end_matches('\u{1e}')).expect("a record");
            encode_record(&format!(
                r#"{{"type":1,"target":"ReceiveSessionUpdate","arguments":{}}}"#,
                record["arguments"]
            ))
        })
        .collect();
    let skipped = decode_only(&server_order, false);
    println!(
        "  skipped, keys in the server's order: {skipped:>8.0} records/s ({:.2} µs each); ratio to parsed: {:.2}",
        1e6 / skipped,
        skipped / parsed
    );
    Ok(())
}
