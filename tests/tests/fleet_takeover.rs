//! The refreshing process dies mid-refresh: another process of the fleet takes the refresh
//! lock over and completes the refresh. With a `FileStore`, the kernel releases the dead
//! holder's file lock at once; with a `RedisStore`, the lock key's lease (1 s here) runs out
//! because nobody extends it any more.
//!
//! The dying refresh is held up by the emulator (a delay before the route, so the server never
//! spends the refresh token for it), then its process is killed with SIGKILL.
//!
//! The children are this test binary run again with `OMNIAUTH_E2E_TAKEOVER_CHILD` set: the
//! test `takeover_child` then does a child's work instead of returning at once.

mod common;
mod redis_env;

use common::fleet::{KEY, authenticator, store, wait_for};

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use omniauth::{ExposeSecret as _, SessionManager};
use omniauth_testkit::{Fault, FaultRule};
use omniauth_types::http::Method;

const CHILD_ENV: &str = "OMNIAUTH_E2E_TAKEOVER_CHILD";
const URL_ENV: &str = "OMNIAUTH_E2E_TAKEOVER_URL";
const ID_ENV: &str = "OMNIAUTH_E2E_TAKEOVER_ID";
/// Set to `<url> <prefix>` when the fleet shares a `RedisStore`.
const REDIS_ENV: &str = "OMNIAUTH_E2E_TAKEOVER_REDIS";
const LEASE: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_store_refresher_killed_mid_refresh_is_taken_over() {
    takeover(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_refresher_killed_mid_refresh_is_taken_over_after_the_lease() {
    let Some(url) = redis_env::redis_url() else {
        return;
    };
    takeover(Some(format!("{url} {}", redis_env::unique_prefix()))).await;
}

async fn takeover(redis: Option<String>) {
    let common::fleet::ExpiredSession {
        emulator,
        dir,
        store_path,
        old_token,
        shared,
    } = common::fleet::expired_session(redis.as_deref(), Some(LEASE)).await;
    // The first refresh hangs far longer than the test; the route never runs for it.
    emulator.server().faults().inject(
        FaultRule::new("/api/v1/refresh", Fault::Delay(Duration::from_secs(600)))
            .method(Method::POST)
            .times(1),
    );
    let refreshes = || {
        emulator
            .server()
            .requests()
            .count(&Method::POST, "/api/v1/refresh")
    };

    let spawn = |id: usize| child(&store_path, emulator.base_url(), redis.as_deref(), id);
    let mut dying = spawn(0);
    // The first child holds the lock and waits on its refresh.
    let started = Instant::now();
    while refreshes() == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "no refresh");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut heir = spawn(1);
    let ready = dir.path().join("ready-1");
    tokio::task::spawn_blocking(move || {
        wait_for("the heir never got ready", Duration::from_millis(5), || {
            ready.exists()
        });
    })
    .await
    .unwrap();
    // Give the heir a moment to queue on the lock, then kill the holder mid-refresh.
    tokio::time::sleep(Duration::from_millis(100)).await;
    dying.kill().unwrap(); // SIGKILL on Unix.
    dying.wait().unwrap();
    let killed_at = Instant::now();

    let mut stdout = heir.stdout.take().unwrap();
    let (output, status) = tokio::task::spawn_blocking(move || {
        let mut output = String::new();
        stdout.read_to_string(&mut output).unwrap();
        (output, heir.wait().unwrap())
    })
    .await
    .unwrap();
    let took_over_in = killed_at.elapsed();
    assert!(status.success(), "the heir failed: {output}");
    let token = output
        .lines()
        .find_map(|line| line.split_once("token ").map(|(_, t)| t.to_owned()))
        .expect("the heir printed its token");

    assert_eq!(refreshes(), 2, "the dead one's refresh, then the heir's");
    let stored = shared.load(KEY).await.unwrap().unwrap();
    assert_eq!(stored.access_token().expose_secret(), token);
    assert_ne!(token, old_token);
    authenticator(emulator.base_url())
        .validate(&stored)
        .await
        .expect("the heir's token works");
    if redis.is_some() {
        shared.delete(KEY).await.unwrap();
    }
    println!(
        "taken over {took_over_in:?} after the kill ({} store)",
        if redis.is_some() { "redis" } else { "file" }
    );
}

fn child(store_path: &Path, base_url: &str, redis: Option<&str>, id: usize) -> Child {
    let id = id.to_string();
    let store = store_path.to_str().unwrap();
    let mut env = vec![
        (CHILD_ENV, store),
        (URL_ENV, base_url),
        (ID_ENV, id.as_str()),
    ];
    if let Some(redis) = redis {
        env.push((REDIS_ENV, redis));
    }
    common::fleet::child_process("takeover_child", &env)
}

/// A process of the tests above; does nothing unless started by them. Asks for one token and
/// prints it as `token <value>`.
#[test]
fn takeover_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let path = PathBuf::from(path);
    let base_url = std::env::var(URL_ENV).unwrap();
    let id: usize = std::env::var(ID_ENV).unwrap().parse().unwrap();
    let redis = std::env::var(REDIS_ENV).ok();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let manager = SessionManager::with_shared_store(
        authenticator(&base_url),
        store(&path, redis.as_deref(), Some(LEASE)),
        KEY,
    );
    std::fs::write(path.with_file_name(format!("ready-{id}")), b"").unwrap();
    let token = runtime
        .block_on(manager.access_token())
        .expect("the caller gets a token");
    println!("token {}", token.expose_secret());
}
