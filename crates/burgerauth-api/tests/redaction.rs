//! No secret reaches `Debug`, error messages or logs.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use burgerauth_api::{
    AccessToken, AuthorizationCode, AuthorizationRequest, ClientAuth, ClientSecret,
    DerivedPassword, ExposeSecret, IdToken, Password, Pkce, PkceVerifier, RefreshToken, SecretKey,
    SessionId,
};
use common::{REDIRECT, go_app};

const VALUE: &str = "s3cr3t-value-that-must-not-leak";

#[test]
fn every_secret_type_redacts_its_debug() {
    let cases: Vec<(String, &str)> = vec![
        (format!("{:?}", Password::new(VALUE)), "Password"),
        (
            format!("{:?}", DerivedPassword::new(VALUE)),
            "DerivedPassword",
        ),
        (format!("{:?}", SecretKey::new(VALUE)), "SecretKey"),
        (format!("{:?}", ClientSecret::new(VALUE)), "ClientSecret"),
        (format!("{:?}", PkceVerifier::new(VALUE)), "PkceVerifier"),
        (
            format!("{:?}", AuthorizationCode::new(VALUE)),
            "AuthorizationCode",
        ),
        (format!("{:?}", AccessToken::new(VALUE)), "AccessToken"),
        (format!("{:?}", IdToken::new(VALUE)), "IdToken"),
        (format!("{:?}", RefreshToken::new(VALUE)), "RefreshToken"),
        (format!("{:?}", SessionId::new(VALUE)), "SessionId"),
    ];
    for (debug, name) in cases {
        assert_eq!(debug, format!("{name}([redacted])"));
    }
    let auth = ClientAuth::Verifier(PkceVerifier::new(VALUE));
    assert!(!format!("{auth:?}").contains(VALUE));
    let auth = ClientAuth::Secret(ClientSecret::new(VALUE));
    assert!(!format!("{auth:#?}").contains(VALUE));
}

#[test]
fn wire_types_holding_secrets_redact_them() {
    let tokens: burgerauth_api::model::TokenResponse = serde_json::from_str(&format!(
        r#"{{"access_token":"{VALUE}","token_type":"bearer","expires_in":1,"id_token":"{VALUE}","refresh_token":"{VALUE}"}}"#
    ))
    .unwrap();
    assert!(!format!("{tokens:?}").contains(VALUE));
    let claims: burgerauth_api::IdTokenClaims = serde_json::from_str(&format!(
        r#"{{"sub":"s","iss":"i","name":"n","aud":"a","exp":1,"iat":0,"session":"{VALUE}"}}"#
    ))
    .unwrap();
    assert!(!format!("{claims:?}").contains(VALUE));
    let pkce =
        Pkce::from_verifier(PkceVerifier::new(VALUE), burgerauth_api::PkceMethod::Plain).unwrap();
    assert!(!format!("{pkce:?}").contains(VALUE));
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_whole_flow_leaks_nothing_into_logs_debug_or_errors() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (_emu, client, session, app) = go_app("rita").await;
    let (code, pending) = client
        .authorize(&session, &AuthorizationRequest::new(&app.app_id, REDIRECT))
        .await
        .unwrap();
    let pending_debug = format!("{pending:?}");
    let verifier = pending.into_verifier().unwrap();
    let verifier_text = verifier.expose_secret().to_owned();
    // A failure first (its error must not echo the secret), then the exchange.
    let bad = client
        .exchange_code(
            &app.app_id,
            &code,
            &ClientAuth::Secret("wrong-secret-xyz".into()),
        )
        .await
        .unwrap_err();
    let tokens = client
        .exchange_code(&app.app_id, &code, &ClientAuth::Verifier(verifier))
        .await
        .unwrap();
    let sessions = client.list_sessions(&session).await.unwrap();
    let err = client
        .login("rita", &Password::new("the-wrong-password"))
        .await
        .unwrap_err();

    let secrets = [
        session.access_token().expose_secret().to_owned(),
        app.client_secret.expose_secret().to_owned(),
        code.expose_secret().to_owned(),
        verifier_text,
        tokens.access_token.expose_secret().to_owned(),
        tokens.id_token.as_ref().unwrap().expose_secret().to_owned(),
        sessions[0].id.expose_secret().to_owned(),
        common::modern_hash().expose_secret().to_owned(),
        "wrong-secret-xyz".to_owned(),
        "the-wrong-password".to_owned(),
    ];
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("burgerauth"), "the spans were captured");
    let shown = [
        logs,
        format!("{session:?}"),
        format!("{app:?}"),
        format!("{tokens:?}"),
        format!("{sessions:?}"),
        pending_debug,
        format!("{bad:?} {bad}"),
        format!("{err:?} {err}"),
        format!("{client:?}"),
    ];
    for text in &shown {
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a secret leaked into: {text}"
            );
        }
    }
}
