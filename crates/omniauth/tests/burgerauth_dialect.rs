//! The facade's Burgerauth authenticator detects the dialect once, stores it with the session,
//! and a fresh authenticator (a new process) speaks the stored one without asking again.

use omniauth::{
    Authenticator, Credentials, LoginOutcome, LogoutOutcome, MemoryStore, Password, Service,
    SessionManager,
};
use omniauth_testkit::burgerauth::{Burgerauth, Dialect as Build};

async fn login(auth: &dyn Authenticator, name: &str) -> omniauth::Session {
    let credentials =
        Credentials::username(name).with_password(Password::new("correct horse battery"));
    match auth.register(&credentials).await.unwrap() {
        LoginOutcome::Authenticated(session) => session,
        other => panic!("burgerauth signs in at signup: {other:?}"),
    }
}

#[tokio::test]
async fn detected_once_then_read_from_each_session() {
    for (build, dialect) in [
        (Build::V1_2, "1.2"),
        (Build::V1_2Post, "1.2"),
        (Build::V1_3, "1.3"),
    ] {
        let server = Burgerauth::builder().dialect(build).start().await.unwrap();
        let versions = || {
            server
                .server()
                .requests()
                .count(&http::Method::GET, "/api/version")
        };
        let auth = Service::Burgerauth
            .authenticator(Some(server.base_url()))
            .unwrap();
        let session = login(auth.as_ref(), "dora").await;
        assert_eq!(session.extra("dialect"), Some(dialect), "{build:?}");
        let _second = login(auth.as_ref(), "erin").await;
        assert_eq!(versions(), 1, "{build:?}: detected once");

        // A new process: nothing detected yet, the session names its dialect.
        let fresh = Service::Burgerauth
            .authenticator(Some(server.base_url()))
            .unwrap();
        fresh.validate(&session).await.unwrap();
        assert_eq!(versions(), 1, "{build:?}: the stored dialect was used");

        let manager = SessionManager::new(fresh, MemoryStore::new(), "burgerauth/dora");
        manager.save(session).await.unwrap();
        let outcome = manager.logout().await.unwrap();
        if dialect == "1.2" {
            assert_eq!(outcome, LogoutOutcome::ServerEnded, "{build:?}");
        } else {
            // 1.3 has no server logout: said so, with no expiry (keys live until a restart).
            assert!(
                matches!(
                    outcome,
                    LogoutOutcome::LocalOnly {
                        access_expires_at: None,
                        ..
                    }
                ),
                "{outcome:?}"
            );
        }
    }
}
