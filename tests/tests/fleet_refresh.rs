//! One refresh for a fleet: [`PROCESSES`] processes × [`TASKS`] tasks ask for a token of one
//! expired GoScrobble session kept in a shared store, a `FileStore` or a `RedisStore` (on the
//! server of `.ci/setup.d/20-redis.sh`). GoScrobble rotates refresh tokens
//! (a used one is deleted), so a second refresh from any process would fail: exactly one
//! refresh request reaches the emulator and every caller gets the new, valid token.
//!
//! The children are this test binary run again with `OMNIAUTH_E2E_REFRESH_CHILD` set: the
//! test `refresher_child` then does a child's work instead of returning at once.

mod common;
mod redis_env;

use common::fleet::{KEY, authenticator, store, wait_for};

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use omniauth::{ExposeSecret as _, SessionManager};
use omniauth_types::http::Method;

const CHILD_ENV: &str = "OMNIAUTH_E2E_REFRESH_CHILD";
const URL_ENV: &str = "OMNIAUTH_E2E_REFRESH_URL";
const ID_ENV: &str = "OMNIAUTH_E2E_REFRESH_ID";
/// Set to `<url> <prefix>` when the fleet shares a `RedisStore` instead of the file.
const REDIS_ENV: &str = "OMNIAUTH_E2E_REFRESH_REDIS";
const PROCESSES: usize = 4;
const TASKS: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_sharing_a_file_store_refreshes_once() {
    fleet_refreshes_once(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_sharing_redis_refreshes_once() {
    let Some(url) = redis_env::redis_url() else {
        return;
    };
    fleet_refreshes_once(Some(format!("{url} {}", redis_env::unique_prefix()))).await;
}

async fn fleet_refreshes_once(redis: Option<String>) {
    let common::fleet::ExpiredSession {
        emulator,
        dir: _dir,
        store_path,
        old_token,
        shared,
    } = common::fleet::expired_session(redis.as_deref(), None).await;

    let tokens = run_fleet(&store_path, emulator.base_url(), redis.as_deref()).await;

    assert_eq!(
        emulator
            .server()
            .requests()
            .count(&Method::POST, "/api/v1/refresh"),
        1,
        "one refresh request for {PROCESSES} processes × {TASKS} tasks"
    );
    assert_eq!(tokens.len(), PROCESSES * TASKS, "every caller answered");
    let stored = shared.load(KEY).await.unwrap().unwrap();
    let new_token = stored.access_token().expose_secret();
    assert_ne!(new_token, old_token, "the session was refreshed");
    assert!(
        tokens.iter().all(|t| t == new_token),
        "every caller got the stored, refreshed token"
    );
    authenticator(emulator.base_url())
        .validate(&stored)
        .await
        .expect("the refreshed token works");
    if redis.is_some() {
        shared.delete(KEY).await.unwrap();
    }
    assert_eq!(
        emulator.refresh_token_count("alice"),
        1,
        "one refresh token left: the old one was spent once, the new one never"
    );
}

/// Starts the [`PROCESSES`] children on the store, lets them go at once, and returns the
/// token each of their tasks got.
async fn run_fleet(store_path: &Path, base_url: &str, redis: Option<&str>) -> Vec<String> {
    let children: Vec<_> = (0..PROCESSES)
        .map(|id| {
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
            common::fleet::child_process("refresher_child", &env)
        })
        .collect();
    let root = store_path.parent().unwrap().to_path_buf();
    tokio::task::spawn_blocking(move || {
        wait_for(
            "the children never got ready",
            Duration::from_millis(2),
            || (0..PROCESSES).all(|id| root.join(format!("ready-{id}")).exists()),
        );
    })
    .await
    .unwrap();
    std::fs::write(store_path.with_file_name("go"), b"").unwrap();

    let mut tokens = Vec::new();
    for mut child in children {
        let mut stdout = child.stdout.take().unwrap();
        let (output, status) = tokio::task::spawn_blocking(move || {
            let mut output = String::new();
            stdout.read_to_string(&mut output).unwrap();
            (output, child.wait().unwrap())
        })
        .await
        .unwrap();
        assert!(status.success(), "a child failed: {output}");
        tokens.extend(
            output
                .lines()
                // The harness's `test refresher_child ... ` may start the first line.
                .filter_map(|line| line.split_once("token ").map(|(_, token)| token))
                .map(str::to_owned),
        );
    }
    tokens
}

/// A process of the fleet above; does nothing unless started by it. Prints one
/// `token <value>` line per task.
#[test]
fn refresher_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let path = PathBuf::from(path);
    let base_url = std::env::var(URL_ENV).unwrap();
    let id: usize = std::env::var(ID_ENV).unwrap().parse().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir: &Path = path.parent().unwrap();
    let redis = std::env::var(REDIS_ENV).ok();
    let manager = Arc::new(SessionManager::with_shared_store(
        authenticator(&base_url),
        store(&path, redis.as_deref(), None),
        KEY,
    ));
    std::fs::write(dir.join(format!("ready-{id}")), b"").unwrap();
    wait_for("never told to go", Duration::from_millis(2), || {
        dir.join("go").exists()
    });
    let tokens = runtime.block_on(async {
        let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (manager, barrier) = (manager.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    manager.access_token().await
                })
            })
            .collect();
        let mut tokens = Vec::with_capacity(TASKS);
        for task in tasks {
            let token = task.await.unwrap().expect("every caller gets a token");
            tokens.push(token.expose_secret().to_owned());
        }
        tokens
    });
    for token in tokens {
        println!("token {token}");
    }
}
