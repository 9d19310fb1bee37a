//! The fault matrix: every fault of the testkit layer against every service's login and one
//! read call. Each ends in the documented error kind (see `docs/reliability.md`), nothing
//! panics, reads that are safe to repeat are retried, and a login is sent exactly once.
//!
//! One test per service walks the whole table, so the four run in parallel.

mod common;

use std::time::Duration;

use async_trait::async_trait;
use common::{EMAIL, PASSWORD, RecordingSleeper, retry};
use omniauth_testkit::{Fault, FaultRule, RetryAfter, TestServer};
use omniauth_types::http::{Method, StatusCode};
use omniauth_types::{Error, ErrorKind, Password, Session};

/// The client timeout of the matrix; the `Delay` fault waits longer than this.
const TIMEOUT: Duration = Duration::from_millis(300);
/// Larger than the transport's 4 MiB response cap.
const OVERSIZED: usize = 5 * 1024 * 1024;

/// What a call must end in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// `RateLimited` carrying the server's `Retry-After` (at most this long).
    RateLimited(Duration),
    /// `Api` with this status (or a service's own kind for that status, see [`kind_fits`]).
    Status(u16),
    /// `Decode`.
    Decode,
    /// `Transport`.
    Transport,
    /// The call succeeds (the fault does not change what a client must do).
    Success,
}

/// One row: a fault, what it ends in, and whether an idempotent read is sent again.
struct Row {
    name: &'static str,
    fault: fn() -> Fault,
    expect: Expect,
    read_retried: bool,
}

const ROWS: &[Row] = &[
    Row {
        name: "429 Retry-After seconds",
        fault: || Fault::rate_limited(RetryAfter::Seconds(2)),
        expect: Expect::RateLimited(Duration::from_secs(2)),
        read_retried: true,
    },
    Row {
        name: "429 Retry-After date",
        fault: || Fault::rate_limited(RetryAfter::DateIn(Duration::from_secs(3))),
        expect: Expect::RateLimited(Duration::from_secs(3)),
        read_retried: true,
    },
    Row {
        name: "500",
        fault: || Fault::status(500),
        expect: Expect::Status(500),
        read_retried: false,
    },
    Row {
        name: "502",
        fault: || Fault::status(502),
        expect: Expect::Status(502),
        read_retried: true,
    },
    Row {
        name: "503",
        fault: || Fault::status(503),
        expect: Expect::Status(503),
        read_retried: true,
    },
    Row {
        name: "reset mid-body",
        fault: || Fault::ResetMidBody,
        expect: Expect::Transport,
        read_retried: true,
    },
    Row {
        name: "timeout",
        fault: || Fault::Delay(Duration::from_secs(3)),
        expect: Expect::Transport,
        read_retried: true,
    },
    Row {
        name: "truncated JSON",
        fault: || Fault::Truncated,
        expect: Expect::Decode,
        read_retried: false,
    },
    Row {
        name: "HTML error page from a proxy (502)",
        fault: || Fault::Html(StatusCode::BAD_GATEWAY),
        expect: Expect::Status(502),
        read_retried: true,
    },
    Row {
        name: "HTML page with 200 (captive portal)",
        fault: || Fault::Html(StatusCode::OK),
        expect: Expect::Decode,
        read_retried: false,
    },
    Row {
        name: "empty body",
        fault: || Fault::Empty(StatusCode::OK),
        expect: Expect::Decode,
        read_retried: false,
    },
    Row {
        name: "oversized body",
        fault: || Fault::Oversized(OVERSIZED),
        expect: Expect::Decode,
        // A body over the cap is the server's answer, not a dropped one: never sent again.
        read_retried: false,
    },
    Row {
        name: "wrong content type",
        fault: || Fault::WrongContentType,
        expect: Expect::Success,
        read_retried: false,
    },
    Row {
        name: "invalid UTF-8",
        fault: || Fault::InvalidUtf8,
        expect: Expect::Decode,
        read_retried: false,
    },
    Row {
        name: "not JSON",
        fault: || Fault::NotJson,
        expect: Expect::Decode,
        read_retried: false,
    },
];

/// One service under test: its login and one read, and the server paths they hit.
#[async_trait]
trait Target: Send + Sync {
    fn server(&self) -> &TestServer;
    fn sleeper(&self) -> &RecordingSleeper;
    /// The server path of the login request.
    fn login_path(&self) -> String;
    /// The server path of the read request, and its method.
    fn read_path(&self) -> (Method, String);
    /// Whether the read is retried by the transport (a GET; maillink's poll is not: its own
    /// polling loop owns the schedule, as the crate documents).
    fn read_is_retried(&self) -> bool {
        true
    }
    /// Where the service documents another outcome than the table's for a row.
    fn documented(&self, _call: Call, _row: &str) -> Option<Expect> {
        None
    }
    async fn login(&self) -> Result<(), Error>;
    async fn read(&self) -> Result<(), Error>;
}

/// Which of a target's two calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Login,
    Read,
}

/// Whether `kind` is the documented outcome `expect`.
fn kind_fits(kind: &ErrorKind, expect: Expect) -> bool {
    match (expect, kind) {
        (Expect::RateLimited(at_most), ErrorKind::RateLimited { retry_after }) => {
            // The date form is rounded to whole seconds by its format.
            retry_after
                .is_some_and(|wait| wait <= at_most && wait + Duration::from_secs(2) >= at_most)
        }
        (Expect::Status(status), ErrorKind::Api { status: got, .. }) => *got == status,
        (Expect::Decode, ErrorKind::Decode { .. }) | (Expect::Transport, ErrorKind::Transport) => {
            true
        }
        _ => false,
    }
}

fn check(
    target: &dyn Target,
    service: &str,
    call: Call,
    row: &Row,
    outcome: &Result<(), Error>,
    failures: &mut Vec<String>,
) {
    let expect = target.documented(call, row.name).unwrap_or(row.expect);
    match (outcome, expect) {
        (Ok(()), Expect::Success) => {}
        (Ok(()), expect) => failures.push(format!(
            "{service} {call:?} / {}: succeeded, expected {expect:?}",
            row.name
        )),
        (Err(err), expect) => {
            if !kind_fits(err.kind(), expect) {
                failures.push(format!(
                    "{service} {call:?} / {}: got {:?} ({err}), expected {expect:?}",
                    row.name,
                    err.kind()
                ));
            }
            if err.service().is_none() {
                failures.push(format!(
                    "{service} {call:?} / {}: the error names no service",
                    row.name
                ));
            }
        }
    }
}

async fn run_matrix(service: &str, target: &dyn Target) {
    let mut failures = Vec::new();
    let faults = target.server().faults();
    let requests = target.server().requests();
    for row in ROWS {
        // Login: answered with the fault, sent exactly once whatever it is.
        faults.clear();
        target.sleeper().clear();
        faults.inject(FaultRule::new(target.login_path(), (row.fault)()).method(Method::POST));
        let before = requests.count(&Method::POST, &target.login_path());
        let outcome = target.login().await;
        check(target, service, Call::Login, row, &outcome, &mut failures);
        let sent = requests.count(&Method::POST, &target.login_path()) - before;
        if sent != 1 {
            failures.push(format!("{service} login / {}: sent {sent} times", row.name));
        }

        // Read: retried when the fault is worth retrying and the read is safe to repeat.
        faults.clear();
        target.sleeper().clear();
        let (method, path) = target.read_path();
        faults.inject(FaultRule::new(path.clone(), (row.fault)()).method(method.clone()));
        let before = requests.count(&method, &path);
        let outcome = target.read().await;
        check(target, service, Call::Read, row, &outcome, &mut failures);
        let sent = requests.count(&method, &path) - before;
        let expected = if row.read_retried && target.read_is_retried() {
            3
        } else {
            1
        };
        if sent != expected {
            failures.push(format!(
                "{service} read / {}: sent {sent} times, expected {expected}",
                row.name
            ));
        }
        if let Expect::RateLimited(wait) = row.expect
            && expected > 1
        {
            let waits = target.sleeper().waits();
            if waits.len() != 2
                || waits
                    .iter()
                    .any(|w| *w + Duration::from_secs(2) < wait || *w > wait)
            {
                failures.push(format!(
                    "{service} read / {}: Retry-After not honoured: waits {waits:?}",
                    row.name
                ));
            }
        }
    }
    faults.clear();
    // The service still works once the faults are gone.
    if let Err(err) = target.read().await {
        failures.push(format!(
            "{service}: the read fails after the faults are cleared: {err}"
        ));
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Resonite: POST /userSessions, GET /users/{userId} (`me`).

struct ResoniteTarget {
    emulator: omniauth_testkit::resonite::Resonite,
    client: resonite_api::Client,
    session: Session,
    sleeper: RecordingSleeper,
}

impl ResoniteTarget {
    fn request() -> resonite_api::LoginRequest {
        resonite_api::LoginRequest::password(
            resonite_api::LoginIdentifier::guess("alice"),
            Password::new(PASSWORD),
        )
    }
}

#[async_trait]
impl Target for ResoniteTarget {
    fn server(&self) -> &TestServer {
        self.emulator.server()
    }
    fn sleeper(&self) -> &RecordingSleeper {
        &self.sleeper
    }
    fn login_path(&self) -> String {
        "/userSessions".into()
    }
    fn read_path(&self) -> (Method, String) {
        (Method::GET, format!("/users/{}", self.session.user_id()))
    }
    async fn login(&self) -> Result<(), Error> {
        self.client.login(&Self::request()).await.map(drop)
    }
    async fn read(&self) -> Result<(), Error> {
        self.client.me(&self.session).await.map(drop)
    }
}

#[tokio::test]
async fn resonite_fault_matrix() {
    let emulator = omniauth_testkit::resonite::Resonite::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    emulator.add_account("alice", EMAIL, PASSWORD);
    let sleeper = RecordingSleeper::default();
    let client = resonite_api::Client::builder()
        .base_url(emulator.base_url())
        .no_rate_limit()
        .retry(retry(&sleeper))
        .timeout(TIMEOUT)
        .build()
        .unwrap();
    let session = client
        .login(&ResoniteTarget::request())
        .await
        .unwrap()
        .session;
    let target = ResoniteTarget {
        emulator,
        client,
        session,
        sleeper,
    };
    run_matrix("resonite", &target).await;
}

// ---------------------------------------------------------------------------------------------
// GoScrobble: POST /api/v1/login, GET /api/v1/user.

struct GoScrobbleTarget {
    emulator: omniauth_testkit::goscrobble::GoScrobble,
    client: goscrobble_api::Client,
    session: Session,
    sleeper: RecordingSleeper,
}

#[async_trait]
impl Target for GoScrobbleTarget {
    fn server(&self) -> &TestServer {
        self.emulator.server()
    }
    fn sleeper(&self) -> &RecordingSleeper {
        &self.sleeper
    }
    fn login_path(&self) -> String {
        "/api/v1/login".into()
    }
    fn read_path(&self) -> (Method, String) {
        (Method::GET, "/api/v1/user".into())
    }
    async fn login(&self) -> Result<(), Error> {
        self.client
            .login("alice", &Password::new(PASSWORD))
            .await
            .map(drop)
    }
    async fn read(&self) -> Result<(), Error> {
        self.client.user(&self.session).await.map(drop)
    }
}

#[tokio::test]
async fn goscrobble_fault_matrix() {
    let sleeper = RecordingSleeper::default();
    let builder = omniauth_testkit::goscrobble::GoScrobble::builder();
    let (emulator, client) = common::goscrobble(builder, retry(&sleeper)).await;
    let client = client.timeout(TIMEOUT).build().unwrap();
    let session = client
        .login("alice", &Password::new(PASSWORD))
        .await
        .unwrap();
    let target = GoScrobbleTarget {
        emulator,
        client,
        session,
        sleeper,
    };
    run_matrix("goscrobble", &target).await;
}

// ---------------------------------------------------------------------------------------------
// Burgerauth (1.3): POST /api/login with a derived password, GET
// /.well-known/openid-configuration (its JSON read that needs no token).

struct BurgerauthTarget {
    emulator: omniauth_testkit::burgerauth::Burgerauth,
    client: burgerauth_api::Client,
    hash: burgerauth_api::DerivedPassword,
    sleeper: RecordingSleeper,
}

#[async_trait]
impl Target for BurgerauthTarget {
    fn server(&self) -> &TestServer {
        self.emulator.server()
    }
    fn sleeper(&self) -> &RecordingSleeper {
        &self.sleeper
    }
    fn login_path(&self) -> String {
        "/api/login".into()
    }
    fn read_path(&self) -> (Method, String) {
        (Method::GET, "/.well-known/openid-configuration".into())
    }
    async fn login(&self) -> Result<(), Error> {
        self.client
            .login_derived("alice", &self.hash, true)
            .await
            .map(drop)
    }
    async fn read(&self) -> Result<(), Error> {
        self.client.discovery().await.map(drop)
    }
}

#[tokio::test]
async fn burgerauth_fault_matrix() {
    use burgerauth_api::ExposeSecret as _;
    let emulator = omniauth_testkit::burgerauth::Burgerauth::start()
        .await
        .unwrap();
    let hash = burgerauth_api::password::derive_modern(&Password::new(PASSWORD)).unwrap();
    emulator.add_user("alice", hash.expose_secret(), true);
    let sleeper = RecordingSleeper::default();
    let client = burgerauth_api::Client::builder()
        .base_url(emulator.base_url())
        .retry(retry(&sleeper))
        .timeout(TIMEOUT)
        .build()
        .unwrap();
    client.login_derived("alice", &hash, true).await.unwrap();
    let target = BurgerauthTarget {
        emulator,
        client,
        hash,
        sleeper,
    };
    run_matrix("burgerauth", &target).await;
}

// ---------------------------------------------------------------------------------------------
// Email-link login: POST /auth/login, GET /auth/session/{auth_id} (one poll).

struct MaillinkTarget {
    emulator: omniauth_testkit::maillink::Maillink,
    client: maillink_auth::Client,
    pending: maillink_auth::PendingLogin,
    sleeper: RecordingSleeper,
}

#[async_trait]
impl Target for MaillinkTarget {
    fn server(&self) -> &TestServer {
        self.emulator.server()
    }
    fn sleeper(&self) -> &RecordingSleeper {
        &self.sleeper
    }
    fn login_path(&self) -> String {
        "/auth/login".into()
    }
    fn read_path(&self) -> (Method, String) {
        use maillink_auth::ExposeSecret as _;
        (
            Method::GET,
            format!("/auth/session/{}", self.pending.auth_id().expose_secret()),
        )
    }
    fn read_is_retried(&self) -> bool {
        false
    }
    /// The crate documents a 2xx body cut short (or empty) as `Transport`, so its polling loop
    /// backs off and tries again; the pending answer is a 400 whose body is not needed, so a
    /// cut one still reads as pending.
    fn documented(&self, call: Call, row: &str) -> Option<Expect> {
        match (call, row) {
            (Call::Login, "truncated JSON" | "empty body") | (Call::Read, "empty body") => {
                Some(Expect::Transport)
            }
            (Call::Read, "truncated JSON") => Some(Expect::Success),
            _ => None,
        }
    }
    async fn login(&self) -> Result<(), Error> {
        self.client
            .start_login("alice", EMAIL, &maillink_auth::SessionPlatform::CLI)
            .await
            .map(drop)
    }
    async fn read(&self) -> Result<(), Error> {
        self.pending.poll_once().await.map(drop)
    }
}

#[tokio::test]
async fn maillink_fault_matrix() {
    let emulator = omniauth_testkit::maillink::Maillink::start().await.unwrap();
    emulator.add_account("alice", Some(EMAIL));
    let sleeper = RecordingSleeper::default();
    let client = maillink_auth::Client::builder()
        .base_url(emulator.base_url())
        .retry(retry(&sleeper))
        .timeout(TIMEOUT)
        .build()
        .unwrap();
    let pending = client
        .start_login("alice", EMAIL, &maillink_auth::SessionPlatform::CLI)
        .await
        .unwrap();
    let target = MaillinkTarget {
        emulator,
        client,
        pending,
        sleeper,
    };
    run_matrix("maillink", &target).await;
}
