//! The facade against the emulators: the registry builds working authenticators, and the
//! `SessionManager`'s rules hold with real servers (a failed refresh keeps the session, extend
//! as refresh, no refresh where there is none). One refresh for a thousand callers against a
//! real server is the e2e suite's `tests/single_flight.rs`.

use std::sync::Arc;
use std::time::Duration;

use omniauth::{
    Credentials, ErrorKind, ExposeSecret, LoginOutcome, LogoutOutcome, MemoryStore, Password,
    Service, Session, SessionManager, TokenStore,
};
use omniauth_testkit::goscrobble::GoScrobble;
use omniauth_testkit::maillink::Maillink;
use omniauth_testkit::resonite::Resonite;

const PASSWORD: &str = "correct horse battery";
const KEY: &str = "goscrobble/default";

async fn goscrobble(broken_refresh: bool) -> GoScrobble {
    // JWTs that live 30 s: shorter than twice the manager's 60 s margin.
    let server = GoScrobble::builder()
        .jwt_expiry(Duration::from_secs(30))
        .broken_refresh(broken_refresh)
        .without_rate_limits()
        .start()
        .await
        .unwrap();
    server.add_user("alice", PASSWORD, "alice@example.com");
    server
}

/// Logs alice in and stores her session as if it expired in 5 s (inside the 60 s margin).
async fn expiring_session(server: &GoScrobble, store: &MemoryStore) -> Session {
    let authenticator = Service::GoScrobble
        .authenticator(Some(server.base_url()))
        .unwrap();
    let LoginOutcome::Authenticated(mut session) = authenticator.login(&alice()).await.unwrap()
    else {
        panic!("goscrobble logs in at once");
    };
    session.set_expires_at(Some(chrono::Utc::now() + chrono::Duration::seconds(5)));
    store.save(KEY, &session).await.unwrap();
    session
}

#[tokio::test]
async fn tokens_shorter_than_the_margin_are_not_refreshed_on_every_call() {
    // 30 s JWTs against the default 60 s margin: the margin shrinks to 15 s.
    let server = goscrobble(false).await;
    let authenticator = Service::GoScrobble
        .authenticator(Some(server.base_url()))
        .unwrap();
    let manager = SessionManager::new(authenticator, MemoryStore::new(), KEY);
    manager.login(&alice()).await.unwrap();
    assert!(manager.margin() <= Duration::from_secs(15));
    for _ in 0..5 {
        manager.access_token().await.unwrap();
    }
    assert_eq!(
        server
            .server()
            .requests()
            .count(&http::Method::POST, "/api/v1/refresh"),
        0
    );
}

fn alice() -> Credentials {
    Credentials::username("alice").with_password(Password::new(PASSWORD))
}

#[tokio::test]
async fn a_refused_refresh_keeps_the_session_and_says_log_in_again() {
    let server = goscrobble(true).await;
    let store = Arc::new(MemoryStore::new());
    let authenticator = Service::GoScrobble
        .authenticator(Some(server.base_url()))
        .unwrap();
    let before = expiring_session(&server, &store).await;
    let manager = SessionManager::with_shared_store(authenticator, store.clone(), KEY);
    let err = manager.access_token().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    assert!(err.to_string().contains("log in again"), "{err}");
    let after = store.load(KEY).await.unwrap().unwrap();
    assert_eq!(
        after.access_token().expose_secret(),
        before.access_token().expose_secret()
    );
}

#[tokio::test]
async fn resonite_extends_instead_of_refreshing() {
    let server = Resonite::start().await.unwrap();
    server.add_account("bob", "bob@example.com", PASSWORD);
    let authenticator = Service::Resonite
        .authenticator(Some(server.base_url()))
        .unwrap();
    let credentials = Credentials::username("bob").with_password(Password::new(PASSWORD));
    let LoginOutcome::Authenticated(mut before) = authenticator.login(&credentials).await.unwrap()
    else {
        panic!("no second factor on this account");
    };
    // Stored as if it ran out in 5 s: inside the 60 s margin.
    before.set_expires_at(Some(chrono::Utc::now() + chrono::Duration::seconds(5)));
    let store = Arc::new(MemoryStore::new());
    store.save("resonite/default", &before).await.unwrap();
    let manager = SessionManager::with_shared_store(authenticator, store, "resonite/default");
    let session = manager.session().await.unwrap();
    let extends = server
        .server()
        .requests()
        .count(&http::Method::PATCH, "/userSessions");
    assert_eq!(extends, 1);
    assert_eq!(
        session.access_token().expose_secret(),
        before.access_token().expose_secret(),
        "extending keeps the token"
    );
    assert!(session.expires_at() > before.expires_at());
    assert_eq!(manager.logout().await.unwrap(), LogoutOutcome::ServerEnded);
    assert_eq!(
        manager.stored().await.unwrap_err().kind(),
        &ErrorKind::Unauthorized
    );
}

#[tokio::test]
async fn an_email_link_login_is_saved_after_confirmation() {
    let server = Maillink::builder()
        .confirm_after_polls(1)
        .start()
        .await
        .unwrap();
    server.add_account("carol", Some("carol@example.com"));
    let authenticator = Service::Maillink
        .authenticator(Some(server.base_url()))
        .unwrap();
    let manager = SessionManager::new(authenticator, MemoryStore::new(), "maillink/default");
    let credentials = Credentials::username("carol").with_email("carol@example.com");
    let LoginOutcome::ConfirmationPending(pending) = manager.login(&credentials).await.unwrap()
    else {
        panic!("an email-link login waits for the user");
    };
    assert!(pending.expires_at().is_some());
    let session = pending.wait().await.unwrap();
    manager.save(session).await.unwrap();
    // No expiry known and no refresh: the token is handed out as is.
    assert!(
        !manager
            .access_token()
            .await
            .unwrap()
            .expose_secret()
            .is_empty()
    );
    // The service has no server logout: the manager says so instead of claiming one.
    let outcome = manager.logout().await.unwrap();
    assert!(
        matches!(outcome, LogoutOutcome::LocalOnly { .. }),
        "{outcome:?}"
    );
    assert!(!outcome.server_logout());
}
