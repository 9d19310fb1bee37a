//! What the fleet tests share: the store a fleet of processes opens (a file, or Redis when
//! given `<url> <prefix>`), their GoScrobble authenticator, and an expired session stored for
//! them to refresh.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use goscrobble_api::GoScrobbleAuthenticator;
use omniauth::{Authenticator, ExposeSecret as _, FileStore, Password};
use omniauth_testkit::goscrobble::GoScrobble;
use omniauth_types::{RedisStore, TokenStore};

/// The key the fleet's session is stored under.
pub const KEY: &str = "goscrobble/alice";

/// The store at `path`, or Redis when `redis` is `<url> <prefix>` (with `lease` for its
/// refresh lock when given).
pub fn store(path: &Path, redis: Option<&str>, lease: Option<Duration>) -> Arc<dyn TokenStore> {
    match redis.and_then(|r| r.split_once(' ')) {
        Some((url, prefix)) => {
            let store = RedisStore::open(url).unwrap().with_prefix(prefix);
            Arc::new(match lease {
                Some(lease) => store.with_lease(lease),
                None => store,
            })
        }
        None => Arc::new(FileStore::new(path)),
    }
}

/// GoScrobble's authenticator at `base_url`, with no client-side limit to wait for.
pub fn authenticator(base_url: &str) -> Arc<dyn Authenticator> {
    let client = goscrobble_api::Client::builder()
        .base_url(base_url)
        .heavy_rate_limit(None)
        .build()
        .unwrap();
    Arc::new(GoScrobbleAuthenticator::new(client))
}

/// Polls `done` every `every` until it holds, failing after a minute.
pub fn wait_for(what: &str, every: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(60), "{what}");
        std::thread::sleep(every);
    }
}

/// An emulator with alice, and her session stored already expired for every client (still
/// good on the server), so that every process of the fleet wants to refresh it.
pub struct ExpiredSession {
    pub emulator: GoScrobble,
    /// Holds the store's directory: dropping it deletes the store.
    pub dir: tempfile::TempDir,
    pub store_path: PathBuf,
    pub old_token: String,
    pub shared: Arc<dyn TokenStore>,
}

pub async fn expired_session(redis: Option<&str>, lease: Option<Duration>) -> ExpiredSession {
    let emulator = GoScrobble::builder()
        .jwt_expiry(Duration::from_secs(3600))
        .without_rate_limits()
        .start()
        .await
        .unwrap();
    emulator.add_user("alice", super::PASSWORD, super::EMAIL);
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("sessions.json");
    let client = goscrobble_api::Client::builder()
        .base_url(emulator.base_url())
        .heavy_rate_limit(None)
        .build()
        .unwrap();
    let mut session = client
        .login("alice", &Password::new(super::PASSWORD))
        .await
        .unwrap();
    let old_token = session.access_token().expose_secret().to_owned();
    session.set_expires_at(Some(chrono::Utc::now() - chrono::TimeDelta::seconds(5)));
    let shared = store(&store_path, redis, lease);
    shared.save(KEY, &session).await.unwrap();
    ExpiredSession {
        emulator,
        dir,
        store_path,
        old_token,
        shared,
    }
}

/// This test binary run again as a child doing the work of its test `test` (which returns at
/// once unless `env` tells it to work), stdout piped back.
pub fn child_process(test: &str, env: &[(&str, &str)]) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}
