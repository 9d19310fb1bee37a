//! Running a third-party SignalR peer (a script under `tests/interop/`) against the hub
//! emulator: the peer's lines are read as they come, `ask <what>` lines are handed to the
//! test, which acts on the emulator and answers `done`; every wait is bounded and the peer
//! is stopped by its PID.

#![allow(dead_code)] // Each interop test uses part of it.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::sync::mpsc;

/// alice's session on `resonite` as the peer scripts read it: `HUB_URL` and `HUB_AUTH`
/// (the `Authorization` value of her session).
pub async fn hub_env(
    resonite: &omniauth_testkit::resonite::Resonite,
) -> [(&'static str, String); 2] {
    use omniauth_types::Password;
    use resonite_api::{Client, LoginIdentifier, LoginRequest};
    let client = Client::builder()
        .base_url(resonite.base_url())
        .no_rate_limit()
        .build()
        .unwrap();
    let login = LoginRequest::password(LoginIdentifier::guess("alice"), Password::new("pw"));
    let alice = client.login(&login).await.unwrap().session;
    let (_, auth) = alice.auth_header().unwrap();
    let base = resonite.base_url().trim_end_matches('/').to_owned();
    [
        ("HUB_URL", format!("{base}/hub")),
        ("HUB_AUTH", auth.to_str().unwrap().to_owned()),
    ]
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// `Some(path)` when `path` exists; otherwise a failure in CI (the peer must be installed
/// there by `.ci/setup.d/40-interop.sh`), and `None` with a note elsewhere.
pub fn peer_or_fail(path: &Path, what: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path.to_path_buf());
    }
    let message = format!(
        "{what} is not installed at {} (run `bash .ci/setup.d/40-interop.sh`)",
        path.display()
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("not run: {message}");
    None
}

/// Where `program` is on `PATH` (or a path that cannot exist, for [`peer_or_fail`] to
/// report).
pub fn which(program: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from(format!("<{program} on PATH>")))
}

/// A running peer process.
pub struct Peer {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    pub seen: Vec<String>,
    started: std::time::Instant,
}

impl Peer {
    /// Starts `program args…` in `dir` with `env`.
    pub fn start(program: &Path, args: &[&str], dir: &Path, env: &[(&str, String)]) -> Self {
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("the peer starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
            started: std::time::Instant::now(),
        }
    }

    /// The next line, `None` at its end or after `wait`.
    pub async fn next_line(&mut self, wait: Duration) -> Option<String> {
        let line = tokio::time::timeout(wait, self.lines.recv()).await.ok()??;
        eprintln!("peer: {line}");
        self.seen.push(line.clone());
        Some(line)
    }

    /// Answers an `ask`.
    pub fn answer(&mut self, text: &str) {
        let stdin = self.child.stdin.as_mut().expect("piped stdin");
        let _ = writeln!(stdin, "{text}");
        let _ = stdin.flush();
    }

    /// [`finish`](Self::finish), and the peer exited 0 having printed `ok <check>` for each
    /// of `checks`; `what` names it in the run time printed.
    pub async fn finish_passing(self, wait: Duration, what: &str, checks: &[&str]) {
        let started = self.started;
        let (code, seen) = self.finish(wait).await;
        eprintln!("{what} ran for {:?}", started.elapsed());
        assert_eq!(code, Some(0), "{seen:#?}");
        for check in checks {
            assert!(seen.contains(&format!("ok {check}")), "{check}: {seen:#?}");
        }
    }

    /// Waits (bounded) for the exit; kills the process by its PID when it overstays.
    pub async fn finish(mut self, wait: Duration) -> (Option<i32>, Vec<String>) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                // The rest of its output.
                while let Ok(line) = self.lines.try_recv() {
                    self.seen.push(line);
                }
                return (status.code(), std::mem::take(&mut self.seen));
            }
            if tokio::time::Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return (None, std::mem::take(&mut self.seen));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
