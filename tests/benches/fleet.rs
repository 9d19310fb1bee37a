//! The fleet: [`PROCESSES`] processes × [`TASKS`] tasks ask for a token of one expired
//! GoScrobble session in a shared store (a `FileStore`, and a `RedisStore` when `REDIS_URL`
//! is set). Reports the refresh requests the emulator received (target 1) and the callers'
//! latency (median, p99), against the in-process single flight in the same run (one process,
//! the same number of callers, a `MemoryStore`). Then store throughput: saves/s and loads/s
//! with 1 and 16 processes, for both stores.
//!
//! Run: `nice -n 10 cargo bench -p omniauth-e2e --bench fleet` (with `REDIS_URL` from
//! `.ci/setup.d/20-redis.sh` for the Redis rows). The children are this binary run again
//! with `OMNIAUTH_BENCH_FLEET_CHILD` set.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use goscrobble_api::GoScrobbleAuthenticator;
use omniauth::{
    AccessToken, Authenticator, ExposeSecret as _, FileStore, MemoryStore, Password, RedisStore,
    Session, SessionManager, TokenScheme, TokenStore,
};
use omniauth_testkit::goscrobble::GoScrobble;
use omniauth_types::http::Method;

const CHILD_ENV: &str = "OMNIAUTH_BENCH_FLEET_CHILD";
const PROCESSES: usize = 8;
const TASKS: usize = 64;
const KEY: &str = "goscrobble/alice";

/// Where the children find their work, passed through the environment.
struct Job {
    mode: &'static str,
    dir: PathBuf,
    redis: Option<String>,
    base_url: String,
    count: usize,
}

fn store(dir: &Path, redis: Option<&str>) -> Arc<dyn TokenStore> {
    match redis.and_then(|r| r.split_once(' ')) {
        Some((url, prefix)) => Arc::new(RedisStore::open(url).unwrap().with_prefix(prefix)),
        None => Arc::new(FileStore::new(dir.join("sessions.json"))),
    }
}

fn authenticator(base_url: &str) -> Arc<dyn Authenticator> {
    let client = goscrobble_api::Client::builder()
        .base_url(base_url)
        .heavy_rate_limit(None)
        .build()
        .unwrap();
    Arc::new(GoScrobbleAuthenticator::new(client))
}

fn unique_prefix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("omniauth-bench:{}:{nanos}:", std::process::id())
}

fn wait_for(mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(120), "a child hung");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `processes` children on `job`, releases them together, and returns their stdout.
fn run_children(job: &Job, processes: usize) -> Vec<String> {
    let _ = std::fs::remove_file(job.dir.join("go"));
    let children: Vec<_> = (0..processes)
        .map(|id| {
            let mut command = Command::new(std::env::current_exe().unwrap());
            if let Some(redis) = &job.redis {
                command.env("OMNIAUTH_BENCH_FLEET_REDIS", redis);
            }
            command
                .env(CHILD_ENV, job.mode)
                .env("OMNIAUTH_BENCH_FLEET_DIR", &job.dir)
                .env("OMNIAUTH_BENCH_FLEET_URL", &job.base_url)
                .env("OMNIAUTH_BENCH_FLEET_ID", id.to_string())
                .env("OMNIAUTH_BENCH_FLEET_COUNT", job.count.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    wait_for(|| (0..processes).all(|id| job.dir.join(format!("ready-{id}")).exists()));
    for id in 0..processes {
        std::fs::remove_file(job.dir.join(format!("ready-{id}"))).unwrap();
    }
    std::fs::write(job.dir.join("go"), b"").unwrap();
    children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success(), "a child failed");
            String::from_utf8(output.stdout).unwrap()
        })
        .collect()
}

fn values(outputs: &[String], name: &str) -> Vec<u64> {
    outputs
        .iter()
        .flat_map(|output| output.lines())
        .filter_map(|line| line.split_once(&format!("{name} ")).map(|(_, v)| v))
        .map(|v| v.trim().parse().unwrap())
        .collect()
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index]
}

fn report(label: &str, refreshes: usize, mut latencies: Vec<Duration>) {
    latencies.sort_unstable();
    println!(
        "fleet refresh, {label}: {} callers, {refreshes} refresh request(s) (target 1); latency median {:?}, p99 {:?}",
        latencies.len(),
        quantile(&latencies, 0.5),
        quantile(&latencies, 0.99),
    );
}

/// An emulator holding alice, and her session expired for every client.
async fn expired_session() -> (GoScrobble, Session) {
    let emulator = GoScrobble::builder()
        .jwt_expiry(Duration::from_secs(3600))
        .without_rate_limits()
        .start()
        .await
        .unwrap();
    emulator.add_user("alice", common::PASSWORD, common::EMAIL);
    let client = goscrobble_api::Client::builder()
        .base_url(emulator.base_url())
        .heavy_rate_limit(None)
        .build()
        .unwrap();
    let mut session = client
        .login("alice", &Password::new(common::PASSWORD))
        .await
        .unwrap();
    session.set_expires_at(Some(chrono::Utc::now() - chrono::TimeDelta::seconds(5)));
    (emulator, session)
}

async fn fleet_refresh(label: &str, redis: Option<String>) {
    let (emulator, session) = expired_session().await;
    let dir = tempfile::tempdir().unwrap();
    store(dir.path(), redis.as_deref())
        .save(KEY, &session)
        .await
        .unwrap();
    let job = Job {
        mode: "refresh",
        dir: dir.path().to_path_buf(),
        redis,
        base_url: emulator.base_url().to_owned(),
        count: TASKS,
    };
    let outputs = tokio::task::spawn_blocking(move || run_children(&job, PROCESSES))
        .await
        .unwrap();
    let latencies = values(&outputs, "latency-us")
        .into_iter()
        .map(Duration::from_micros)
        .collect();
    let refreshes = emulator
        .server()
        .requests()
        .count(&Method::POST, "/api/v1/refresh");
    report(label, refreshes, latencies);
}

async fn in_process_baseline() {
    let (emulator, session) = expired_session().await;
    let manager = Arc::new(SessionManager::new(
        authenticator(emulator.base_url()),
        MemoryStore::new(),
        KEY,
    ));
    manager.save(session).await.unwrap();
    let latencies = stampede(&manager, PROCESSES * TASKS).await;
    let refreshes = emulator
        .server()
        .requests()
        .count(&Method::POST, "/api/v1/refresh");
    report("in-process single flight (baseline)", refreshes, latencies);
}

/// `callers` tasks released together, each timing its `access_token()`.
async fn stampede(manager: &Arc<SessionManager>, callers: usize) -> Vec<Duration> {
    let barrier = Arc::new(tokio::sync::Barrier::new(callers));
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (manager, barrier) = (manager.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let start = Instant::now();
                let token = manager.access_token().await.expect("a token");
                assert!(!token.expose_secret().is_empty());
                start.elapsed()
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(callers);
    for task in tasks {
        latencies.push(task.await.unwrap());
    }
    latencies
}

fn throughput(label: &str, redis: Option<&str>, processes: usize, per_process: usize) {
    let dir = tempfile::tempdir().unwrap();
    let job = Job {
        mode: "throughput",
        dir: dir.path().to_path_buf(),
        redis: redis.map(|url| format!("{url} {}", unique_prefix())),
        base_url: String::new(),
        count: per_process,
    };
    let outputs = run_children(&job, processes);
    let slowest = |name| {
        values(&outputs, name)
            .into_iter()
            .max()
            .map(Duration::from_micros)
            .unwrap()
    };
    let total = processes * per_process;
    #[allow(clippy::cast_precision_loss)]
    let rate = |elapsed: Duration| total as f64 / elapsed.as_secs_f64();
    println!(
        "store throughput, {label}, {processes} process(es): {:.0} saves/s, {:.0} loads/s ({total} of each)",
        rate(slowest("saves-us")),
        rate(slowest("loads-us")),
    );
}

/// What a child does; returns false when this process is not a child.
fn child() -> bool {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return false;
    };
    let var = |name: &str| std::env::var(format!("OMNIAUTH_BENCH_FLEET_{name}")).unwrap();
    let dir = PathBuf::from(var("DIR"));
    let id: usize = var("ID").parse().unwrap();
    let count: usize = var("COUNT").parse().unwrap();
    let redis = std::env::var("OMNIAUTH_BENCH_FLEET_REDIS").ok();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let store = store(&dir, redis.as_deref());
    let ready = || {
        std::fs::write(dir.join(format!("ready-{id}")), b"").unwrap();
        wait_for(|| dir.join("go").exists());
    };
    runtime.block_on(async {
        if mode == "refresh" {
            let manager = Arc::new(SessionManager::with_shared_store(
                authenticator(&var("URL")),
                store,
                KEY,
            ));
            ready();
            for latency in stampede(&manager, count).await {
                println!("latency-us {}", latency.as_micros());
            }
        } else {
            let session = Session::new("bench", "u", AccessToken::new("t"), TokenScheme::Bearer);
            let keys: Vec<String> = (0..count).map(|i| format!("p{id}-k{i}")).collect();
            ready();
            let start = Instant::now();
            for key in &keys {
                store.save(key, &session).await.unwrap();
            }
            println!("saves-us {}", start.elapsed().as_micros());
            let start = Instant::now();
            for key in &keys {
                assert!(store.load(key).await.unwrap().is_some());
            }
            println!("loads-us {}", start.elapsed().as_micros());
            if redis.is_some() {
                for key in &keys {
                    store.delete(key).await.unwrap();
                }
            }
        }
    });
    true
}

fn main() {
    if child() {
        return;
    }
    let redis = std::env::var("REDIS_URL").ok();
    if redis.is_none() {
        println!("REDIS_URL is not set: the Redis rows are left out");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        in_process_baseline().await;
        fleet_refresh("file store", None).await;
        if let Some(url) = &redis {
            fleet_refresh("redis", Some(format!("{url} {}", unique_prefix()))).await;
        }
    });
    for (processes, per_process) in [(1, 200), (16, 50)] {
        throughput("file store", None, processes, per_process);
        if let Some(url) = &redis {
            throughput("redis", Some(url), processes, per_process);
        }
    }
}
