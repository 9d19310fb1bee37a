//! The emulator's odd corners, seen by a plain HTTP client (as any client would see them),
//! and how this crate maps them.

mod common;

use burgerauth_api::{ErrorKind, decode_error};
use common::{go, go_user, python};
use omniauth_types::reqwest::{self, Method};
use serde_json::json;

async fn raw(
    method: Method,
    url: String,
    body: Option<serde_json::Value>,
) -> (u16, String, String) {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn go_transport_facts() {
    let (emu, _) = go().await;
    let url = |path: &str| format!("{}{path}", emu.base_url());
    let (status, kind, body) = raw(Method::GET, url("/nowhere"), None).await;
    assert_eq!((status, body.as_str()), (404, "404 page not found"));
    assert!(kind.starts_with("text/plain"));
    let response = reqwest::Client::new()
        .request(Method::OPTIONS, url("/api/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let (_, kind, _) = raw(Method::GET, url("/.well-known/openid-configuration"), None).await;
    assert!(kind.starts_with("text/html"));
    let (_, kind, body) = raw(Method::GET, url("/api/version"), None).await;
    assert!(kind.starts_with("text/plain"));
    assert_eq!(body, "Burgerauth Version 1.3");
    let (status, _, body) = raw(
        Method::POST,
        url("/api/login"),
        Some(json!({"username": "a", "password": "b", "modern": "true"})),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (400, r#"{"error":"Invalid JSON"}"#)
    );
    let (status, _, body) = raw(
        Method::POST,
        url("/api/tokenauth"),
        Some(json!({"client_id": "x", "code": "y", "client_secret": "z"})),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (401, r#"{"error":"OAuth screening failed"}"#),
        "JSON is not parsed at the token endpoint"
    );
    let (status, _, body) = raw(
        Method::POST,
        url("/api/listusers"),
        Some(json!({"masterKey": "x"})),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "null"));
}

#[tokio::test]
async fn go_stamps_scopes_and_nulls() {
    let (emu, client) = go().await;
    let url = |path: &str| format!("{}{path}", emu.base_url());
    let stamp = burgerauth_api::hashcash::mint().await.unwrap();
    let body = json!({"username": "sam", "password": "h", "stamp": stamp});
    let (status, _, _) = raw(Method::POST, url("/api/signup"), Some(body.clone())).await;
    assert_eq!(status, 200);
    let (status, _, text) = raw(Method::POST, url("/api/signup"), Some(body)).await;
    assert_eq!(
        (status, text.as_str()),
        (409, r#"{"error":"Stamp already spent"}"#)
    );
    let answer = omniauth_types::transport::Response::new(
        http::StatusCode::CONFLICT,
        http::HeaderMap::new(),
        text,
    );
    assert_eq!(
        decode_error(&answer).unwrap().kind(),
        &ErrorKind::Api {
            status: 409,
            message: "Stamp already spent".into()
        }
    );
    let stale = "1:20:200101:signup:I love Burgerauth!!:x:0";
    let (status, _, text) = raw(
        Method::POST,
        url("/api/signup"),
        Some(json!({"username": "t", "password": "h", "stamp": stale})),
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (400, r#"{"error":"Invalid hashcash stamp"}"#)
    );

    let session = go_user(&emu, &client, "tina").await;
    let key = omniauth_types::ExposeSecret::expose_secret(session.access_token()).to_owned();
    let (_, _, text) = raw(
        Method::POST,
        url("/api/listauth"),
        Some(json!({"secretKey": key})),
    )
    .await;
    assert_eq!(text, "null");
    let (status, _, text) = raw(
        Method::POST,
        url("/api/newauth"),
        Some(json!({"secretKey": key, "name": "n", "redirectUri": "r", "scopes": ["openid"]})),
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (400, r#"{"error":"Invalid JSON (scopes missing)"}"#)
    );
    let (status, _, text) = raw(
        Method::POST,
        url("/api/newauth"),
        Some(json!({"secretKey": key, "name": "n", "redirectUri": "r", "scopes": "[\"email\"]"})),
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (400, r#"{"error":"Invalid Scope: email"}"#)
    );

    // A validly signed token without `session` makes the real server panic: the client
    // sees the connection drop.
    let now = chrono::Utc::now().timestamp();
    let token = emu.sign_jwt(&json!({"aud": "x", "exp": now + 60}));
    let no_retry = burgerauth_api::Client::builder()
        .base_url(emu.base_url())
        .retry(omniauth_types::transport::RetryPolicy::none())
        .build()
        .unwrap();
    let err = no_retry
        .token_userinfo(&burgerauth_api::AccessToken::new(token))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport);
}

#[tokio::test]
async fn python_transport_facts() {
    let (emu, _) = python(false).await;
    let url = |path: &str| format!("{}{path}", emu.base_url());
    let (status, _, body) = raw(Method::GET, url("/nowhere"), None).await;
    // Quart's JSON answers end with a newline (recordings: `content-length: 3`).
    assert_eq!((status, body.as_str()), (404, "{}\n"));
    let response = reqwest::Client::new()
        .post(url("/api/login"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 500, "no JSON content type");
    let (status, _, body) = raw(
        Method::POST,
        url("/api/login"),
        Some(json!({"username": "a"})),
    )
    .await;
    assert_eq!((status, body.as_str()), (500, "{}\n"), "a missing key");
    let (_, kind, body) = raw(Method::GET, url("/api/version"), None).await;
    assert!(kind.starts_with("text/html"));
    assert_eq!(body, "Burgerauth Version 1.2");
}
