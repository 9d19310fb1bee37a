//! The harness of the tests that run the `omniauth-emulator` binary as a child process: each
//! test file includes it with `mod common;`.
#![allow(dead_code)] // Each test file uses its own part of the harness.

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use omniauth::{Credentials, Password};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_omniauth-emulator");
pub const DEMO_PASSWORD: &str = "a demo password";

/// A running `omniauth-emulator`, sent SIGTERM when dropped.
pub struct Emulator {
    pub child: Child,
    urls: Value,
    _dir: tempfile::TempDir,
}

impl Emulator {
    pub fn start(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ready = dir.path().join("ready.json");
        let child = Command::new(BIN)
            .args(args)
            .arg("--ready-file")
            .arg(&ready)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut emulator = Self {
            child,
            urls: Value::Null,
            _dir: dir,
        };
        emulator.urls = emulator.wait_ready(&ready);
        emulator
    }

    /// Takes charge of an emulator started by the test itself (SIGTERM on drop); its URLs
    /// are read with [`Emulator::wait_ready`].
    pub fn adopt(child: Child) -> Self {
        Self {
            child,
            urls: Value::Null,
            _dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn wait_ready(&mut self, ready: &Path) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(text) = std::fs::read_to_string(ready) {
                return serde_json::from_str(&text).expect("the ready file is whole JSON");
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the emulator exited before it was ready: {status}");
            }
            assert!(Instant::now() < deadline, "the emulator never got ready");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self, service: &str) -> String {
        self.urls[service].as_str().unwrap().to_owned()
    }

    /// The server root of a service (the control API lives there, whatever the base path).
    pub fn root(&self, service: &str) -> String {
        let url = self.url(service);
        let rest = url.strip_prefix("http://").unwrap();
        format!("http://{}", rest.split('/').next().unwrap())
    }

    pub fn terminate(&mut self) -> ExitStatus {
        terminate(&mut self.child)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            terminate(&mut self.child);
        }
    }
}

pub fn terminate(child: &mut Child) -> ExitStatus {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "SIGTERM did not end the emulator"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A port free right now (the binary takes it a moment later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET url`, read as JSON.
pub async fn get_json<T: serde::de::DeserializeOwned>(url: String) -> T {
    http().get(url).send().await.unwrap().json().await.unwrap()
}

pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

pub fn demo() -> Credentials {
    Credentials::username("demo").with_password(Password::new(DEMO_PASSWORD))
}
