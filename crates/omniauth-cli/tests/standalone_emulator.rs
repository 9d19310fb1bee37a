//! The `omniauth` binary against the `omniauth-emulator` binary, both as child processes,
//! as a user's shell script runs them: the emulator serves all four services with its
//! default seed, the CLI logs in to each with the seeded demo accounts, and the maillink
//! login is confirmed through the control API.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::{argv, assert_exit, json, omniauth, omniauth_env, temp_store};

/// The default seed's demo password (`default-seed.json`).
const PASSWORD: &str = "a demo password";

/// The `omniauth-emulator` binary of this build. Cargo builds another package's binary only
/// for that package's own tests, so it is built here, by the cargo that builds this test and
/// with the workspace's features as CI builds it (a no-op when CI's test build made it).
fn emulator_binary() -> PathBuf {
    let cli = Path::new(env!("CARGO_BIN_EXE_omniauth"));
    let profile_dir = cli.parent().expect("the CLI binary is in a profile folder");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut build = Command::new(env!("CARGO"));
    build
        .current_dir(&workspace)
        .args(["build", "--quiet", "--workspace", "--all-features"])
        .args(["--bin", "omniauth-emulator"]);
    if profile_dir
        .file_name()
        .is_some_and(|name| name == "release")
    {
        build.arg("--release");
    }
    let mut child = build.spawn().expect("cargo runs");
    let status = wait(&mut child, Duration::from_secs(900), "cargo build");
    assert!(status.success(), "building omniauth-emulator failed");
    let binary = profile_dir.join("omniauth-emulator");
    assert!(binary.exists(), "no {}", binary.display());
    binary
}

fn wait(child: &mut Child, limit: Duration, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} took more than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The emulator process; SIGTERM when dropped, also when an assertion fails.
struct Emulator(Child);

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        wait(&mut self.0, Duration::from_secs(20), "the emulator's stop");
    }
}

/// Starts the emulator with `args` and reads its ready file.
fn start(args: &[&str], dir: &Path) -> (Emulator, Value) {
    let ready = dir.join("ready.json");
    let child = Command::new(emulator_binary())
        .args(args)
        .arg("--ready-file")
        .arg(&ready)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut emulator = Emulator(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = std::fs::read_to_string(&ready) {
            return (emulator, serde_json::from_str(&text).unwrap());
        }
        if let Some(status) = emulator.0.try_wait().unwrap() {
            panic!("the emulator exited before it was ready: {status}");
        }
        assert!(Instant::now() < deadline, "the emulator never got ready");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_cli_logs_in_to_every_service_of_the_emulator_binary() {
    let (_dir, store) = temp_store();
    let (_emulator, urls) = start(
        &["resonite", "burgerauth", "goscrobble", "maillink"],
        store.parent().unwrap(),
    );
    let url = |service: &str| urls[service].as_str().unwrap().to_owned();

    for service in ["goscrobble", "burgerauth"] {
        let words = format!("--json login {service}");
        let base = url(service);
        let args = argv(&words, &base, "demo", &["--password-stdin"]);
        let login = omniauth(&store, &args, PASSWORD).await;
        assert_exit(&login, 0);
        assert_eq!(json(&login)["username"], "demo", "{service}");
    }

    // The seeded Resonite demo account has a second factor (code 123456).
    let resonite = url("resonite");
    let args = argv(
        "--json login resonite",
        &resonite,
        "demo",
        &["--password-stdin"],
    );
    let login = omniauth_env(&store, &args, PASSWORD, &[("OMNIAUTH_TOTP", "123456")]).await;
    assert_exit(&login, 0);
    let whoami = omniauth(&store, &["--json", "whoami", "resonite"], "").await;
    assert_exit(&whoami, 0);
    assert_eq!(json(&whoami)["username"], "demo");

    // The email-link login waits for a click; the control API gives it.
    let maillink = url("maillink");
    let args = argv(
        "--json login maillink",
        &maillink,
        "demo",
        &["--email", "demo@example.com", "--wait", "20"],
    );
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let waiting_store = store.clone();
    let waiting = tokio::spawn(async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        omniauth(&waiting_store, &args, "").await
    });
    let http = reqwest::Client::new();
    let root = maillink.trim_end_matches('/');
    let mut confirmed = false;
    for _ in 0..200 {
        let answer = http
            .post(format!("{root}/__omniauth/logins/last/confirm"))
            .send()
            .await
            .unwrap();
        if answer.status().is_success() {
            confirmed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(confirmed, "the control API confirmed the pending login");
    let login = waiting.await.unwrap();
    assert_exit(&login, 0);

    let status = omniauth(&store, &["--json", "status"], "").await;
    assert_eq!(json(&status).as_array().unwrap().len(), 4);
}
