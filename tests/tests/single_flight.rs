//! Single flight: 1,000 concurrent `SessionManager::access_token()` calls on an expired
//! GoScrobble session cause exactly one refresh request, and every caller gets the new token.
//! (The bench `single_flight` measures the latency spread of the same scenario.)

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{EMAIL, PASSWORD, RecordingSleeper, retry};
use goscrobble_api::{Client, GoScrobbleAuthenticator};
use omniauth::{Authenticator, ExposeSecret as _, MemoryStore, Password, SessionManager};
use omniauth_testkit::goscrobble::GoScrobble;
use omniauth_types::http::Method;

const CALLERS: usize = 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_cause_one_refresh() {
    let emulator = GoScrobble::builder()
        .without_rate_limits()
        .jwt_expiry(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    emulator.add_user("alice", PASSWORD, EMAIL);
    let sleeper = RecordingSleeper::default();
    let client = Client::builder()
        .base_url(emulator.base_url())
        .heavy_rate_limit(None)
        .retry(retry(&sleeper))
        .build()
        .unwrap();
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

    let barrier = Arc::new(tokio::sync::Barrier::new(CALLERS));
    let callers: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (manager, barrier) = (manager.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                manager
                    .access_token()
                    .await
                    .map(|t| t.expose_secret().to_owned())
            })
        })
        .collect();
    let mut tokens = Vec::with_capacity(CALLERS);
    for caller in callers {
        tokens.push(caller.await.unwrap().expect("every caller gets a token"));
    }

    let refreshes = emulator
        .server()
        .requests()
        .count(&Method::POST, "/api/v1/refresh");
    assert_eq!(
        refreshes, 1,
        "exactly one refresh request for {CALLERS} callers"
    );
    let stored = manager.stored().await.unwrap();
    let new_token = stored.access_token().expose_secret();
    assert_ne!(new_token, old_token, "the session was refreshed");
    assert!(
        tokens.iter().all(|t| t == new_token),
        "every caller got the refreshed token"
    );
    assert!(!stored.expires_within(omniauth::DEFAULT_MARGIN));
    assert_eq!(
        emulator
            .server()
            .requests()
            .count(&Method::POST, "/api/v1/login"),
        1,
        "no login again"
    );
}
