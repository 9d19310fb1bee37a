//! Many CLI processes on one store lose nothing, on a file store and on Redis, and every
//! command works the same on both. The Redis half needs `REDIS_URL` (`.ci/setup.d/20-redis.sh`
//! starts a server); under CI its absence fails the test.

mod common;

use std::path::Path;

use omniauth_testkit::goscrobble::GoScrobble;

use common::{argv, assert_exit, json, omniauth, temp_store};

const PASSWORD: &str = "correct horse battery";
const PROCESSES: usize = 20;

/// `PROCESSES` logins started at once, each under its own account, into `store`.
async fn parallel_logins(server: &GoScrobble, store: &Path, store_flag: Option<&str>) {
    let mut handles = Vec::new();
    for i in 0..PROCESSES {
        let mut args: Vec<String> = Vec::new();
        if let Some(flag) = store_flag {
            args.extend(["--store".to_owned(), flag.to_owned()]);
        }
        let account = format!("a{i}");
        args.extend(
            argv(
                "login goscrobble",
                server.base_url(),
                "alice",
                &["--password-stdin", "--account", &account],
            )
            .iter()
            .map(|a| (*a).to_owned()),
        );
        let store = store.to_path_buf();
        // Each child on the blocking pool, all at once.
        handles.push(tokio::spawn(async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            omniauth(&store, &args, PASSWORD).await
        }));
    }
    for handle in handles {
        assert_exit(&handle.await.unwrap(), 0);
    }
}

/// Every command through `flag` (a Redis URL) or the `--store` file.
async fn every_command(store: &Path, flag: Option<&str>) {
    let with = |rest: &[&'static str]| -> Vec<String> {
        let mut args: Vec<String> = Vec::new();
        if let Some(flag) = flag {
            args.extend(["--store".to_owned(), flag.to_owned()]);
        }
        args.extend(rest.iter().map(|a| (*a).to_owned()));
        args
    };
    let run = |args: Vec<String>| async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        omniauth(store, &args, "").await
    };
    let status = run(with(&["--json", "status"])).await;
    assert_exit(&status, 0);
    assert_eq!(
        json(&status).as_array().unwrap().len(),
        PROCESSES,
        "nothing lost"
    );
    let token = run(with(&["token", "goscrobble", "--account", "a7"])).await;
    assert_exit(&token, 0);
    let whoami = run(with(&["--json", "whoami", "goscrobble", "--account", "a7"])).await;
    assert_exit(&whoami, 0);
    assert_eq!(json(&whoami)["username"], "alice");
    let logout = run(with(&["--json", "logout", "goscrobble", "--account", "a7"])).await;
    assert_exit(&logout, 0);
    assert_eq!(json(&logout)["outcome"], "local_only");
    let status = run(with(&["--json", "status"])).await;
    assert_eq!(json(&status).as_array().unwrap().len(), PROCESSES - 1);
}

async fn alice() -> GoScrobble {
    let server = GoScrobble::builder()
        .without_rate_limits()
        .start()
        .await
        .unwrap();
    server.add_user("alice", PASSWORD, "alice@example.com");
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_cli_logins_to_one_file_store_lose_nothing() {
    let server = alice().await;
    let (_dir, store) = temp_store();
    parallel_logins(&server, &store, None).await;
    every_command(&store, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_cli_logins_to_redis_lose_nothing_and_every_command_works() {
    let Ok(url) = std::env::var("REDIS_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "REDIS_URL is not set: .ci/setup.d/20-redis.sh starts redis-server"
        );
        eprintln!("SKIPPED: no REDIS_URL");
        return;
    };
    let prefix = format!("cli-test-{}:", std::process::id());
    let flag = format!("{url}?prefix={prefix}");
    let server = alice().await;
    // The file store path is unused: every command gets `--store <redis url>` first.
    let (_dir, unused) = temp_store();
    parallel_logins(&server, &unused, Some(&flag)).await;
    every_command(&unused, Some(&flag)).await;
    assert!(!unused.exists(), "nothing was written to the file store");
}
