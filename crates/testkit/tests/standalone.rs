//! The `omniauth-emulator` binary as a child process, as a test in another language runs
//! it: fixed ports, a ready file, a seed file, the SDK logging in through it over HTTP, the
//! control API, SIGTERM.
#![cfg(all(unix, feature = "server"))]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, Emulator, demo, free_port, get_json, http};
use omniauth::{Credentials, LoginOutcome, Password, Service, TotpCode};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_services_on_chosen_ports_with_the_default_seed_and_the_sdk_logs_in_to_each() {
    let (resonite_port, goscrobble_port) = (free_port(), free_port());
    let emulator = Emulator::start(&[
        "resonite",
        "goscrobble",
        "burgerauth",
        "maillink",
        "--port",
        &resonite_port.to_string(),
        "--port",
        &goscrobble_port.to_string(),
    ]);
    assert_eq!(
        emulator.url("resonite"),
        format!("http://127.0.0.1:{resonite_port}")
    );
    assert_eq!(
        emulator.url("goscrobble"),
        format!("http://127.0.0.1:{goscrobble_port}/api/v1")
    );

    // Resonite: the demo account has 2FA with the seed's code.
    let resonite = Service::Resonite
        .authenticator(Some(&emulator.url("resonite")))
        .unwrap();
    assert!(matches!(
        resonite.login(&demo()).await.unwrap(),
        LoginOutcome::SecondFactorRequired
    ));
    let session = resonite
        .login(&demo().with_totp(TotpCode::new("123456")))
        .await
        .unwrap()
        .into_session()
        .expect("the TOTP code of the default seed logs in");
    assert_eq!(session.user_id(), "U-demo");

    for (service, name) in [
        (Service::GoScrobble, "goscrobble"),
        (Service::Burgerauth, "burgerauth"),
    ] {
        let authenticator = service.authenticator(Some(&emulator.url(name))).unwrap();
        let session = authenticator
            .login(&demo())
            .await
            .unwrap()
            .into_session()
            .unwrap_or_else(|| panic!("{name} logs the demo account in"));
        assert_eq!(session.username(), Some("demo"), "{name}");
        authenticator.validate(&session).await.unwrap();
    }

    // Maillink: the login waits until the control API follows the link.
    let maillink = Service::Maillink
        .authenticator(Some(&emulator.url("maillink")))
        .unwrap();
    let LoginOutcome::ConfirmationPending(pending) = maillink
        .login(&Credentials::username("demo").with_email("demo@example.com"))
        .await
        .unwrap()
    else {
        panic!("an email-link login waits for the user");
    };
    assert!(matches!(
        pending.poll_once().await.unwrap(),
        omniauth::PollStatus::Pending
    ));
    let control = emulator.root("maillink");
    let outbox: Value = get_json(format!("{control}/__omniauth/outbox")).await;
    let auth_id = outbox[0]["auth_id"].as_str().unwrap().to_owned();
    let state: Value = get_json(format!("{control}/__omniauth/logins/{auth_id}")).await;
    assert_eq!(state["state"], "pending");
    let confirmed = http()
        .post(format!("{control}/__omniauth/logins/{auth_id}/confirm"))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 204);
    let session = pending.wait().await.unwrap();
    assert!(!session.user_id().is_empty());
    // A second confirm has nothing pending left.
    let again = http()
        .post(format!("{control}/__omniauth/logins/{auth_id}/confirm"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_set_through_the_control_api_is_seen_by_the_client_then_cleared() {
    let emulator = Emulator::start(&["goscrobble"]);
    let control = emulator.root("goscrobble");
    let rule = serde_json::json!({
        "path": "/api/v1/login",
        "method": "POST",
        "fault": {"type": "status", "status": 503, "retry_after_secs": 7},
    });
    let injected = http()
        .post(format!("{control}/__omniauth/faults"))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(injected.status(), 204);

    let authenticator = Service::GoScrobble
        .authenticator(Some(&emulator.url("goscrobble")))
        .unwrap();
    let err = authenticator.login(&demo()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");

    let cleared = http()
        .delete(format!("{control}/__omniauth/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    assert!(
        authenticator
            .login(&demo())
            .await
            .unwrap()
            .into_session()
            .is_some()
    );

    // The log saw both logins (a login is never retried), and no control request.
    let log: Vec<Value> = get_json(format!("{control}/__omniauth/requests")).await;
    let logins = log.iter().filter(|r| r["path"] == "/api/v1/login").count();
    assert_eq!(logins, 2, "{log:?}");
    assert!(
        log.iter()
            .all(|r| !r["path"].as_str().unwrap().starts_with("/__omniauth/"))
    );

    // A rule the API cannot read is refused, with the reason.
    let bad = http()
        .post(format!("{control}/__omniauth/faults"))
        .body(r#"{"path": "/x", "fault": {"type": "explode"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("explode"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seed_file_replaces_the_default_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        r#"{
  "resonite": {
    "accounts": [
      {"username": "ann", "email": "ann@example.com", "password": "ann's password"},
      {"username": "bob", "password": "bob's password"}
    ],
    "contacts": [{"owner": "ann", "contact": "bob"}],
    "messages": [{"from": "bob", "to": "ann", "content": "hello ann"}]
  },
  "burgerauth": {
    "accounts": [{"username": "ann", "password": "ann's password", "migrated": false}]
  }
}"#,
    )
    .unwrap();
    let emulator = Emulator::start(&["resonite", "burgerauth", "--seed", seed.to_str().unwrap()]);
    let ann = Credentials::username("ann").with_password(Password::new("ann's password"));

    let resonite = Service::Resonite
        .authenticator(Some(&emulator.url("resonite")))
        .unwrap();
    let session = resonite.login(&ann).await.unwrap().into_session().unwrap();
    assert_eq!(session.user_id(), "U-ann");
    assert!(resonite.login(&demo()).await.is_err(), "no default account");
    let client = omniauth::resonite::Client::new(emulator.url("resonite")).unwrap();
    let contacts = client.contacts(&session).await.unwrap();
    assert_eq!(contacts.len(), 1);

    // A legacy (not migrated) Burgerauth account: the client falls back to the SHA3 hash.
    let burgerauth = Service::Burgerauth
        .authenticator(Some(&emulator.url("burgerauth")))
        .unwrap();
    assert!(
        burgerauth
            .login(&ann)
            .await
            .unwrap()
            .into_session()
            .is_some()
    );
}

#[test]
fn a_bad_seed_file_is_refused_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("bad-seed.json");
    std::fs::write(
        &seed,
        "{\n  \"maillink\": {\n    \"users\": [{\"username\": \"ann\", \"mail\": \"a@example.com\"}]\n  }\n}\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["maillink", "--seed"])
        .arg(&seed)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!("{}:3:", seed.display());
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains("maillink.users[0].mail"), "{stderr}");
    assert!(stderr.contains("unknown field"), "{stderr}");
}

#[test]
fn a_non_loopback_host_needs_allow_remote() {
    let out = Command::new(BIN)
        .args(["maillink", "--host", "0.0.0.0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--allow-remote"),
        "{out:?}"
    );
}

#[test]
fn sigterm_ends_it_cleanly_and_frees_the_port() {
    let port = free_port();
    let mut emulator = Emulator::start(&["maillink", "--port", &port.to_string()]);
    let status = emulator.terminate();
    assert!(status.success(), "{status}");
    // The port is free again.
    std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
}

#[test]
fn the_stdout_lines_name_each_service_and_its_url() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready.json");
    let child = Command::new(BIN)
        .args(["maillink", "resonite", "--ready-file"])
        .arg(&ready)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Sent SIGTERM on drop, also when an assertion fails.
    let mut emulator = Emulator::adopt(child);
    let stdout = emulator.child.stdout.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    assert!(first.starts_with("maillink http://127.0.0.1:"), "{first}");
    assert!(second.starts_with("resonite http://127.0.0.1:"), "{second}");
    // The lines come first, the ready file right after them.
    let urls = emulator.wait_ready(&ready);
    assert_eq!(urls["maillink"], first["maillink ".len()..]);
    assert!(emulator.terminate().success());
}

/// The examples of `docs/testing.md` ("testing code in other languages"), run as a user
/// would. A missing interpreter fails in CI (`CI` set) and is reported elsewhere.
#[test]
fn the_other_language_examples_of_the_docs_run() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples");
    for (interpreter, script) in [
        ("python3", "emulator_test.py"),
        ("bash", "emulator_test.sh"),
    ] {
        let found = Command::new(interpreter)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            assert!(
                std::env::var_os("CI").is_none(),
                "{interpreter} is needed in CI for docs/examples/{script}"
            );
            eprintln!("skipping docs/examples/{script}: no {interpreter}");
            continue;
        }
        let path: PathBuf = examples.join(script);
        let out = Command::new(interpreter)
            .arg(&path)
            .env("OMNIAUTH_EMULATOR", BIN)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{script} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_and_clock_through_the_control_api() {
    let emulator = Emulator::start(&["burgerauth", "resonite"]);
    let burgerauth = Service::Burgerauth
        .authenticator(Some(&emulator.url("burgerauth")))
        .unwrap();
    let session = burgerauth
        .login(&demo())
        .await
        .unwrap()
        .into_session()
        .unwrap();
    burgerauth.validate(&session).await.unwrap();

    // A 1.3 restart drops the sessions and keeps the accounts.
    let control = emulator.root("burgerauth");
    let restarted = http()
        .post(format!("{control}/__omniauth/restart"))
        .send()
        .await
        .unwrap();
    assert_eq!(restarted.status(), 204);
    assert!(
        burgerauth.validate(&session).await.is_err(),
        "the session is gone"
    );
    assert!(
        burgerauth
            .login(&demo())
            .await
            .unwrap()
            .into_session()
            .is_some()
    );

    let clock: Value = http()
        .post(format!("{control}/__omniauth/clock"))
        .body(r#"{"advance_secs": 3600}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let now = clock["now"].as_i64().unwrap();
    assert!(now >= chrono_now() + 3_590, "{clock}");

    // Resonite answers first, then cuts its connections; the tokens survive, as in a real
    // restart.
    let resonite = Service::Resonite
        .authenticator(Some(&emulator.url("resonite")))
        .unwrap();
    let session = resonite
        .login(&demo().with_totp(TotpCode::new("123456")))
        .await
        .unwrap()
        .into_session()
        .unwrap();
    let restarted = http()
        .post(format!("{}/__omniauth/restart", emulator.root("resonite")))
        .send()
        .await
        .unwrap();
    assert_eq!(restarted.status(), 202);
    // Past the restart (0.1 s after the answer): the server must serve again.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match resonite.validate(&session).await {
            Ok(()) => break,
            Err(err) => assert!(
                Instant::now() < deadline,
                "not back after the restart: {err:?}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn chrono_now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// This machine's address on its default route, if it has one (a UDP "connect" sends
/// nothing).
fn non_loopback_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("10.255.255.255:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_allow_remote_the_service_is_reachable_but_the_control_api_is_not() {
    // Not a peer to install: a machine without a network route (a sandbox) cannot run this.
    let Some(ip) = non_loopback_address() else {
        eprintln!("skipping: this machine has no non-loopback address to connect from");
        return;
    };
    let port = free_port();
    let _emulator = Emulator::start(&[
        "maillink",
        "--host",
        "0.0.0.0",
        "--allow-remote",
        "--port",
        &port.to_string(),
    ]);
    let remote = format!("http://{ip}:{port}");
    let control = http()
        .get(format!("{remote}/__omniauth/requests"))
        .send()
        .await
        .unwrap();
    assert_eq!(control.status(), 403);
    // The service itself answers (a body it cannot read: 400), and loopback gets the log.
    let service = http()
        .post(format!("{remote}/auth/login"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(service.status(), 400);
    let local = http()
        .get(format!("http://127.0.0.1:{port}/__omniauth/requests"))
        .send()
        .await
        .unwrap();
    assert_eq!(local.status(), 200);
}
