//! Token store crash safety: a child process rewrites a `FileStore` in a loop and is killed
//! with SIGKILL, many times, at arbitrary points. After every kill the file must be a whole
//! store holding one consistent write (the old or the new content), never a torn one.
//!
//! The child is this test binary run again with `OMNIAUTH_E2E_STORE_CHILD` set: the test
//! `store_writer_child` then becomes the writer instead of returning at once.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use omniauth_types::{
    AccessToken, ExposeSecret as _, FileStore, RefreshToken, Session, TokenScheme, TokenStore as _,
};

const CHILD_ENV: &str = "OMNIAUTH_E2E_STORE_CHILD";
const ROUND_ENV: &str = "OMNIAUTH_E2E_STORE_ROUND";
/// How many times the writer is killed.
const KILLS: u64 = 50;
/// Makes each file about 48 KiB, so a kill often lands inside a write.
const PAD: usize = 16 * 1024;

/// The session written for `account` at `round`, write `index`: every field says where it
/// came from, so a mix of two writes is visible.
fn session(account: &str, round: u64, index: u64) -> Session {
    let stamp = format!("{round}-{index}");
    Session::new(
        "crash-test",
        format!("{account}-{stamp}"),
        AccessToken::new(format!("token-{stamp}")),
        TokenScheme::Bearer,
    )
    .with_refresh_token(RefreshToken::new(format!("refresh-{stamp}")), None)
    .with_extra("pad", pad(&stamp))
}

fn pad(stamp: &str) -> String {
    stamp.chars().cycle().take(PAD).collect()
}

/// The (round, index) of a stored session, after checking that all its fields agree.
fn stamp_of(account: &str, session: &Session) -> (u64, u64) {
    let stamp = session
        .user_id()
        .strip_prefix(&format!("{account}-"))
        .unwrap_or_else(|| panic!("foreign user id {:?}", session.user_id()))
        .to_owned();
    assert_eq!(
        session.access_token().expose_secret(),
        format!("token-{stamp}"),
        "torn session of {account}"
    );
    assert_eq!(
        session
            .refresh_token()
            .map(|t| t.expose_secret().to_owned()),
        Some(format!("refresh-{stamp}"))
    );
    assert!(
        session.extra("pad") == Some(pad(&stamp).as_str()),
        "torn padding of {account} at {stamp}"
    );
    let (round, index) = stamp.split_once('-').expect("round-index");
    (round.parse().unwrap(), index.parse().unwrap())
}

/// Reads the store as the application would, and returns the one write it holds.
fn read_store(runtime: &tokio::runtime::Runtime, path: &Path) -> Option<((u64, u64), bool)> {
    // One read of the file (a writer may replace it at any moment), loaded from a copy so
    // both accounts come from the same version of it.
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
        Err(err) => panic!("cannot read the store: {err}"),
    };
    let snapshot = path.with_extension("snapshot");
    std::fs::write(&snapshot, bytes).unwrap();
    let store = FileStore::new(snapshot);
    let (alice, bob) = runtime.block_on(async {
        let alice = store
            .load("alice")
            .await
            .expect("the store file is always a whole store");
        let bob = store
            .load("bob")
            .await
            .expect("the store file is always a whole store");
        (alice, bob)
    });
    // The file exists only after the first save, which writes alice.
    let alice = stamp_of("alice", &alice.expect("alice is stored"));
    // The writer saves alice then bob with the same stamp: bob lags alice by at most that
    // one save (across a round boundary: alice's first write of the round).
    let has_bob = bob.is_some();
    match bob.map(|bob| stamp_of("bob", &bob)) {
        // Possible only while no round has reached its second save (the caller checks that
        // bob, once seen, stays).
        None => assert_eq!(alice.1, 0, "bob is missing after alice's second write"),
        Some(bob) => assert!(
            alice == bob
                || (alice.0 == bob.0 && alice.1 == bob.1 + 1)
                || (alice.1 == 0 && alice.0 > bob.0),
            "alice {alice:?} and bob {bob:?} are not one write apart"
        ),
    }
    Some((alice, has_bob))
}

/// Cheap randomness for the kill delay; the schedule only needs to vary.
fn jitter_micros(round: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos();
    (u64::from(nanos) ^ round.wrapping_mul(0x9E37_79B9)) % 8000
}

#[test]
fn a_killed_writer_never_leaves_a_torn_store() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.json");
    let exe = std::env::current_exe().unwrap();
    let mut last: Option<(u64, u64)> = None;
    let mut killed_mid_run = 0;
    let mut bob_seen = false;
    for round in 1..=KILLS {
        let mut child = Command::new(&exe)
            .args([
                "store_writer_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .env(ROUND_ENV, round.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the child's first write of this round, so every round kills a writer.
        let started = Instant::now();
        loop {
            if let Some(((seen, _), _)) = read_store(&runtime, &path)
                && seen == round
            {
                break;
            }
            assert!(
                child.try_wait().unwrap().is_none(),
                "the writer stopped by itself"
            );
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the writer never wrote"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
        std::thread::sleep(Duration::from_micros(jitter_micros(round)));
        child.kill().unwrap(); // SIGKILL on Unix.
        let status = child.wait().unwrap();
        if !status.success() {
            killed_mid_run += 1;
        }
        let (now, has_bob) = read_store(&runtime, &path).expect("the file survives");
        bob_seen |= has_bob;
        assert!(has_bob || !bob_seen, "bob's session was lost");
        assert_eq!(now.0, round, "the store holds this round's last write");
        if let Some(before) = last {
            assert!(
                now > before,
                "writes only move forward: {before:?} then {now:?}"
            );
        }
        last = Some(now);
    }
    assert_eq!(
        killed_mid_run, KILLS,
        "every writer was killed, none exited"
    );
    // SIGKILL leaves the temporary file of an interrupted write behind; the store file is
    // whole. The leftovers are named `.omniauth-store-*` and never read.
    let mut interrupted = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            name == "sessions.json"
                || name == "sessions.json.locks"
                || name == "sessions.snapshot"
                || name.starts_with(".omniauth-store-"),
            "unexpected file {name}"
        );
        interrupted += usize::from(name.starts_with(".omniauth-store-"));
    }
    // How many kills landed inside a write (for the record; the schedule is not exact).
    println!("{KILLS} kills, {interrupted} inside a write, the store whole after each");
}

/// The writer of the test above; does nothing unless started by it.
#[test]
fn store_writer_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let round: u64 = std::env::var(ROUND_ENV).unwrap().parse().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = FileStore::new(path);
    runtime.block_on(async {
        for index in 0.. {
            store
                .save("alice", &session("alice", round, index))
                .await
                .unwrap();
            store
                .save("bob", &session("bob", round, index))
                .await
                .unwrap();
        }
    });
}
