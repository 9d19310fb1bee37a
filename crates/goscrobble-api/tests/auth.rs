//! Login, refresh (working and broken), registration and password reset against the emulator.

mod common;

use std::time::Duration;

use common::{
    PASSWORD, alice_on, answer, answer_error, api_error, client, password, posts, server,
    server_with, signed_in,
};
use goscrobble_api::{Claims, ErrorKind, ExposeSecret, Password, ResetToken};
use omniauth_testkit::goscrobble::{GoScrobble, SENDGRID_ERROR};

#[tokio::test]
async fn login_builds_the_session_from_the_claims() {
    let (server, client, session) = signed_in().await;
    let alice = server.user("alice").unwrap();
    assert_eq!(session.service(), "goscrobble");
    assert_eq!(session.user_id(), alice.uuid);
    assert_eq!(session.username(), Some("alice"));
    assert_eq!(session.extra("email"), Some("alice@example.com"));
    assert_eq!(session.extra("admin"), Some("false"));
    let expires = session.expires_at().unwrap();
    let lifetime = expires - server.now();
    assert!(
        lifetime.num_seconds() > 1700 && lifetime.num_seconds() <= 1800,
        "{lifetime}"
    );
    assert!(session.refresh_token().is_some());
    assert!(session.refresh_expires_at().unwrap() > expires);
    let claims = Claims::from_session(&session).unwrap();
    assert!(!claims.admin && !claims.moderator);
    // The login went out once, with the bearer-less JSON body the server reads.
    let sent = server.server().requests().to_path("/api/v1/login");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json().unwrap()["username"], "alice");
    // The session works.
    assert_eq!(client.user(&session).await.unwrap().username, "alice");
}

#[tokio::test]
async fn login_by_email_and_with_admin_claims() {
    let server = server().await;
    server.add_user("bob", PASSWORD, "bob@example.com");
    server.set_admin("bob", true);
    server.set_moderator("bob", true);
    let session = client(&server)
        .login("BOB@example.com", &password())
        .await
        .unwrap();
    assert_eq!(session.username(), Some("bob"));
    assert_eq!(session.extra("admin"), Some("true"));
    assert_eq!(session.extra("mod"), Some("true"));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_invalid_credentials() {
    let server = server().await;
    server.add_user("alice", PASSWORD, "");
    let client = client(&server);
    for (name, pass) in [("alice", "wrong-password"), ("nobody", PASSWORD)] {
        let err = client.login(name, &Password::new(pass)).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidCredentials, "{err}");
        assert_eq!(err.message(), Some("Invalid Username or Password"));
        assert_eq!(err.status().unwrap().as_u16(), 200, "a 200 with an error");
        assert!(!err.to_string().contains("wrong-password"));
    }
}

#[tokio::test]
async fn empty_login_inputs_are_refused_before_sending() {
    let server = server().await;
    let client = client(&server);
    let err = client.login("", &password()).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    let err = client.login("alice", &Password::new("")).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    assert!(server.server().requests().all().is_empty());
}

#[tokio::test]
async fn every_login_failure_message_maps() {
    let server = server().await;
    let client = client(&server);
    let cases = [
        (
            200,
            r#"{"error":"A username is required"}"#,
            api_error(200, "A username is required"),
        ),
        (
            200,
            r#"{"error":"A password is required"}"#,
            api_error(200, "A password is required"),
        ),
        (
            200,
            r#"{"error":"Error logging in"}"#,
            api_error(200, "Error logging in"),
        ),
        (
            400,
            "{\"error\":\"unexpected EOF\"}\n",
            api_error(400, "unexpected EOF"),
        ),
        (
            429,
            r#"{"message":"Too many requests"}"#,
            ErrorKind::RateLimited { retry_after: None },
        ),
    ];
    for (status, body, kind) in cases {
        server.server().faults().clear();
        answer(&server, "/login", status, body);
        let err = client.login("alice", &password()).await.unwrap_err();
        assert_eq!(err.kind(), &kind, "{body}");
    }
    // A login is never retried, not even after a 429.
    assert_eq!(posts(&server, "/login"), 5);
}

#[tokio::test]
async fn a_token_with_exp_equal_to_iat_is_reported() {
    let (_server, client) = alice_on(GoScrobble::builder().unset_expiry_env(), "").await;
    let err = client.login("alice", &password()).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Expired);
    assert!(err.to_string().contains("exp == iat"), "{err}");
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token() {
    let (server, client, session) = signed_in().await;
    assert_eq!(server.refresh_token_count("alice"), 1);
    let fresh = client.refresh(&session).await.unwrap();
    assert_eq!(fresh.user_id(), session.user_id());
    assert_ne!(
        fresh.refresh_token().unwrap().expose_secret(),
        session.refresh_token().unwrap().expose_secret()
    );
    assert_eq!(
        server.refresh_token_count("alice"),
        1,
        "the old row is deleted"
    );
    client.user(&fresh).await.unwrap();
    // The old refresh token is spent.
    let err = client.refresh(&session).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    assert!(err.to_string().contains("log in again"), "{err}");
    // The body carried the refresh_token claim.
    let sent = server.server().requests().to_path("/api/v1/refresh");
    assert_eq!(
        sent[0].json().unwrap()["token"],
        session.refresh_token().unwrap().expose_secret()
    );
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused() {
    let builder = GoScrobble::builder().refresh_expiry(Duration::from_secs(60));
    let (server, client) = alice_on(builder, "").await;
    let session = client.login("alice", &password()).await.unwrap();
    server.advance(Duration::from_secs(120));
    let err = client.refresh(&session).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
}

#[tokio::test]
async fn broken_refresh_says_to_log_in_and_the_fallback_does() {
    let (server, client) = alice_on(GoScrobble::builder().broken_refresh(true), "").await;
    let session = client.login("alice", &password()).await.unwrap();
    let err = client.refresh(&session).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    assert_eq!(err.status().unwrap().as_u16(), 200);
    let text = err.to_string();
    assert!(
        text.contains("Invalid refresh token") && text.contains("log in again"),
        "{text}"
    );
    let fresh = client
        .refresh_or_login(&session, "alice", &password())
        .await
        .unwrap();
    assert_eq!(fresh.user_id(), session.user_id());
    assert_eq!(posts(&server, "/login"), 2);
    // "Failed to refresh Token" is the same story.
    answer(
        &server,
        "/refresh",
        200,
        r#"{"error":"Failed to refresh Token"}"#,
    );
    let err = client.refresh(&session).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
}

#[tokio::test]
async fn a_session_without_refresh_token_cannot_refresh() {
    let (server, client, session) = signed_in().await;
    let bare = goscrobble_api::Session::new(
        "goscrobble",
        session.user_id(),
        session.access_token().clone(),
        omniauth_types::TokenScheme::Bearer,
    );
    let err = client.refresh(&bare).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    assert_eq!(posts(&server, "/refresh"), 0);
}

#[tokio::test]
async fn register_then_login() {
    let server = server().await;
    let client = client(&server);
    client
        .register("new.user_1", &password(), Some("new@example.com"))
        .await
        .unwrap();
    let user = server.user("new.user_1").unwrap();
    assert_eq!(user.email, "new@example.com");
    client.login("new.user_1", &password()).await.unwrap();
    // Without an email, the key is left out.
    client.register("second", &password(), None).await.unwrap();
    let sent = server.server().requests().to_path("/api/v1/register");
    assert!(sent[1].json().unwrap().get("email").is_none());
}

#[tokio::test]
async fn register_failures_map_to_their_kinds() {
    let server = server_with(
        GoScrobble::builder()
            .without_rate_limits()
            .mx_lookup_fails(true),
    )
    .await;
    server.add_user("taken", PASSWORD, "taken@example.com");
    let client = client(&server);
    let err = client
        .register("TAKEN", &password(), None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::AccountExists);
    let err = client
        .register("fresh", &password(), Some("fresh@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &api_error(200, "Invalid email address"));
    server.set_registration_enabled(false);
    let err = client
        .register("fresh", &password(), None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unsupported);
    assert!(
        err.to_string()
            .contains("registration is currently disabled"),
        "{err}"
    );
    assert_eq!(
        client.server_info().await.unwrap().registration_open(),
        Some(false)
    );
}

#[tokio::test]
async fn register_rules_are_checked_before_sending() {
    let server = server().await;
    let client = client(&server);
    for (name, pass) in [
        ("", PASSWORD),
        ("bad name", PASSWORD),
        ("semi;colon", PASSWORD),
        (&*"x".repeat(65), PASSWORD),
        ("fine", "short"),
    ] {
        let err = client
            .register(name, &Password::new(pass), None)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{name:?}");
    }
    let err = client
        .register("fine", &password(), Some("no-at-sign"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    assert!(server.server().requests().all().is_empty());
}

#[tokio::test]
async fn server_side_register_messages_map() {
    let server = server().await;
    let client = client(&server);
    for text in [
        "Password must be at least 8 characters",
        "A username is required",
        "Username contains invalid characters",
    ] {
        answer_error(&server, "/register", text);
        let err = client
            .register("fine", &password(), None)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), &api_error(200, text));
    }
}

#[tokio::test]
async fn password_reset_round_trip() {
    let server = server().await;
    server.add_user("alice", PASSWORD, "alice@example.com");
    let client = client(&server);
    client.send_reset("alice@example.com").await.unwrap();
    let token = ResetToken::new(server.last_reset_token("alice@example.com").unwrap());
    assert_eq!(token.expose_secret().len(), 16);
    assert!(client.check_reset_token(&token).await.unwrap());
    assert!(
        !client
            .check_reset_token(&ResetToken::new("nope"))
            .await
            .unwrap()
    );
    let new_password = Password::new("a-new-password");
    client.reset_password(&token, &new_password).await.unwrap();
    client.login("alice", &new_password).await.unwrap();
    let err = client.login("alice", &password()).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
    // Reset tokens are not consumed: the same one works again.
    client.reset_password(&token, &password()).await.unwrap();
    // Until the sweeper runs after their hour.
    server.advance(Duration::from_secs(3601));
    assert_eq!(server.run_reset_sweeper(), 1);
    assert!(!client.check_reset_token(&token).await.unwrap());
    let err = client
        .reset_password(&token, &password())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Expired);
    assert_eq!(err.message(), Some("Invalid Token"));
}

#[tokio::test]
async fn password_reset_failures() {
    let builder = GoScrobble::builder().sendgrid_fails(true);
    let (server, client) = alice_on(builder, "alice@example.com").await;
    let err = client.send_reset("nobody@example.com").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::NotFound);
    assert_eq!(err.message(), Some("Invalid Email"));
    let err = client.send_reset("alice@example.com").await.unwrap_err();
    assert_eq!(err.kind(), &api_error(200, SENDGRID_ERROR));
    assert!(
        server.last_reset_token("alice@example.com").is_some(),
        "stored before sending"
    );
    let err = client.send_reset(" ").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    let token = ResetToken::new("x");
    let err = client
        .reset_password(&token, &Password::new("short"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    let err = client
        .check_reset_token(&ResetToken::new(""))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    for (status, body, kind) in [
        (
            400,
            r#"{"error":"Invalid JSON"}"#,
            api_error(400, "Invalid JSON"),
        ),
        (
            200,
            r#"{"error":"Password must be at least 8 characters"}"#,
            api_error(200, "Password must be at least 8 characters"),
        ),
        (
            200,
            r#"{"error":"Bad password"}"#,
            api_error(200, "Bad password"),
        ),
        (
            200,
            r#"{"error":"Failed to update password"}"#,
            api_error(200, "Failed to update password"),
        ),
    ] {
        server.server().faults().clear();
        answer(&server, "/resetpassword", status, body);
        let err = client
            .reset_password(&token, &password())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), &kind);
    }
}

#[tokio::test]
async fn a_200_without_the_expected_fields_is_not_success() {
    let (server, client, _) = signed_in().await;
    answer(&server, "/register", 200, "{}");
    let err = client
        .register("someone", &password(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Decode {
                status: Some(200),
                ..
            }
        ),
        "{err}"
    );
    answer(&server, "/login", 200, r#"{"message":"hello"}"#);
    let err = client.login("alice", &password()).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err}");
}
