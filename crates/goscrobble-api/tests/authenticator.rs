//! The common `Authenticator` trait over GoScrobble.

mod common;

use common::{PASSWORD, client, password, server};
use goscrobble_api::ErrorKind;
use omniauth_testkit::goscrobble::GoScrobble;
use omniauth_types::{Authenticator, Credentials, LoginOutcome};

#[tokio::test]
async fn the_trait_logs_in_registers_refreshes_validates_and_says_no_logout() {
    let server = server().await;
    server.add_user("alice", PASSWORD, "alice@example.com");
    let auth: Box<dyn Authenticator> = Box::new(client(&server).authenticator());
    assert_eq!(auth.service(), "goscrobble");
    let caps = auth.capabilities();
    assert!(caps.refresh && caps.validate && caps.register && !caps.logout);

    let creds = Credentials::email("alice@example.com").with_password(password());
    let LoginOutcome::Authenticated(session) = auth.login(&creds).await.unwrap() else {
        panic!("a password login finishes at once");
    };
    auth.validate(&session).await.unwrap();
    let fresh = auth.refresh(&session).await.unwrap();
    auth.validate(&fresh).await.unwrap();

    let err = auth.logout(&fresh).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unsupported);
    assert!(
        err.to_string().contains("forget the session locally"),
        "{err}"
    );
    // Nothing was sent for the logout: the token still works.
    auth.validate(&fresh).await.unwrap();

    let new = Credentials::username("newbie").with_password(password());
    let session = auth.register(&new).await.unwrap().into_session().unwrap();
    assert_eq!(session.username(), Some("newbie"));

    let err = auth
        .login(&Credentials::username("alice"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    let err = auth
        .register(&Credentials::email("x@example.com").with_password(password()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
}

#[tokio::test]
async fn a_broken_refresh_is_unauthorized_through_the_trait() {
    let server = common::server_with(
        GoScrobble::builder()
            .without_rate_limits()
            .broken_refresh(true),
    )
    .await;
    server.add_user("alice", PASSWORD, "");
    let auth = client(&server).authenticator();
    let session = auth
        .login(&Credentials::username("alice").with_password(password()))
        .await
        .unwrap()
        .into_session()
        .unwrap();
    let err = auth.refresh(&session).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    server.advance(std::time::Duration::from_secs(3600));
    let err = auth.validate(&session).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
}
