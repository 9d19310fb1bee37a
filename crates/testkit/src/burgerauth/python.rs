//! The Python `hectabit-oauth2` 1.2 builds (spec §0, §1.8; recordings
//! `burgerauth-1.2-python/`): accounts, apps and sessions. Every handled error is the status
//! and `{}`, typed `application/json`; a handler that fails (a dead secret key, a missing
//! field, a wrong method) answers `500 {}` through the server's error handler.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};

use super::Dialect;
use super::python_oauth;
use super::state::{App, Emu, hex1024};
use super::wire;

pub(super) type Emulator = State<Arc<Emu>>;

pub(super) fn router(emu: Arc<Emu>) -> Router {
    let version = || async { wire::html("Burgerauth Version 1.2") };
    let auth = match emu.dialect {
        // The POST-era build (`b9b02d5`): a GET reaches the handler, which returns nothing.
        Dialect::V1_2Post => post(python_oauth::authorize_post).get(|| async { failed() }),
        // HEAD (`b451473`): the route is GET-only; Quart answers a POST with its HTML 405.
        _ => get(python_oauth::authorize_get).post(|| async { python_oauth::quart_405() }),
    };
    let routes = Router::new()
        .route("/api/signup", post(signup))
        .route("/api/login", post(login))
        .route("/api/userinfo", post(userinfo))
        .route("/api/newauth", post(new_app))
        .route("/api/listauth", post(list_apps))
        .route("/api/deleteauth", post(delete_app))
        .route("/api/deleteaccount", post(delete_account))
        .route("/api/sessions/list", post(list_sessions))
        .route("/api/sessions/remove", post(remove_session))
        .route("/api/auth", auth)
        .route("/api/tokenauth", post(python_oauth::token))
        .route("/userinfo", get(python_oauth::token_userinfo))
        .route("/api/version", get(version).post(version))
        .route(
            "/.well-known/openid-configuration",
            get(python_oauth::discovery),
        )
        .fallback(|| async { empty(StatusCode::NOT_FOUND) })
        // The routes take GET and POST but only handle POST: a GET returns nothing → 500.
        .method_not_allowed_fallback(|| async { failed() })
        .with_state(emu);
    // Outermost, so it sees every answer, the method routers' own included.
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn(wire::python_cors))
}

/// Every handled error of 1.2: the status and `{}` (`application/json`, no charset).
pub(super) fn empty(status: StatusCode) -> Response {
    wire::reply(status, "application/json", "{}\n")
}

/// A Python JSON answer (Quart's `jsonify`: `application/json`, sorted keys, a newline).
pub(super) fn answer(status: StatusCode, value: &Value) -> Response {
    wire::reply(status, "application/json", format!("{value}\n"))
}

/// An exception in a handler: the error handler's `500 {}`.
pub(super) fn failed() -> Response {
    empty(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Quart's `get_json()`: needs `application/json` (else `None` → 500), bad JSON → 400 HTML.
fn body(headers: &HeaderMap, body: &[u8]) -> Result<Value, Response> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    if !is_json {
        return Err(failed());
    }
    serde_json::from_slice(body).map_err(|_| python_oauth::bad_request_html())
}

/// `data[key]` as a string; a missing key is a `KeyError` → 500 `{}`.
fn field(data: &Value, key: &str) -> Result<String, Response> {
    match data.get(key) {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(failed()),
    }
}

/// The user behind a secret key. The real handlers dereference the missing row: `500 {}`
/// (spec §0, recordings 079–084); the documented server answers `401 {}`.
pub(super) fn user_of(emu: &Emu, key: &str) -> Result<i64, Response> {
    let db = emu.db();
    db.session(key)
        .map(|s| s.user_id)
        .filter(|id| db.user_by_id(*id).is_some())
        .ok_or_else(|| dead_key(emu))
}

pub(super) fn dead_key(emu: &Emu) -> Response {
    if emu.real_bugs {
        failed()
    } else {
        empty(StatusCode::UNAUTHORIZED)
    }
}

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(value) => value,
            Err(response) => return response,
        }
    };
}
pub(super) use tri;

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
    let created = emu.created_now();
    let mut db = emu.db();
    // `check_username_taken` compares `lower(username)` with the name lowercased.
    if db
        .users
        .iter()
        .any(|u| u.username.eq_ignore_ascii_case(&username))
    {
        return empty(StatusCode::CONFLICT);
    }
    let id = db.new_user(&username, password, false, created);
    let key = hex1024();
    db.new_session(id, &wire::user_agent(&headers), key.clone());
    answer(StatusCode::OK, &json!({ "key": key }))
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
    answer(StatusCode::OK, &json!({ "key": key }))
}

async fn userinfo(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let key = tri!(field(&data, "secretKey"));
    let db = emu.db();
    // An unknown key makes the handler fail on both builds: 500 {} (recording 077).
    let Some(user) = db.session(&key).and_then(|s| db.user_by_id(s.user_id)) else {
        return failed();
    };
    // `created` is `str(time.time())`: Python's shortest float text, as Rust's.
    let created = user.created.to_string();
    answer(
        StatusCode::OK,
        &json!({"username": user.username, "id": user.id, "created": created}),
    )
}

async fn new_app(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let app_id = tri!(field(&data, "appId"));
    let key = tri!(field(&data, "secretKey"));
    let redirect = tri!(field(&data, "rdiruri"));
    if emu.db().app(&app_id).is_some() {
        return empty(StatusCode::UNAUTHORIZED);
    }
    let owner = tri!(user_of(&emu, &key));
    let secret = hex1024();
    emu.db().apps.push(App {
        app_id,
        secret: secret.clone(),
        name: String::new(),
        // Stored URL-quoted, as `/api/auth` compares it (spec §0).
        redirect_uri: python_oauth::quote(&redirect),
        scopes_json: "[\"openid\"]".to_owned(),
        scopes: vec!["openid".to_owned()],
        key_share_uri: "none".to_owned(),
        owner,
    });
    answer(StatusCode::OK, &json!({ "key": secret }))
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
    answer(StatusCode::OK, &Value::Array(apps))
}

async fn delete_app(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let app_id = tri!(field(&data, "appId"));
    let owner = tri!(user_of(&emu, &tri!(field(&data, "secretKey"))));
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
    // `DELETE FROM logins WHERE creator = …`: its codes and their access tokens go too.
    db.codes.retain(|c| c.user_id != user_id);
    db.legacy_tokens.retain(|t| t.user_id != user_id);
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
    answer(StatusCode::OK, &Value::Array(sessions))
}

async fn remove_session(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let data = tri!(body(&headers, &raw));
    let key = tri!(field(&data, "secretKey"));
    let session_id = tri!(field(&data, "sessionId"));
    let user_id = tri!(user_of(&emu, &key));
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
