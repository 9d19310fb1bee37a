//! Every service's SDK against hostile servers of our own (`common::hostile`): escape
//! sequences, hangs, trickles, endless and huge bodies, a gzip bomb, 100,000-deep JSON, huge
//! headers, redirect loops and absurd `Retry-After`s. Each service makes a login and an
//! authenticated read; whatever the server does, every call ends within its deadline, with
//! the kind that says what happened, and an error that prints as one clean line.

mod common;

use std::time::{Duration, Instant};

use common::hostile::{Hostile, HostileServer};
use omniauth_types::{AccessToken, Error, ErrorKind, Password, Session, TokenScheme};

/// Each call's deadline; every call must end within it plus [`MARGIN`].
const DEADLINE: Duration = Duration::from_secs(2);
const MARGIN: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy)]
enum Service {
    Resonite,
    Burgerauth,
    GoScrobble,
    Maillink,
}

const SERVICES: [Service; 4] = [
    Service::Resonite,
    Service::Burgerauth,
    Service::GoScrobble,
    Service::Maillink,
];

/// What one call ended in, and how long it took.
struct Outcome {
    call: String,
    result: Result<(), Error>,
    took: Duration,
}

fn session(service: &'static str, scheme: TokenScheme) -> Session {
    Session::new(service, "U-alice", AccessToken::new("tok-hostile"), scheme)
}

async fn timed(
    call: String,
    future: impl std::future::Future<Output = Result<(), Error>>,
) -> Outcome {
    let started = Instant::now();
    let result = tokio::time::timeout(DEADLINE + MARGIN * 2, future)
        .await
        .unwrap_or_else(|_| panic!("{call} kept no deadline"));
    Outcome {
        call,
        result,
        took: started.elapsed(),
    }
}

/// The login and the authenticated read of `service` against `base_url`.
#[allow(clippy::too_many_lines)] // One arm a service, side by side.
async fn calls(service: Service, base_url: &str) -> Vec<Outcome> {
    let password = Password::new("correct horse battery staple");
    let timeout = Duration::from_secs(1);
    match service {
        Service::Resonite => {
            use resonite_api::{LoginIdentifier, LoginRequest};
            let client = resonite_api::Client::builder()
                .base_url(base_url)
                .timeout(timeout)
                .deadline(DEADLINE)
                .no_rate_limit()
                .build()
                .unwrap();
            let login = LoginRequest::password(LoginIdentifier::Username("alice".into()), password);
            let session = session(
                "resonite",
                TokenScheme::UserAuthorization {
                    scheme: "res".into(),
                },
            );
            vec![
                timed("resonite login".into(), async {
                    client.login(&login).await.map(drop)
                })
                .await,
                timed("resonite me".into(), async {
                    client.me(&session).await.map(drop)
                })
                .await,
            ]
        }
        Service::Burgerauth => {
            let client = burgerauth_api::Client::builder()
                .base_url(base_url)
                .timeout(timeout)
                .deadline(DEADLINE)
                .dialect(burgerauth_api::Dialect::V1_3)
                .build()
                .unwrap();
            let key = burgerauth_api::SecretKey::new("key-hostile");
            vec![
                timed("burgerauth login".into(), async {
                    client.login("alice", &password).await.map(drop)
                })
                .await,
                timed("burgerauth userinfo".into(), async {
                    client
                        .userinfo(&client.session_for_key(&key))
                        .await
                        .map(drop)
                })
                .await,
            ]
        }
        Service::GoScrobble => {
            let client = goscrobble_api::Client::builder()
                .base_url(base_url)
                .timeout(timeout)
                .deadline(DEADLINE)
                .heavy_rate_limit(None)
                .build()
                .unwrap();
            let session = session("goscrobble", TokenScheme::Bearer);
            vec![
                timed("goscrobble login".into(), async {
                    client.login("alice", &password).await.map(drop)
                })
                .await,
                timed("goscrobble user".into(), async {
                    client.user(&session).await.map(drop)
                })
                .await,
            ]
        }
        Service::Maillink => {
            let client = maillink_auth::Client::builder()
                .base_url(base_url)
                .timeout(timeout)
                .deadline(DEADLINE)
                .build()
                .unwrap();
            let platform = maillink_auth::SessionPlatform::default();
            let pending = client
                .resume_login(
                    "alice",
                    maillink_auth::AuthId::new("45314ce9-74c8-48dd-9094-0bcf980f335b"),
                    chrono::Utc::now() + chrono::Duration::minutes(5),
                    &platform,
                )
                .unwrap();
            vec![
                timed("maillink start_login".into(), async {
                    client
                        .start_login("alice", "alice@example.com", &platform)
                        .await
                        .map(drop)
                })
                .await,
                timed("maillink poll".into(), async {
                    pending.poll_once().await.map(drop)
                })
                .await,
            ]
        }
    }
}

/// Runs every service against a fresh `hostile` server; checks what holds for every answer
/// (bounded, one clean line), then `check` on each outcome. Returns the servers' hit counts.
async fn run(hostile: Hostile, check: impl Fn(&Outcome)) -> Vec<usize> {
    // The services run side by side: a hang costs one deadline, not four.
    let (resonite, burgerauth, goscrobble, maillink) = tokio::join!(
        Box::pin(against(hostile, SERVICES[0])),
        Box::pin(against(hostile, SERVICES[1])),
        Box::pin(against(hostile, SERVICES[2])),
        Box::pin(against(hostile, SERVICES[3])),
    );
    let mut hits = Vec::new();
    for (outcomes, served) in [resonite, burgerauth, goscrobble, maillink] {
        for outcome in outcomes {
            assert!(
                outcome.took < DEADLINE + MARGIN,
                "{} took {:?} against {hostile:?}",
                outcome.call,
                outcome.took
            );
            if let Err(err) = &outcome.result {
                let shown = err.to_string();
                assert!(
                    !shown.chars().any(char::is_control),
                    "{}: {shown:?}",
                    outcome.call
                );
            }
            check(&outcome);
        }
        hits.push(served);
    }
    hits
}

/// `service`'s calls against a fresh `hostile` server, and how many requests it received.
async fn against(hostile: Hostile, service: Service) -> (Vec<Outcome>, usize) {
    let server = HostileServer::start(hostile).await;
    let outcomes = calls(service, &server.base_url).await;
    (outcomes, server.hits())
}

#[track_caller]
fn error(outcome: &Outcome) -> &Error {
    match &outcome.result {
        Ok(()) => panic!("{} succeeded against a hostile server", outcome.call),
        Err(err) => err,
    }
}

/// The call failed in transport; its text says `words` when given.
fn assert_transport(outcome: &Outcome, words: Option<&str>) {
    let err = error(outcome);
    assert_eq!(err.kind(), &ErrorKind::Transport, "{}: {err}", outcome.call);
    if let Some(words) = words {
        assert!(err.to_string().contains(words), "{}: {err}", outcome.call);
    }
}

/// The call failed to decode the answer, or in transport (the cap cut the stream).
fn assert_undecodable(outcome: &Outcome) {
    let err = error(outcome);
    assert!(
        matches!(err.kind(), ErrorKind::Decode { .. } | ErrorKind::Transport),
        "{}: {err}",
        outcome.call
    );
}

/// The process's peak resident memory, in bytes (Linux), to show no body was held whole.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[track_caller]
fn assert_memory_bounded() {
    if let Some(peak) = peak_memory() {
        assert!(peak < 1 << 30, "peak memory {peak} bytes");
    }
}

#[tokio::test]
async fn escape_sequences_are_shown_escaped() {
    let shown_escaped = std::sync::Mutex::new(0);
    run(Hostile::Escapes, |outcome| {
        if let Err(err) = &outcome.result
            && err.to_string().contains(r"\u{1b}[31mred")
        {
            *shown_escaped.lock().unwrap() += 1;
        }
    })
    .await;
    assert!(
        *shown_escaped.lock().unwrap() >= SERVICES.len(),
        "the server's words are still shown, escaped"
    );
}

#[tokio::test]
async fn a_hanging_server_fails_every_call_by_the_deadline() {
    run(Hostile::Hang, |outcome| {
        assert_transport(outcome, Some("timed out"));
    })
    .await;
}

#[tokio::test]
async fn a_trickling_server_fails_every_call_by_the_deadline() {
    run(Hostile::Trickle, |outcome| assert_transport(outcome, None)).await;
}

#[tokio::test]
async fn endless_and_huge_bodies_are_cut_at_the_cap() {
    for hostile in [Hostile::EndlessBody, Hostile::HugeBody] {
        run(hostile, assert_undecodable).await;
    }
    assert_memory_bounded();
}

#[tokio::test]
async fn a_gzip_bomb_is_never_inflated() {
    let bomb = common::hostile::gzip_bomb();
    assert!(bomb.len() * 100 < common::hostile::BOMB_INFLATED);
    run(Hostile::GzipBomb, assert_undecodable).await;
    assert_memory_bounded();
}

#[tokio::test]
async fn deep_json_is_refused_without_overflowing_the_stack() {
    run(Hostile::DeepJson, assert_undecodable).await;
}

#[tokio::test]
async fn huge_headers_say_so() {
    run(Hostile::HugeHeaders, |outcome| {
        assert_transport(outcome, Some("header is too large"));
    })
    .await;
}

#[tokio::test]
async fn a_redirect_loop_is_not_followed() {
    let hits = run(Hostile::RedirectLoop, |outcome| {
        error(outcome);
    })
    .await;
    assert!(
        hits.iter().all(|&h| h <= 2),
        "each call sent once: {hits:?}"
    );
}

#[tokio::test]
async fn absurd_retry_afters_fail_at_once_with_the_wait() {
    for hostile in [Hostile::RetryAfterOverflow, Hostile::RetryAfterDate] {
        let hits = run(hostile, |outcome| {
            let err = error(outcome);
            let wait = err
                .retry_after()
                .unwrap_or_else(|| panic!("{}: no wait in {err}", outcome.call));
            assert!(wait >= Duration::from_secs(3000), "{}: {err}", outcome.call);
            assert!(
                outcome.took < Duration::from_secs(2),
                "{}: not waited",
                outcome.call
            );
        })
        .await;
        assert!(hits.iter().all(|&h| h == 2), "never retried: {hits:?}");
    }
}
