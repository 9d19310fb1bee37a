//! Login (password, TOTP, recovery code, session token), extend, validate, logout, and the
//! authenticator, against the emulator over loopback.

mod common;

use std::time::Duration;

use chrono::Utc;
use http::Method;
use omniauth_testkit::resonite::Resonite;
use omniauth_testkit::{Fault, FaultRule};
use omniauth_types::{
    AccessToken, Authenticator, Credentials, ErrorKind, ExposeSecret, LoginOutcome, Password,
    TokenScheme, TotpCode,
};
use resonite_api::model::UserId;
use resonite_api::{
    Device, LIFETIME_EXTRA, LoginIdentifier, LoginRequest, ResoniteAuthenticator, SecretMachineId,
    UID_EXTRA,
};

use common::{PASSWORD, client, emulator};

fn password_login(who: &str) -> LoginRequest {
    LoginRequest::password(LoginIdentifier::guess(who), Password::new(PASSWORD))
}

#[tokio::test]
async fn login_by_username_email_and_owner_id() {
    let resonite = emulator().await;
    let alice = resonite.add_account("alice", "alice@example.com", PASSWORD);
    let client = client(&resonite);
    for who in ["alice", "ALICE", "alice@example.com", alice.as_str()] {
        let response = client.login(&password_login(who)).await.unwrap();
        assert_eq!(response.session.user_id(), alice, "{who}");
        assert_eq!(response.session.service(), "resonite");
        assert_eq!(
            response.session.scheme(),
            &TokenScheme::UserAuthorization {
                scheme: "res".into()
            }
        );
    }
    let bodies: Vec<_> = resonite
        .server()
        .requests()
        .to_path("/userSessions")
        .iter()
        .map(|r| r.json().unwrap())
        .collect();
    assert_eq!(bodies[0]["username"], "alice");
    assert_eq!(bodies[2]["email"], "alice@example.com");
    assert_eq!(bodies[3]["ownerId"], alice);
    for body in &bodies {
        assert_eq!(body["authentication"]["$type"], "password");
        assert_eq!(body["rememberMe"], true);
        let identifiers = ["username", "email", "ownerId"]
            .iter()
            .filter(|k| body.get(**k).is_some())
            .count();
        assert_eq!(identifiers, 1, "exactly one identifier: {body}");
    }
}

#[tokio::test]
async fn the_device_is_sent_and_kept_with_the_session() {
    let resonite = emulator().await;
    let alice = resonite.add_account("alice", "", PASSWORD);
    let client = client(&resonite);
    let device = Device::new("AB".repeat(32), SecretMachineId::new("machine-1"));
    let first = client
        .login(&password_login("alice").device(device.clone()))
        .await
        .unwrap();
    assert_eq!(first.session.extra(UID_EXTRA), Some(device.uid()));
    // The machine id travels with the session too, as a secret: a stored session gives the
    // same device back, and its Debug does not show it.
    let kept = Device::from_session(&first.session).expect("the session carries the device");
    assert_eq!(kept.uid(), device.uid());
    assert_eq!(kept.secret_machine_id().expose_secret(), "machine-1");
    assert!(!format!("{:?}", first.session).contains("machine-1"));
    let second = client
        .login(&password_login("alice").device(first.device.clone()))
        .await
        .unwrap();
    let records = resonite.user_sessions(&alice);
    assert_eq!(records.len(), 2);
    for record in &records {
        assert_eq!(record.uid, device.uid());
        assert_eq!(record.secret_machine_id, "machine-1");
    }
    // Without a device, one is generated: a 64-hex UID and a UUID machine id.
    let third = client.login(&password_login("alice")).await.unwrap();
    assert_eq!(third.device.uid().len(), 64);
    assert!(third.device.uid().bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(third.device.uid(), second.device.uid());
    let uid_header = resonite.server().requests().to_path("/userSessions")[2]
        .header("uid")
        .unwrap()
        .to_owned();
    assert_eq!(uid_header, third.device.uid());
}

#[tokio::test]
async fn remember_me_gives_thirty_days_and_without_it_one() {
    let resonite = emulator().await;
    resonite.add_account("alice", "", PASSWORD);
    let client = client(&resonite);
    let long = client.login(&password_login("alice")).await.unwrap();
    let days = (long.session.expires_at().unwrap() - Utc::now()).num_hours();
    assert!((29 * 24..=30 * 24).contains(&days), "{days} hours");
    assert_eq!(long.session.extra(LIFETIME_EXTRA), Some("2592000"));
    let short = client
        .login(&password_login("alice").remember_me(false))
        .await
        .unwrap();
    let hours = (short.session.expires_at().unwrap() - Utc::now()).num_hours();
    assert!((23..=24).contains(&hours), "{hours} hours");
    assert!(!short.user_session.remember_me);
}

#[tokio::test]
async fn wrong_credentials_are_invalid_credentials() {
    let resonite = emulator().await;
    resonite.add_account("alice", "", PASSWORD);
    let client = client(&resonite);
    for request in [
        LoginRequest::password(LoginIdentifier::guess("alice"), Password::new("wrong")),
        LoginRequest::password(LoginIdentifier::guess("nobody"), Password::new(PASSWORD)),
    ] {
        let err = client.login(&request).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
        assert_eq!(err.message(), Some("Invalid credentials"));
        assert!(!err.to_string().contains("wrong"));
    }
}

#[tokio::test]
async fn two_factor_accounts_need_the_totp_header() {
    let resonite = emulator().await;
    let alice = resonite.add_account("alice", "", PASSWORD);
    resonite.set_totp(&alice, Some("123456"));
    let client = client(&resonite);
    let err = client.login(&password_login("alice")).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::SecondFactorRequired);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    let err = client
        .login(&password_login("alice").totp(TotpCode::new("000000")))
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::SecondFactorRequired,
        "a wrong code too"
    );
    let response = client
        .login(&password_login("alice").totp(TotpCode::new("123456")))
        .await
        .unwrap();
    assert_eq!(response.session.user_id(), alice);
    let sent = resonite.server().requests().to_path("/userSessions");
    assert_eq!(sent[0].header("totp"), None);
    assert_eq!(sent[2].header("totp"), Some("123456"));
    // A wrong password is still a credentials error, whatever the code.
    let err = client
        .login(
            &LoginRequest::password(LoginIdentifier::guess("alice"), Password::new("no"))
                .totp(TotpCode::new("123456")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
}

#[tokio::test]
async fn a_recovery_code_replaces_the_totp_once() {
    let resonite = emulator().await;
    let alice = resonite.add_account("alice", "", PASSWORD);
    resonite.set_totp(&alice, Some("123456"));
    resonite.add_recovery_code(&alice, "RECOVER-1");
    let client = client(&resonite);
    let request = || password_login("alice").recovery_code(TotpCode::new("RECOVER-1"));
    client.login(&request()).await.unwrap();
    let body = resonite.server().requests().to_path("/userSessions")[0]
        .json()
        .unwrap();
    assert_eq!(body["authentication"]["recoveryCode"], "RECOVER-1");
    let err = client.login(&request()).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::SecondFactorRequired, "used up");
}

#[tokio::test]
async fn a_session_token_logs_in_again() {
    let resonite = emulator().await;
    let alice = resonite.add_account("alice", "", PASSWORD);
    let client = client(&resonite);
    let first = client.login(&password_login("alice")).await.unwrap();
    let again = LoginRequest::session_token(
        LoginIdentifier::OwnerId(UserId::new(alice.clone())),
        first.session.access_token().clone(),
    )
    .device(first.device.clone());
    let second = client.login(&again).await.unwrap();
    assert_ne!(
        second.session.access_token().expose_secret(),
        first.session.access_token().expose_secret()
    );
    let body = resonite.server().requests().to_path("/userSessions")[1]
        .json()
        .unwrap();
    assert_eq!(body["authentication"]["$type"], "sessionToken");
    client.logout(&first.session).await.unwrap();
    let stale = LoginRequest::session_token(
        LoginIdentifier::OwnerId(UserId::new(alice)),
        first.session.access_token().clone(),
    );
    assert_eq!(
        client.login(&stale).await.unwrap_err().kind(),
        &ErrorKind::InvalidCredentials
    );
}

#[tokio::test]
async fn extend_moves_the_expiry_and_sends_auth_and_uid() {
    let resonite = Resonite::builder()
        .rate_limit(None)
        .token_lifetimes(Duration::from_secs(3600), Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let alice = resonite.add_account("alice", "", PASSWORD);
    let client = client(&resonite);
    let mut session = client
        .login(&password_login("alice"))
        .await
        .unwrap()
        .session;
    let long_ago = Utc::now() - chrono::Duration::minutes(30);
    session.set_expires_at(Some(long_ago));
    let extended = client.extend(&session).await.unwrap();
    let left = extended.expires_at().unwrap() - Utc::now();
    assert!(left > chrono::Duration::minutes(59), "{left}");
    assert_eq!(resonite.user_sessions(&alice)[0].extensions, 1);
    let patch = &resonite.server().requests().to_path("/userSessions")[1];
    assert_eq!(patch.method, Method::PATCH);
    let token = session.access_token().expose_secret();
    assert_eq!(
        patch.header("authorization"),
        Some(format!("res {alice}:{token}").as_str())
    );
    assert_eq!(patch.header("uid"), session.extra(UID_EXTRA));
    client.validate(&extended).await.unwrap();
    assert_eq!(resonite.user_sessions(&alice)[0].extensions, 2);
}

#[tokio::test]
async fn extend_keeps_the_expiry_when_the_lifetime_is_unknown() {
    let resonite = emulator().await;
    resonite.add_account("alice", "", PASSWORD);
    let client = client(&resonite);
    let session = client
        .login(&password_login("alice"))
        .await
        .unwrap()
        .session;
    let stored = omniauth_types::StoredSession::from(&session);
    let mut json = serde_json::to_value(&stored).unwrap();
    json["extra"]
        .as_object_mut()
        .unwrap()
        .remove(LIFETIME_EXTRA);
    let bare: omniauth_types::Session =
        serde_json::from_value::<omniauth_types::StoredSession>(json)
            .unwrap()
            .into();
    let extended = client.extend(&bare).await.unwrap();
    assert_eq!(extended.expires_at(), bare.expires_at());
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_unauthorized() {
    let resonite = emulator().await;
    let alice = resonite.add_account("alice", "", PASSWORD);
    let client = client(&resonite);
    let session = client
        .login(&password_login("alice"))
        .await
        .unwrap()
        .session;
    resonite.expire_token(session.access_token().expose_secret());
    let err = client.extend(&session).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(
        client.contacts(&session).await.unwrap_err().kind(),
        &ErrorKind::Unauthorized
    );

    let session = client
        .login(&password_login("alice"))
        .await
        .unwrap()
        .session;
    resonite.revoke_all(&alice);
    assert_eq!(
        client.validate(&session).await.unwrap_err().kind(),
        &ErrorKind::Unauthorized
    );
}

#[tokio::test]
async fn logout_revokes_and_is_idempotent() {
    let resonite = emulator().await;
    let alice = resonite.add_account("alice", "", PASSWORD);
    let client = client(&resonite);
    let session = client
        .login(&password_login("alice"))
        .await
        .unwrap()
        .session;
    client.logout(&session).await.unwrap();
    assert!(resonite.user_sessions(&alice).is_empty());
    let delete = resonite.server().requests().all().pop().unwrap();
    assert_eq!(delete.method, Method::DELETE);
    let token = session.access_token().expose_secret();
    // The token is one path segment: a `/` in the base64 is escaped.
    assert_eq!(
        delete.path,
        format!("/userSessions/{alice}/{}", token.replace('/', "%2F"))
    );
    assert!(delete.header("authorization").is_some());
    assert_eq!(
        client.validate(&session).await.unwrap_err().kind(),
        &ErrorKind::Unauthorized
    );
    client.logout(&session).await.unwrap();
    // A 404 counts as gone too; a 500 does not.
    resonite.server().faults().inject(
        FaultRule::new("/userSessions/*", Fault::status(404))
            .method(Method::DELETE)
            .times(1),
    );
    client.logout(&session).await.unwrap();
    resonite.server().faults().inject(
        FaultRule::new("/userSessions/*", Fault::status(500))
            .method(Method::DELETE)
            .times(1),
    );
    let err = client.logout(&session).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Api { status: 500, .. }));
}

#[tokio::test]
async fn a_login_is_never_sent_twice() {
    let resonite = emulator().await;
    resonite.add_account("alice", "", PASSWORD);
    let client = resonite_api::Client::builder()
        .base_url(resonite.base_url())
        .no_rate_limit()
        .retry(
            omniauth_types::transport::RetryPolicy::default()
                .with_max_retries(3)
                .with_sleeper(common::RecordingSleeper::default()),
        )
        .build()
        .unwrap();
    resonite
        .server()
        .faults()
        .inject(FaultRule::new("/userSessions", Fault::status(503)).times(1));
    let err = client.login(&password_login("alice")).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Api { status: 503, .. }));
    assert_eq!(
        resonite
            .server()
            .requests()
            .count(&Method::POST, "/userSessions"),
        1
    );
}

#[tokio::test]
async fn inputs_are_checked_before_anything_is_sent() {
    let resonite = emulator().await;
    let client = client(&resonite);
    let err = client
        .login(&LoginRequest::password(
            LoginIdentifier::guess(""),
            Password::new("x"),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    let bad_device = Device::new("has space", SecretMachineId::new("m"));
    let err = client
        .login(&password_login("alice").device(bad_device))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    let foreign = omniauth_types::Session::new(
        "goscrobble",
        "U-alice",
        AccessToken::new("t"),
        TokenScheme::Bearer,
    );
    assert_eq!(
        client.extend(&foreign).await.unwrap_err().kind(),
        &ErrorKind::InvalidInput
    );
    assert!(resonite.server().requests().all().is_empty());
}

#[tokio::test]
async fn the_authenticator_asks_for_a_second_factor_then_signs_in() {
    let resonite = emulator().await;
    let alice = resonite.add_account("alice", "alice@example.com", PASSWORD);
    resonite.set_totp(&alice, Some("654321"));
    let auth = ResoniteAuthenticator::new(client(&resonite));
    assert_eq!(auth.service(), "resonite");
    let caps = auth.capabilities();
    assert!(caps.refresh && caps.validate && caps.logout && !caps.register);

    let creds = Credentials::email("alice@example.com").with_password(Password::new(PASSWORD));
    assert!(matches!(
        auth.login(&creds).await.unwrap(),
        LoginOutcome::SecondFactorRequired
    ));
    let wrong = creds.clone().with_totp(TotpCode::new("111111"));
    let err = auth.login(&wrong).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::SecondFactorRequired);
    let session = auth
        .login(&creds.with_totp(TotpCode::new("654321")))
        .await
        .unwrap()
        .into_session()
        .unwrap();
    assert_eq!(session.user_id(), alice);
    // Every login of one authenticator uses its one device.
    let uids: Vec<_> = resonite
        .server()
        .requests()
        .to_path("/userSessions")
        .iter()
        .map(|r| r.header("uid").unwrap().to_owned())
        .collect();
    assert!(uids.iter().all(|uid| uid == auth.device().uid()));

    let refreshed = auth.refresh(&session).await.unwrap();
    assert!(refreshed.expires_at() >= session.expires_at());
    auth.validate(&refreshed).await.unwrap();
    auth.logout(&refreshed).await.unwrap();
    assert_eq!(
        auth.validate(&refreshed).await.unwrap_err().kind(),
        &ErrorKind::Unauthorized
    );
    assert_eq!(
        auth.login(&Credentials::username("alice"))
            .await
            .unwrap_err()
            .kind(),
        &ErrorKind::InvalidInput,
        "no password"
    );
    let dyn_auth: Box<dyn Authenticator> = Box::new(auth);
    assert_eq!(dyn_auth.service(), "resonite");
}

#[tokio::test]
async fn nothing_secret_reaches_debug_or_errors() {
    let resonite = emulator().await;
    let alice = resonite.add_account("alice", "", PASSWORD);
    resonite.set_totp(&alice, Some("246810"));
    let client = client(&resonite);
    let device = Device::new("UID-1", SecretMachineId::new("machine-secret-77"));
    let request = password_login("alice")
        .totp(TotpCode::new("246810"))
        .device(device);
    let response = client.login(&request).await.unwrap();
    let token = response.session.access_token().expose_secret().to_owned();
    for text in [
        format!("{response:?}"),
        format!("{:?}", response.session),
        format!("{request:?}"),
        format!("{client:?}"),
    ] {
        for secret in [token.as_str(), PASSWORD, "246810", "machine-secret-77"] {
            assert!(!text.contains(secret), "{secret} leaks in {text}");
        }
    }
    resonite.expire_token(&token);
    let err = client.extend(&response.session).await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains(&token));
}
