//! The single-flight scenario, checked by the test `single_flight` and measured by the bench
//! of the same name: a `SessionManager` holding alice's GoScrobble session, which the client
//! holds as expired while the server still takes it, and [`CALLERS`] callers of
//! `access_token()` released at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use goscrobble_api::GoScrobbleAuthenticator;
use omniauth::{Authenticator, ExposeSecret as _, MemoryStore, Password, SessionManager};
use omniauth_testkit::goscrobble::GoScrobble;
use omniauth_types::http::Method;
use omniauth_types::transport::RetryPolicy;

use super::PASSWORD;

/// How many callers ask for a token at once.
pub const CALLERS: usize = 1000;

/// The emulator and the manager of one run.
pub struct Scenario {
    pub emulator: GoScrobble,
    pub manager: Arc<SessionManager>,
    /// The token of the session before the refresh.
    pub old_token: String,
}

impl Scenario {
    /// Logs alice in through a client retrying by `retry`, and saves her session in a new
    /// manager, expired 5 s ago.
    pub async fn start(retry: RetryPolicy) -> Self {
        let builder = GoScrobble::builder().jwt_expiry(Duration::from_secs(3600));
        let (emulator, client) = super::goscrobble(builder, retry).await;
        let client = client.build().unwrap();
        let mut session = client
            .login("alice", &Password::new(PASSWORD))
            .await
            .unwrap();
        let old_token = session.access_token().expose_secret().to_owned();
        // The token is still good on the server, but the client holds it as expired.
        session.set_expires_at(Some(chrono::Utc::now() - chrono::TimeDelta::seconds(5)));
        let authenticator: Arc<dyn Authenticator> = Arc::new(GoScrobbleAuthenticator::new(client));
        let manager = Arc::new(SessionManager::new(
            authenticator,
            MemoryStore::new(),
            "goscrobble/alice",
        ));
        manager.save(session).await.unwrap();
        Self {
            emulator,
            manager,
            old_token,
        }
    }

    /// Calls `access_token()` from [`CALLERS`] tasks that a barrier releases together: each
    /// caller's token, and how long its call took.
    pub async fn stampede(&self) -> Vec<(omniauth::Result<String>, Duration)> {
        let barrier = Arc::new(tokio::sync::Barrier::new(CALLERS));
        let callers: Vec<_> = (0..CALLERS)
            .map(|_| {
                let (manager, barrier) = (self.manager.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    let start = Instant::now();
                    let token = manager
                        .access_token()
                        .await
                        .map(|t| t.expose_secret().to_owned());
                    (token, start.elapsed())
                })
            })
            .collect();
        let mut results = Vec::with_capacity(CALLERS);
        for caller in callers {
            results.push(caller.await.unwrap());
        }
        results
    }

    /// How many refresh requests the server received.
    pub fn refreshes(&self) -> usize {
        self.emulator
            .server()
            .requests()
            .count(&Method::POST, "/api/v1/refresh")
    }
}
