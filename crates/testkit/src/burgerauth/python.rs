//! The Python `hectabit-oauth2` 1.2 server of the service doc (spec §1.8): empty `{}` error
//! bodies, 1024-hex keys, `POST /api/auth`, opaque access tokens, HS256 id tokens.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, StatusCode, header};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::state::{App, Code, Emu, LegacyToken, hex1024, now};
use super::wire::{self, first};

type Emulator = State<Arc<Emu>>;

pub(super) fn router(emu: Arc<Emu>) -> Router {
    let version = || async { wire::html("Burgerauth Version 1.2") };
    Router::new()
        .route("/api/signup", post(signup))
        .route("/api/login", post(login))
        .route("/api/userinfo", post(userinfo))
        .route("/api/newauth", post(new_app))
        .route("/api/listauth", post(list_apps))
        .route("/api/deleteauth", post(delete_app))
        .route("/api/deleteaccount", post(delete_account))
        .route("/api/sessions/list", post(list_sessions))
        .route("/api/sessions/remove", post(remove_session))
        .route("/api/auth", post(authorize))
        .route("/api/tokenauth", post(token))
        .route("/userinfo", get(token_userinfo))
        .route("/api/version", get(version).post(version))
        .fallback(|| async { empty(StatusCode::NOT_FOUND) })
        .layer(axum::middleware::from_fn(wire::cors))
        .with_state(emu)
}

/// Every handled error of 1.2: the status and `{}`.
fn empty(status: StatusCode) -> Response {
    wire::json(status, &json!({}))
}

/// Quart's `get_json()`: needs `application/json` (else `None` → 500), bad JSON → 400 HTML.
fn body(headers: &HeaderMap, body: &[u8]) -> Result<Value, Response> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    if !is_json {
        return Err(empty(StatusCode::INTERNAL_SERVER_ERROR));
    }
    serde_json::from_slice(body).map_err(|_| {
        wire::reply(
            StatusCode::BAD_REQUEST,
            "text/html; charset=utf-8",
            "<!doctype html><title>400 Bad Request</title><h1>Bad Request</h1>",
        )
    })
}

/// `data[key]` as a string; a missing key is a `KeyError` → 500 `{}`.
fn field(data: &Value, key: &str) -> Result<String, Response> {
    match data.get(key) {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(empty(StatusCode::INTERNAL_SERVER_ERROR)),
    }
}

fn user_of(emu: &Emu, key: &str) -> Result<i64, Response> {
    emu.db()
        .session(key)
        .map(|s| s.user_id)
        .ok_or_else(|| empty(StatusCode::UNAUTHORIZED))
}

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(value) => value,
            Err(response) => return response,
        }
    };
}

async fn signup(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let username = tri!(field(&data, "username"));
    let password = tri!(field(&data, "password"));
    let valid = !username.is_empty()
        && username.len() <= 20
        && username.chars().all(|c| c.is_ascii_alphanumeric())
        && password.len() >= 14;
    if !valid {
        return empty(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut db = emu.db();
    if db
        .users
        .iter()
        .any(|u| u.username.eq_ignore_ascii_case(&username))
    {
        return empty(StatusCode::CONFLICT);
    }
    let id = db.new_user(&username, password, false);
    let key = hex1024();
    db.new_session(id, &wire::user_agent(&headers), key.clone());
    wire::json(StatusCode::OK, &json!({ "key": key }))
}

async fn login(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let username = tri!(field(&data, "username")).to_lowercase();
    let password = tri!(field(&data, "password"));
    let change = tri!(field(&data, "passwordchange"));
    let new_password = tri!(field(&data, "newpass"));
    let mut db = emu.db();
    let Some(user) = db
        .users
        .iter_mut()
        .find(|u| u.username.to_lowercase() == username)
    else {
        return empty(StatusCode::UNAUTHORIZED);
    };
    if user.password != password {
        return empty(StatusCode::UNAUTHORIZED);
    }
    if change == "yes" {
        user.password = new_password;
    }
    let id = user.id;
    let key = hex1024();
    db.new_session(id, &wire::user_agent(&headers), key.clone());
    wire::json(StatusCode::OK, &json!({ "key": key }))
}

async fn userinfo(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let key = tri!(field(&data, "secretKey"));
    let db = emu.db();
    // An unknown key makes the real handler fail: 500 {}.
    let Some(user) = db.session(&key).and_then(|s| db.user_by_id(s.user_id)) else {
        return empty(StatusCode::INTERNAL_SERVER_ERROR);
    };
    #[allow(clippy::cast_precision_loss)] // Python's time.time(): a float of seconds.
    let created = format!("{:.6}", user.created as f64);
    wire::json(
        StatusCode::OK,
        &json!({"username": user.username, "id": user.id, "created": created}),
    )
}

async fn new_app(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let app_id = tri!(field(&data, "appId"));
    let key = tri!(field(&data, "secretKey"));
    let redirect = tri!(field(&data, "rdiruri"));
    let owner = tri!(user_of(&emu, &key));
    let mut db = emu.db();
    if db.app(&app_id).is_some() {
        return empty(StatusCode::UNAUTHORIZED);
    }
    let secret = hex1024();
    db.apps.push(App {
        app_id,
        secret: secret.clone(),
        name: String::new(),
        redirect_uri: redirect,
        scopes_json: "[\"openid\"]".to_owned(),
        scopes: vec!["openid".to_owned()],
        key_share_uri: "none".to_owned(),
        owner,
    });
    wire::json(StatusCode::OK, &json!({ "key": secret }))
}

async fn list_apps(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let owner = tri!(user_of(&emu, &tri!(field(&data, "secretKey"))));
    let apps: Vec<Value> = emu
        .db()
        .apps
        .iter()
        .filter(|a| a.owner == owner)
        .map(|a| json!({ "appId": a.app_id }))
        .collect();
    wire::json(StatusCode::OK, &Value::Array(apps))
}

async fn delete_app(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let owner = tri!(user_of(&emu, &tri!(field(&data, "secretKey"))));
    let app_id = tri!(field(&data, "appId"));
    emu.db()
        .apps
        .retain(|a| !(a.owner == owner && a.app_id == app_id));
    empty(StatusCode::OK)
}

async fn delete_account(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let user_id = tri!(user_of(&emu, &tri!(field(&data, "secretKey"))));
    let mut db = emu.db();
    db.users.retain(|u| u.id != user_id);
    db.apps.retain(|a| a.owner != user_id);
    db.codes.retain(|c| c.user_id != user_id);
    empty(StatusCode::OK)
}

async fn list_sessions(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let key = tri!(field(&data, "secretKey"));
    let user_id = tri!(user_of(&emu, &key));
    let sessions: Vec<Value> = emu
        .db()
        .sessions
        .iter()
        .filter(|s| s.user_id == user_id)
        .map(|s| json!({"id": s.row_id, "thisSession": s.key == key, "device": s.device}))
        .collect();
    wire::json(StatusCode::OK, &Value::Array(sessions))
}

async fn remove_session(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let user_id = tri!(user_of(&emu, &tri!(field(&data, "secretKey"))));
    let session_id = tri!(field(&data, "sessionId"));
    let mut db = emu.db();
    let Some(index) = db
        .sessions
        .iter()
        .position(|s| s.row_id.to_string() == session_id)
    else {
        return empty(StatusCode::UNPROCESSABLE_ENTITY);
    };
    if db.sessions[index].user_id != user_id {
        return empty(StatusCode::FORBIDDEN);
    }
    db.sessions.remove(index);
    empty(StatusCode::OK)
}

/// `POST /api/auth` {secretKey, appId, code, codemethod} → the code as the body.
async fn authorize(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let key = tri!(field(&data, "secretKey"));
    let app_id = tri!(field(&data, "appId"));
    let challenge = tri!(field(&data, "code"));
    let method = tri!(field(&data, "codemethod"));
    let user_id = tri!(user_of(&emu, &key));
    let mut db = emu.db();
    if db.app(&app_id).is_none() {
        return empty(StatusCode::INTERNAL_SERVER_ERROR);
    }
    let code = hex1024();
    db.codes.push(Code {
        code: code.clone(),
        app_id,
        user_id,
        access_token: String::new(),
        id_token: None,
        challenge,
        method,
    });
    wire::html(&code)
}

async fn token(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let text = if wire::is_form(&headers) {
        String::from_utf8_lossy(&raw).into_owned()
    } else {
        String::new()
    };
    let pairs = wire::parse_form(&text).unwrap_or_default();
    let client_id = first(&pairs, "client_id");
    let code = first(&pairs, "code");
    let verifier = first(&pairs, "code_verifier");
    let secret = first(&pairs, "client_secret");
    let mut db = emu.db();
    let Some(index) = db.codes.iter().position(|c| c.code == code) else {
        return if verifier.is_empty() {
            empty(StatusCode::BAD_REQUEST)
        } else {
            empty(StatusCode::INTERNAL_SERVER_ERROR)
        };
    };
    let row = db.codes[index].clone();
    let Some(app) = db.app(&row.app_id).cloned() else {
        return empty(StatusCode::UNAUTHORIZED);
    };
    if !emu.real_bugs && client_id != app.app_id {
        return empty(StatusCode::UNAUTHORIZED);
    }
    if verifier.is_empty() {
        if secret != app.secret {
            return empty(StatusCode::UNAUTHORIZED);
        }
    } else {
        let ok = match row.method.as_str() {
            "none" => return empty(StatusCode::BAD_REQUEST),
            "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == row.challenge,
            "plain" => verifier == row.challenge,
            _ => return empty(StatusCode::NOT_IMPLEMENTED),
        };
        if !ok {
            return empty(StatusCode::FORBIDDEN);
        }
    }
    let Some(user) = db.user_by_id(row.user_id).cloned() else {
        return empty(StatusCode::UNAUTHORIZED);
    };
    let access_token = hex1024();
    let refresh_token = hex1024();
    #[allow(clippy::cast_precision_loss)]
    let iat = now() as f64;
    let claims = json!({"sub": user.username, "iss": "https://auth.hectabit.org", "name": user.username,
                        "aud": app.app_id, "exp": iat + 3600.0, "iat": iat});
    let id_token = jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(&emu.legacy_secret),
    )
    .unwrap_or_default();
    db.legacy_tokens.push(LegacyToken {
        token: access_token.clone(),
        user_id: user.id,
    });
    if !emu.real_bugs {
        // Documented: the code is used up and the refresh token becomes the next code.
        db.codes.remove(index);
        db.codes.push(Code {
            code: refresh_token.clone(),
            ..row
        });
    }
    // With the real bug, the UPDATE is never committed: the refresh token is unknown and the
    // original code stays redeemable.
    wire::json(
        StatusCode::OK,
        &json!({"access_token": access_token, "token_type": "bearer", "expires_in": 3600,
                "refresh_token": refresh_token, "id_token": id_token}),
    )
}

async fn token_userinfo(State(emu): Emulator, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let db = emu.db();
    let user = db
        .legacy_tokens
        .iter()
        .find(|t| t.token == token && !token.is_empty())
        .and_then(|t| db.user_by_id(t.user_id));
    match user {
        Some(user) => wire::json(
            StatusCode::OK,
            &json!({"sub": user.username, "name": user.username}),
        ),
        None => empty(StatusCode::UNAUTHORIZED),
    }
}
