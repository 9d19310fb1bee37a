//! 1.3 accounts, sessions, apps, restarts, token rejections, the real servers' bugs and
//! faults.

mod common;

use burgerauth_api::model::{NewApp, TokenResponse};
use burgerauth_api::{
    AppRegistration, AuthorizationRequest, BurgerauthAuthenticator, Client, ErrorKind,
    ExposeSecret, Password, Result, Session,
};
use common::{
    REDIRECT, go, go_app, go_user, go_with_bugs, legacy_hash, modern_hash, openid_app, password,
    redeem_pkce, redeem_secret,
};
use omniauth_testkit::burgerauth::Burgerauth;
use omniauth_testkit::{Fault, FaultRule};
use omniauth_types::{Authenticator, Credentials};
use serde_json::json;

#[tokio::test]
async fn a_legacy_account_is_migrated_at_login() {
    let (emu, client) = go().await;
    emu.add_user("Oldtimer", legacy_hash().expose_secret(), false);

    let wrong = client
        .login("oldtimer", &Password::new("not the password"))
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), &ErrorKind::InvalidCredentials);
    assert!(!emu.user("Oldtimer").unwrap().migrated);

    let answer = client.login_key("oldtimer", &password()).await.unwrap();
    assert!(answer.migrated_now);
    let user = emu.user("Oldtimer").unwrap();
    assert!(user.migrated);
    assert_eq!(user.password_hash, modern_hash().expose_secret());
    let change = &emu.server().requests().to_path("/api/changepassword")[0];
    assert_eq!(change.json().unwrap()["migration"], true);
    let logins: Vec<_> = emu
        .server()
        .requests()
        .to_path("/api/login")
        .iter()
        .map(|r| r.json().unwrap()["modern"].clone())
        .collect();
    assert_eq!(
        logins,
        [json!(true), json!(false), json!(true), json!(false)]
    );

    // Now the modern hash alone works.
    let again = client.login_key("oldtimer", &password()).await.unwrap();
    assert!(!again.migrated_now);
}

#[tokio::test]
async fn signup_errors_are_caught_or_mapped() {
    let (emu, client) = go().await;
    go_user(&emu, &client, "taken").await;
    let err = client.signup("Taken", &password()).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::AccountExists);

    let before = emu.server().requests().all().len();
    for (name, pass) in [
        ("bad name", PASS),
        ("", PASS),
        (&*"x".repeat(21), PASS),
        ("ok", "short"),
    ] {
        let err = client.signup(name, &Password::new(pass)).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{name:?}");
    }
    let err = client.login("no way", &password()).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    assert_eq!(
        emu.server().requests().all().len(),
        before,
        "nothing was sent"
    );

    let err = client.login("nobody", &password()).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
    assert_eq!(err.message(), Some("User does not exist"));
}
const PASS: &str = "long enough password";

#[tokio::test]
async fn sessions_apps_and_account_deletion() {
    let (emu, client) = go().await;
    let first = go_user(&emu, &client, "erin").await;
    let key = client
        .login_derived("erin", &modern_hash(), true)
        .await
        .unwrap();
    let second = client.session_for_key(&key);

    let sessions = client.list_sessions(&first).await.unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s.this_session).count(), 1);
    // The real server's leak: a listed id is the other session's secret key.
    let other = sessions.iter().find(|s| !s.this_session).unwrap();
    assert_eq!(other.id.expose_secret(), key.expose_secret());

    // Removal "succeeds" but removes nothing (it wants a row id nobody is shown).
    client.remove_session(&first, &other.id).await.unwrap();
    assert!(client.is_logged_in(&second).await.unwrap());
    let err = client.logout(&second).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unsupported);

    assert!(
        client.list_apps(&first).await.unwrap().is_empty(),
        "null is an empty list"
    );
    let app = client
        .create_app(
            &first,
            &AppRegistration::new("Keys", REDIRECT)
                .scopes(&["openid", "aeskeyshare"])
                .key_share_uri("https://app.example/keys"),
        )
        .await
        .unwrap();
    let apps = client.list_apps(&first).await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].scopes, ["openid", "aeskeyshare"]);
    assert_eq!(
        apps[0].key_share_uri.as_deref(),
        Some("https://app.example/keys")
    );
    assert_eq!(apps[0].redirect_uri.as_deref(), Some(REDIRECT));
    let err = client
        .create_app(
            &first,
            &AppRegistration::new("Bad", REDIRECT).scopes(&["email"]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    client.delete_app(&first, &app.app_id).await.unwrap();
    client.delete_app(&first, "never-existed").await.unwrap();
    assert!(client.list_apps(&first).await.unwrap().is_empty());

    let info = client.userinfo(&first).await.unwrap();
    assert_eq!(info.username, "erin");
    assert!(info.created.is_some());
    client.delete_account(&first).await.unwrap();
    let err = client.userinfo(&second).await.unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::NotFound,
        "sessions outlive the account"
    );
}

#[tokio::test]
async fn a_restart_makes_every_session_unauthorized() {
    let (emu, client, session, app) = go_app("frank").await;
    let (code, pending) = client
        .authorize(&session, &AuthorizationRequest::new(&app.app_id, REDIRECT))
        .await
        .unwrap();
    let tokens = redeem_pkce(&client, &app.app_id, &code, pending)
        .await
        .unwrap();

    emu.restart();
    let err = client.userinfo(&session).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    assert!(!client.is_logged_in(&session).await.unwrap());
    let err = client.list_sessions(&session).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    let err = client
        .token_userinfo(&tokens.access_token)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    assert_eq!(err.message(), Some("Invalid session"));
    // The token itself still verifies: it is the session behind it that died.
    client
        .verify_access_token(&tokens.access_token, &app.app_id)
        .await
        .unwrap();
}

#[tokio::test]
async fn forged_foreign_and_expired_tokens_are_rejected() {
    let (emu, client, session, app) = go_app("grace").await;
    let (code, pending) = client
        .authorize(
            &session,
            &AuthorizationRequest::new(&app.app_id, REDIRECT).nonce("abc"),
        )
        .await
        .unwrap();
    let tokens = redeem_pkce(&client, &app.app_id, &code, pending)
        .await
        .unwrap();
    let id = tokens.id_token.unwrap();

    // Bad signature: flip one character of the signature.
    let text = id.expose_secret();
    let (head, sig) = text.rsplit_once('.').unwrap();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    let forged = burgerauth_api::IdToken::new(format!("{head}.{flipped}{}", &sig[1..]));
    let err = client
        .verify_id_token(&forged, &app.app_id, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);

    // Wrong audience, wrong nonce, wrong issuer.
    let err = client
        .verify_id_token(&id, "another-client", None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    let err = client
        .verify_id_token(&id, &app.app_id, Some("xyz"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    let elsewhere = burgerauth_api::Client::builder()
        .base_url(emu.base_url())
        .issuer("https://auth.other.example")
        .build()
        .unwrap();
    let err = elsewhere
        .verify_id_token(&id, &app.app_id, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);

    // Expired, signed by the real key.
    let now = chrono::Utc::now().timestamp();
    let expired = emu.sign_jwt(&json!({
        "sub": "s", "iss": emu.base_url(), "name": "grace", "aud": app.app_id,
        "exp": now - 3600, "iat": now - 7200, "session": "k", "nonce": ""
    }));
    let err = client
        .verify_id_token(
            &burgerauth_api::IdToken::new(expired.as_str()),
            &app.app_id,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Expired);
    let err = client
        .token_userinfo(&burgerauth_api::AccessToken::new(expired))
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::Unauthorized,
        "the server says Malformed token"
    );

    // Another key entirely: signed by a second emulator.
    let stranger = Burgerauth::start().await.unwrap();
    let foreign =
        stranger.sign_jwt(&json!({"aud": app.app_id, "exp": now + 60, "iat": now, "session": "k"}));
    let err = client
        .verify_access_token(&burgerauth_api::AccessToken::new(foreign), &app.app_id)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);

    // HS256 is refused outright.
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"aud": app.app_id, "exp": now + 60}),
        &jsonwebtoken::EncodingKey::from_secret(b"s"),
    )
    .unwrap();
    let err = client
        .verify_access_token(&burgerauth_api::AccessToken::new(hs), &app.app_id)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
}

#[tokio::test]
async fn the_real_servers_bugs() {
    let (emu, client) = go_with_bugs().await;
    let session = go_user(&emu, &client, "heidi").await;
    // Codes are not bound to their client: another app redeems this one with its secret.
    let (b, tokens) = redeem_a_code_of_app_a_as_b(&client, &session).await;
    let tokens = tokens.unwrap();
    // ...and the token still says it is app A's: verifying it as B's fails.
    let err = client
        .verify_id_token(tokens.id_token.as_ref().unwrap(), &b.app_id, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);

    // With the documented behaviour, the same move is refused.
    let (emu2, client2) = go().await;
    let session2 = go_user(&emu2, &client2, "ivan").await;
    let (_, tokens) = redeem_a_code_of_app_a_as_b(&client2, &session2).await;
    let err = tokens.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);

    // Username case: a user stored as "Judy" logs in only as "judy"; the client lowercases.
    emu.add_user("Judy", modern_hash().expose_secret(), true);
    client
        .login_derived("Judy", &modern_hash(), true)
        .await
        .unwrap();
    let raw = reqwest_login(emu.base_url(), "Judy").await;
    assert_eq!(raw, 401, "the server itself refuses the stored case");
}

/// Registers apps "A" and "B" of `session`'s user, and redeems a code of A with B's secret:
/// B, and what the exchange answered.
async fn redeem_a_code_of_app_a_as_b(
    client: &Client,
    session: &Session,
) -> (NewApp, Result<TokenResponse>) {
    let a = client.create_app(session, &openid_app("A")).await.unwrap();
    let b = client.create_app(session, &openid_app("B")).await.unwrap();
    let (code, _) = client
        .authorize(session, &AuthorizationRequest::new(&a.app_id, REDIRECT))
        .await
        .unwrap();
    let tokens = redeem_secret(client, &b.app_id, &code, &b).await;
    (b, tokens)
}

async fn reqwest_login(base: &str, name: &str) -> u16 {
    let body = json!({"username": name, "password": modern_hash().expose_secret(), "modern": true});
    omniauth_types::reqwest::Client::new()
        .post(format!("{base}/api/login"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn faults_surface_as_transport_and_api_errors() {
    let (emu, client) = go().await;
    let session = go_user(&emu, &client, "karl").await;
    // An idempotent read is retried after a cut connection...
    emu.server()
        .faults()
        .inject(FaultRule::new("/api/userinfo", Fault::ResetMidBody).times(1));
    client.userinfo(&session).await.unwrap();
    assert_eq!(emu.server().requests().to_path("/api/userinfo").len(), 2);
    // ...a change is not.
    emu.server()
        .faults()
        .inject(FaultRule::new("/api/deleteauth", Fault::ResetMidBody).times(1));
    let err = client.delete_app(&session, "x").await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Transport | ErrorKind::Decode { .. }),
        "{err:?}"
    );
    emu.server().faults().inject(FaultRule::new(
        "/api/login",
        Fault::Html(http::StatusCode::BAD_GATEWAY),
    ));
    let err = client
        .login_derived("karl", &modern_hash(), true)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(
        emu.server()
            .requests()
            .count(&http::Method::POST, "/api/login"),
        2,
        "a login is never sent twice"
    );
    emu.server().faults().clear();
    emu.server()
        .faults()
        .inject(FaultRule::new("/api/listauth", Fault::NotJson).times(1));
    let err = client.list_apps(&session).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }));
}

#[tokio::test]
async fn a_server_panic_drops_the_connection() {
    let (emu, _client) = go().await;
    // A stamp with fewer than five fields makes the real server panic; no answer comes.
    let result = omniauth_types::reqwest::Client::new()
        .post(format!("{}/api/signup", emu.base_url()))
        .json(&json!({"username": "x", "password": "y", "stamp": "1:20"}))
        .send()
        .await;
    assert!(result.is_err());
}

#[tokio::test]
async fn the_authenticator() {
    let (emu, client) = go().await;
    let auth: Box<dyn Authenticator> = Box::new(BurgerauthAuthenticator::new(client.clone()));
    let caps = auth.capabilities();
    assert!(caps.validate && caps.register && !caps.refresh && !caps.logout);
    emu.add_user("lena", modern_hash().expose_secret(), true);
    let creds = Credentials::username("lena").with_password(password());
    let session = auth.login(&creds).await.unwrap().into_session().unwrap();
    assert_eq!(session.username(), Some("lena"));
    assert!(session.expires_at().is_none());
    auth.validate(&session).await.unwrap();
    assert_eq!(
        auth.refresh(&session).await.unwrap_err().kind(),
        &ErrorKind::Unsupported
    );
    assert_eq!(
        auth.logout(&session).await.unwrap_err().kind(),
        &ErrorKind::Unsupported
    );
    let err = auth
        .login(&Credentials::email("a@b.c").with_password(password()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    emu.restart();
    assert_eq!(
        auth.validate(&session).await.unwrap_err().kind(),
        &ErrorKind::Unauthorized
    );
}
