//! `SessionManager`'s rules, with an in-test authenticator that counts refreshes. (The same
//! rules against the service emulators are in the workspace's end-to-end tests.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use omniauth::{
    AccessToken, Authenticator, Capabilities, Credentials, Error, ErrorKind, ExposeSecret,
    LoginOutcome, LogoutOutcome, MemoryStore, Result, Session, SessionManager, TokenScheme,
    TokenStore,
};

#[derive(Debug, Default)]
struct Counting {
    refreshes: AtomicUsize,
    logouts: AtomicUsize,
    fail_refresh: bool,
    can_refresh: bool,
}

fn session(token: &str, expires_in: i64) -> Session {
    Session::new(
        "counting",
        "u-1",
        AccessToken::new(token),
        TokenScheme::Bearer,
    )
    .with_expires_at(chrono::Utc::now() + chrono::Duration::seconds(expires_in))
}

#[async_trait]
impl Authenticator for Counting {
    fn service(&self) -> &'static str {
        "counting"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::NONE
            .with_refresh(self.can_refresh)
            .with_logout(true)
    }
    async fn login(&self, _: &Credentials) -> Result<LoginOutcome> {
        Ok(LoginOutcome::Authenticated(session("fresh-login", 3600)))
    }
    async fn refresh(&self, _: &Session) -> Result<Session> {
        let n = self.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
        // Yield so concurrent callers really pile up behind the refresh.
        tokio::time::sleep(Duration::from_millis(20)).await;
        if self.fail_refresh {
            return Err(Error::new(ErrorKind::Transport).with_message("network down"));
        }
        Ok(session(&format!("refreshed-{n}"), 3600))
    }
    async fn validate(&self, _: &Session) -> Result<()> {
        Ok(())
    }
    async fn logout(&self, _: &Session) -> Result<()> {
        self.logouts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn manager(auth: Arc<Counting>, store: Arc<MemoryStore>) -> SessionManager {
    let auth: Arc<dyn Authenticator> = auth;
    SessionManager::with_shared_store(auth, store, "counting/default")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_cause_one_refresh() {
    let auth = Arc::new(Counting {
        can_refresh: true,
        ..Counting::default()
    });
    let store = Arc::new(MemoryStore::new());
    let old = session("old", 5).with_extra("base_url", "http://127.0.0.1:1");
    store.save("counting/default", &old).await.unwrap();
    let manager = Arc::new(manager(auth.clone(), store.clone()));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let manager = manager.clone();
            tokio::spawn(async move { manager.access_token().await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().expose_secret(), "refreshed-1");
    }
    assert_eq!(auth.refreshes.load(Ordering::SeqCst), 1);
    let stored = store.load("counting/default").await.unwrap().unwrap();
    assert_eq!(stored.access_token().expose_secret(), "refreshed-1");
    assert_eq!(
        stored.extra("base_url"),
        Some("http://127.0.0.1:1"),
        "extras survive a refresh"
    );
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_stored_session() {
    let auth = Arc::new(Counting {
        can_refresh: true,
        fail_refresh: true,
        ..Counting::default()
    });
    let store = Arc::new(MemoryStore::new());
    store
        .save("counting/default", &session("old", 5))
        .await
        .unwrap();
    let manager = manager(auth, store.clone());
    let err = manager.access_token().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport);
    let stored = store.load("counting/default").await.unwrap().unwrap();
    assert_eq!(stored.access_token().expose_secret(), "old");
}

#[tokio::test]
async fn a_valid_session_is_not_refreshed() {
    let auth = Arc::new(Counting {
        can_refresh: true,
        ..Counting::default()
    });
    let store = Arc::new(MemoryStore::new());
    store
        .save("counting/default", &session("good", 3600))
        .await
        .unwrap();
    let manager = manager(auth.clone(), store).with_margin(Duration::from_secs(60));
    assert_eq!(
        manager.access_token().await.unwrap().expose_secret(),
        "good"
    );
    assert_eq!(auth.refreshes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_expired_session_of_a_service_without_refresh_asks_for_login() {
    let auth = Arc::new(Counting::default());
    let store = Arc::new(MemoryStore::new());
    store
        .save("counting/default", &session("old", -5))
        .await
        .unwrap();
    let err = manager(auth.clone(), store.clone())
        .access_token()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    assert!(err.to_string().contains("log in again"), "{err}");
    assert_eq!(auth.refreshes.load(Ordering::SeqCst), 0);
    assert!(
        store.load("counting/default").await.unwrap().is_some(),
        "kept for the user to see"
    );
}

#[tokio::test]
async fn nothing_stored_is_unauthorized_and_login_then_logout_round_trip() {
    let auth = Arc::new(Counting::default());
    let store = Arc::new(MemoryStore::new());
    let manager = manager(auth.clone(), store.clone());
    assert_eq!(
        manager.access_token().await.unwrap_err().kind(),
        &ErrorKind::Unauthorized
    );
    manager
        .login(&Credentials::username("alice"))
        .await
        .unwrap();
    assert_eq!(
        manager.access_token().await.unwrap().expose_secret(),
        "fresh-login"
    );
    assert_eq!(manager.logout().await.unwrap(), LogoutOutcome::ServerEnded);
    assert_eq!(auth.logouts.load(Ordering::SeqCst), 1);
    assert!(store.load("counting/default").await.unwrap().is_none());
    assert_eq!(
        manager.access_token().await.unwrap_err().kind(),
        &ErrorKind::Unauthorized
    );
    assert_eq!(manager.logout().await.unwrap(), LogoutOutcome::NotStored);
}
