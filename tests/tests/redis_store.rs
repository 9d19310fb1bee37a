//! `RedisStore` against a real `redis-server`: the one `.ci/setup.d/20-redis.sh` starts
//! (`REDIS_URL`, with a password), and for the restart case one this test starts itself
//! (`REDIS_SERVER` or `redis-server` on the `PATH`). Without them the tests fail in CI (`CI`
//! set) and are skipped, loudly, elsewhere.

mod redis_env;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use omniauth_types::{
    AccessToken, ErrorKind, ExposeSecret as _, RedisStore, RefreshToken, Session, TokenScheme,
    TokenStore as _,
};
use redis_env::{redis_url, unique_prefix};

fn session(token: &str) -> Session {
    let mut session = Session::new(
        "goscrobble",
        "u-1",
        AccessToken::new(token),
        TokenScheme::Bearer,
    )
    .with_refresh_token(
        RefreshToken::new("refresh-secret"),
        Some(chrono::Utc::now() + chrono::TimeDelta::hours(2)),
    );
    session.set_expires_at(Some(chrono::Utc::now() + chrono::TimeDelta::minutes(30)));
    session
}

async fn raw(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

#[tokio::test]
async fn sessions_round_trip_under_their_prefix_with_a_ttl() {
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix();
    let store = RedisStore::open(&url).unwrap().with_prefix(&prefix);
    let other = RedisStore::open(&url)
        .unwrap()
        .with_prefix(format!("{prefix}other:"));
    assert!(store.load("goscrobble/alice").await.unwrap().is_none());
    store
        .save("goscrobble/bob", &session("tok-b"))
        .await
        .unwrap();
    store
        .save("goscrobble/alice", &session("tok-a"))
        .await
        .unwrap();
    other.save("x", &session("tok-x")).await.unwrap();
    assert_eq!(
        store.keys().await.unwrap(),
        ["goscrobble/alice", "goscrobble/bob"]
    );
    assert_eq!(other.keys().await.unwrap(), ["x"]);
    let loaded = store.load("goscrobble/alice").await.unwrap().unwrap();
    assert_eq!(loaded.access_token().expose_secret(), "tok-a");
    assert_eq!(
        loaded.refresh_token().unwrap().expose_secret(),
        "refresh-secret"
    );

    let mut conn = raw(&url).await;
    let ttl: i64 = redis::cmd("TTL")
        .arg(format!("{prefix}session:goscrobble/alice"))
        .query_async(&mut conn)
        .await
        .unwrap();
    // The refresh token's two hours plus the store's grace of five minutes.
    assert!((7200..=7500).contains(&ttl), "ttl {ttl}");

    assert!(store.delete("goscrobble/alice").await.unwrap());
    assert!(!store.delete("goscrobble/alice").await.unwrap());
    assert_eq!(store.keys().await.unwrap(), ["goscrobble/bob"]);
    assert!(!format!("{store:?}").contains("tok-"));
    let password = omniauth_types::url::Url::parse(&url)
        .unwrap()
        .password()
        .map(str::to_owned);
    if let Some(password) = password {
        assert!(!format!("{store:?}").contains(&password));
    }
    for key in ["goscrobble/bob"] {
        store.delete(key).await.unwrap();
    }
    other.delete("x").await.unwrap();
}

#[tokio::test]
async fn a_wrong_password_is_a_store_error() {
    let Some(url) = redis_url() else { return };
    let mut wrong = omniauth_types::url::Url::parse(&url).unwrap();
    wrong.set_username("default").unwrap();
    wrong.set_password(Some("not-the-password")).unwrap();
    let store = RedisStore::open(wrong.as_str()).unwrap();
    let err = store.load("k").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Store, "{err}");
    assert!(!format!("{err} {err:?}").contains("not-the-password"));
}

#[tokio::test]
async fn the_refresh_lock_is_exclusive_extended_and_released_by_its_owner_only() {
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix();
    let store = RedisStore::open(&url)
        .unwrap()
        .with_prefix(&prefix)
        .with_lease(Duration::from_secs(1));
    let first = store.lock_refresh("goscrobble/alice").await.unwrap();
    let waiter = {
        let store = store.clone();
        tokio::spawn(async move { store.lock_refresh("goscrobble/alice").await })
    };
    let _bob = tokio::time::timeout(Duration::from_secs(5), store.lock_refresh("goscrobble/bob"))
        .await
        .expect("another account does not wait")
        .unwrap();
    // Past the one-second lease: only the holder's extensions keep the waiter out.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(!waiter.is_finished(), "the lease is extended while held");
    first.release().await.unwrap();
    let second = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("the waiter takes the released lock")
        .unwrap()
        .unwrap();

    // The lock lapses under the second holder (deleted here, as an expiry would) and a third
    // caller takes it: the second one's release must not delete the third one's lock.
    let lock_key = format!("{prefix}lock:goscrobble/alice");
    let mut conn = raw(&url).await;
    let () = redis::cmd("DEL")
        .arg(&lock_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    let third = tokio::time::timeout(
        Duration::from_secs(5),
        store.lock_refresh("goscrobble/alice"),
    )
    .await
    .expect("a lapsed lock is free")
    .unwrap();
    let err = second.release().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Store);
    let exists: i64 = redis::cmd("EXISTS")
        .arg(&lock_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(exists, 1, "the third caller still holds the lock");
    third.release().await.unwrap();
}

#[tokio::test]
async fn a_dead_holder_loses_the_lock_when_its_lease_runs_out() {
    let Some(url) = redis_url() else { return };
    let prefix = unique_prefix();
    let store = RedisStore::open(&url)
        .unwrap()
        .with_prefix(&prefix)
        .with_lease(Duration::from_secs(1));
    // What a holder that died leaves: the key with the rest of its lease, never extended.
    let mut conn = raw(&url).await;
    let () = redis::cmd("SET")
        .arg(format!("{prefix}lock:k"))
        .arg("a-process-that-died")
        .arg("PX")
        .arg(1000)
        .query_async(&mut conn)
        .await
        .unwrap();
    let started = Instant::now();
    let guard = tokio::time::timeout(Duration::from_secs(10), store.lock_refresh("k"))
        .await
        .expect("taken over after the lease")
        .unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(500), "waited {waited:?}");
    guard.release().await.unwrap();
}

/// A `redis-server` of this test's own, on a fixed port so that it can be started again;
/// with `tls`, it speaks TLS only (certificates from [`make_certificates`]).
struct OwnServer {
    port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
    tls: bool,
}

impl OwnServer {
    fn start(tls: bool) -> Option<Self> {
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = Self {
            port,
            child: None,
            dir: tempfile::tempdir().unwrap(),
            tls,
        };
        if Command::new(&binary).arg("--version").output().is_err() {
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server is missing: .ci/setup.d/20-redis.sh installs it"
            );
            eprintln!("SKIPPED: no redis-server");
            return None;
        }
        if tls {
            make_certificates(server.dir.path());
        }
        server.run(&binary);
        Some(server)
    }

    fn run(&mut self, binary: &str) {
        let port = self.port.to_string();
        let mut command = Command::new(binary);
        command.args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        if self.tls {
            let file = |name: &str| self.dir.path().join(name);
            command
                .args([
                    "--port",
                    "0",
                    "--tls-port",
                    &port,
                    "--tls-auth-clients",
                    "no",
                ])
                .arg("--tls-cert-file")
                .arg(file("server.pem"))
                .arg("--tls-key-file")
                .arg(file("server.key"))
                .arg("--tls-ca-cert-file")
                .arg(file("ca.pem"));
        } else {
            command.args(["--port", &port]);
        }
        let child = command
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no redis-server"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    fn url(&self) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        format!("{scheme}://127.0.0.1:{}/0", self.port)
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn a_restarted_server_gives_store_errors_then_recovers() {
    let Some(mut server) = OwnServer::start(false) else {
        return;
    };
    let store = RedisStore::open(&server.url()).unwrap();
    store.save("k", &session("before")).await.unwrap();
    server.stop();
    for _ in 0..3 {
        let err = store.load("k").await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Store, "{err}");
        let err = store.save("k", &session("t")).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Store, "{err}");
    }
    let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
    server.run(&binary);
    // Nothing was persisted: the store is empty, and works again on a new connection.
    assert!(store.load("k").await.unwrap().is_none());
    store.save("k", &session("after")).await.unwrap();
    let loaded = store.load("k").await.unwrap().unwrap();
    assert_eq!(loaded.access_token().expose_secret(), "after");
}

/// A test CA and a server certificate for 127.0.0.1 signed by it, made with `openssl` (which
/// `.ci/setup.d/20-redis.sh` installs with the server).
fn make_certificates(dir: &std::path::Path) {
    let openssl = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl runs");
        assert!(status.success(), "openssl {args:?}");
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=omniauth test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}

#[tokio::test]
async fn rediss_reaches_a_tls_server_and_checks_its_certificate() {
    let Some(server) = OwnServer::start(true) else {
        return;
    };
    // The system's roots do not know the test CA: the certificate is refused.
    let untrusting = RedisStore::open(&server.url()).unwrap();
    let err = untrusting.load("k").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Store, "{err}");

    let ca = std::fs::read(server.dir.path().join("ca.pem")).unwrap();
    let client = redis::Client::build_with_tls(
        server.url(),
        redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(ca),
        },
    )
    .unwrap();
    let store = RedisStore::from_client(client);
    store.save("k", &session("over-tls")).await.unwrap();
    let loaded = store.load("k").await.unwrap().unwrap();
    assert_eq!(loaded.access_token().expose_secret(), "over-tls");
}
