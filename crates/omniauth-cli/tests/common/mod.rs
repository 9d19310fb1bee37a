//! The harness the CLI's tests share: runs the built binary against a store file.

#![allow(dead_code)] // Each test file uses a part.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Runs the binary with `args`, `stdin` piped in, off the async runtime's threads.
pub async fn omniauth(store: &Path, args: &[&str], stdin: &str) -> Output {
    omniauth_env(store, args, stdin, &[]).await
}

/// [`omniauth`] with extra environment variables. The binary never prompts on the
/// terminal the tests run in (`OMNIAUTH_TERMINAL_PROMPT=0`).
pub async fn omniauth_env(
    store: &Path,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> Output {
    let mut full = vec!["--store".to_owned(), store.display().to_string()];
    full.extend(args.iter().map(|a| (*a).to_owned()));
    let stdin = stdin.to_owned();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_omniauth"))
            .args(&full)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("OMNIAUTH_STORE")
            .env_remove("OMNIAUTH_TOTP")
            .env("OMNIAUTH_TERMINAL_PROMPT", "0")
            .envs(env)
            .spawn()
            .expect("the binary starts");
        // The binary may stop reading early (a refused, overlong line): a broken pipe here
        // is its answer, not a failure of the harness.
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn json(output: &Output) -> Value {
    serde_json::from_str(stdout(output).trim())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

pub fn temp_store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.json");
    (dir, path)
}

/// `words` (the command, with `--json` before it when wanted), then `--base-url <url>
/// --username <user>` and `rest`.
pub fn argv<'a>(words: &'a str, url: &'a str, user: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args: Vec<&str> = words.split_whitespace().collect();
    args.extend(["--base-url", url, "--username", user]);
    args.extend_from_slice(rest);
    args
}

/// Asserts the exit code, showing stderr when it differs.
#[track_caller]
pub fn assert_exit(output: &Output, expected: i32) {
    assert_eq!(code(output), expected, "{}", stderr(output));
}
