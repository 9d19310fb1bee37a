//! The Go 1.3 server: router, accounts, apps and sessions (spec §1.5, §1.7).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::go_oauth;
use super::hashcash::{self, StampError};
use super::state::Emu;
use super::wire::{self, Object, error, go_object, str_field};

type Emulator = State<Arc<Emu>>;

pub(super) fn router(emu: Arc<Emu>) -> Router {
    let routes = Router::new()
        .route("/api/signup", post(signup))
        .route("/api/login", post(login))
        .route("/api/changepassword", post(change_password))
        .route("/api/userinfo", post(userinfo))
        .route("/api/secretkeyloggedin", post(logged_in))
        .route("/api/newauth", post(new_app))
        .route("/api/listauth", post(list_apps))
        .route("/api/deleteauth", post(delete_app))
        .route("/api/deleteaccount", post(delete_account))
        .route("/api/sessions/list", post(list_sessions))
        .route("/api/sessions/remove", post(remove_session))
        .route("/api/listusers", post(list_users))
        .route(
            "/api/version",
            get(|| async { wire::text(StatusCode::OK, "Burgerauth Version 1.3") }),
        )
        .route("/api/servicename", get(service_name))
        .route("/api/auth", get(go_oauth::authorize))
        .route("/api/tokenauth", post(go_oauth::token))
        .route("/userinfo", get(go_oauth::userinfo))
        .route("/api/uniqueid", post(go_oauth::unique_id))
        .route("/api/loggedin", post(go_oauth::token_logged_in))
        .route("/api/aeskeyshare", post(go_oauth::aes_key_share))
        .route("/.well-known/jwks.json", get(go_oauth::jwks))
        .route(
            "/.well-known/openid-configuration",
            get(go_oauth::discovery),
        )
        .route(
            "/login",
            get(|| async { wire::html("<!DOCTYPE html><title>Login - Burgerauth</title>") }),
        )
        .route(
            "/signup",
            get(|| async { wire::html("<!DOCTYPE html><title>Signup - Burgerauth</title>") }),
        )
        .route("/app", get(go_oauth::consent_page))
        // gin answers a wrong method like an unknown path (recordings: `GET /api/login`,
        // `POST /userinfo` → 404 `text/plain`).
        .fallback(|| async { not_found() })
        .method_not_allowed_fallback(|| async { not_found() })
        .with_state(emu);
    // Outermost, so it sees every answer, the method routers' own included.
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn(wire::go_cors))
}

/// gin's 404: `text/plain` without a charset.
fn not_found() -> Response {
    wire::reply(StatusCode::NOT_FOUND, "text/plain", "404 page not found")
}

fn invalid_json() -> Response {
    error(StatusCode::BAD_REQUEST, "Invalid JSON")
}

/// The body and its string `keys`, or the 400 every 1.3 handler answers.
fn fields<'a>(body: Option<&'a Object>, keys: &[&str]) -> Result<Vec<&'a str>, Response> {
    let body = body.ok_or_else(invalid_json)?;
    keys.iter()
        .map(|key| str_field(body, key).ok_or_else(invalid_json))
        .collect()
}

/// The user id behind a secret key, or the 401 with this endpoint's wording.
fn session_user(emu: &Emu, key: &str, wording: &str) -> Result<i64, Response> {
    emu.db()
        .session(key)
        .map(|s| s.user_id)
        .ok_or_else(|| error(StatusCode::UNAUTHORIZED, wording))
}

async fn signup(State(emu): Emulator, headers: HeaderMap, body: Bytes) -> Response {
    let body = go_object(&body);
    let values = match fields(body.as_ref(), &["username", "password", "stamp"]) {
        Ok(values) => values,
        Err(response) => return response,
    };
    let (username, password, stamp) = (values[0], values[1], values[2]);
    {
        let mut db = emu.db();
        if db.spent.contains_key(stamp) {
            return error(StatusCode::CONFLICT, "Stamp already spent");
        }
        db.spent.insert(stamp.to_owned(), emu.now());
    }
    match hashcash::verify(stamp, emu.now()) {
        Ok(()) => {}
        Err(StampError::Panic) => wire::drop_connection(),
        Err(StampError::Invalid) => {
            return error(StatusCode::BAD_REQUEST, "Invalid hashcash stamp");
        }
    }
    let valid_name = !username.is_empty()
        && username.len() <= 20
        && username.chars().all(|c| c.is_ascii_alphanumeric());
    if !valid_name || password.is_empty() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid username or password",
        );
    }
    let mut db = emu.db();
    if db
        .users
        .iter()
        .any(|u| emu.name_matches(&u.username, username))
    {
        return error(StatusCode::CONFLICT, "Username taken");
    }
    let created = emu.created_now();
    let id = db.new_user(username, password.to_owned(), true, created);
    // The real server looks the new id up with `lower(username) = <name as sent>`: a name
    // with an uppercase letter finds no row and the key is bound to user id 0 (spec §0).
    let id = if emu.real_bugs {
        db.users
            .iter()
            .find(|u| emu.name_matches(&u.username, username))
            .map_or(0, |u| u.id)
    } else {
        id
    };
    let key = emu.secret();
    db.new_session(id, &wire::user_agent(&headers), key.clone());
    wire::json(StatusCode::OK, &json!({ "key": key }))
}

async fn login(State(emu): Emulator, headers: HeaderMap, body: Bytes) -> Response {
    let body = go_object(&body);
    let values = match fields(body.as_ref(), &["username", "password"]) {
        Ok(values) => values,
        Err(response) => return response,
    };
    let Some(modern) = body
        .as_ref()
        .and_then(|b| b.get("modern"))
        .and_then(Value::as_bool)
    else {
        return invalid_json();
    };
    let (username, password) = (values[0], values[1]);
    let mut db = emu.db();
    let Some(user) = db
        .users
        .iter_mut()
        .find(|u| emu.name_matches(&u.username, username))
    else {
        return wire::json(
            StatusCode::UNAUTHORIZED,
            &json!({"error": "User does not exist", "migrated": true}),
        );
    };
    if user.password != password {
        return if user.migrated {
            wire::json(
                StatusCode::UNAUTHORIZED,
                &json!({"error": "Incorrect password", "migrated": true}),
            )
        } else {
            wire::json(
                StatusCode::UNAUTHORIZED,
                &json!({"error": "Not migrated", "migrated": false}),
            )
        };
    }
    let was_migrated = user.migrated;
    if !user.migrated && modern {
        user.migrated = true;
    }
    let id = user.id;
    let key = emu.secret();
    db.new_session(id, &wire::user_agent(&headers), key.clone());
    wire::json(
        StatusCode::OK,
        &json!({ "key": key, "migrated": was_migrated }),
    )
}

async fn change_password(State(emu): Emulator, body: Bytes) -> Response {
    let body = go_object(&body);
    let values = match fields(body.as_ref(), &["secretKey", "newPassword"]) {
        Ok(values) => values,
        Err(response) => return response,
    };
    let Some(migration) = body
        .as_ref()
        .and_then(|b| b.get("migration"))
        .and_then(Value::as_bool)
    else {
        return invalid_json();
    };
    let user_id = match session_user(&emu, values[0], "Invalid session") {
        Ok(id) => id,
        Err(response) => return response,
    };
    let mut db = emu.db();
    if let Some(user) = db.users.iter_mut().find(|u| u.id == user_id) {
        values[1].clone_into(&mut user.password);
        if migration {
            user.migrated = true;
        }
    }
    wire::json(StatusCode::OK, &json!({ "success": true }))
}

async fn userinfo(State(emu): Emulator, body: Bytes) -> Response {
    let body = go_object(&body);
    let key = match fields(body.as_ref(), &["secretKey"]) {
        Ok(values) => values[0],
        Err(response) => return response,
    };
    let user_id = match session_user(&emu, key, "Invalid session") {
        Ok(id) => id,
        Err(response) => return response,
    };
    let db = emu.db();
    match db.user_by_id(user_id) {
        Some(user) => wire::json(
            StatusCode::OK,
            &json!({"username": user.username, "id": user.id, "created": whole_seconds(user.created)}),
        ),
        None => error(StatusCode::BAD_REQUEST, "User does not exist"),
    }
}

#[allow(clippy::cast_possible_truncation)] // Seconds since 1970 fit an i64.
fn whole_seconds(created: f64) -> String {
    (created.trunc() as i64).to_string()
}

async fn logged_in(State(emu): Emulator, body: Bytes) -> Response {
    let body = go_object(&body);
    let key = match fields(body.as_ref(), &["secretKey"]) {
        Ok(values) => values[0],
        Err(response) => return response,
    };
    match session_user(&emu, key, "Invalid session") {
        Ok(_) => wire::json(StatusCode::OK, &json!({ "loggedin": true })),
        Err(response) => response,
    }
}

async fn new_app(State(emu): Emulator, body: Bytes) -> Response {
    let Some(body) = go_object(&body) else {
        return invalid_json();
    };
    let bad = |what: &str| error(StatusCode::BAD_REQUEST, what);
    let Some(key) = str_field(&body, "secretKey") else {
        return bad("Invalid JSON (token missing)");
    };
    let Some(name) = str_field(&body, "name") else {
        return bad("Invalid JSON (name missing)");
    };
    let Some(redirect_uri) = str_field(&body, "redirectUri") else {
        return bad("Invalid JSON (redirectUri missing)");
    };
    let Some(scopes_json) = str_field(&body, "scopes") else {
        return bad("Invalid JSON (scopes missing)");
    };
    let Ok(parsed) = serde_json::from_str::<Value>(scopes_json) else {
        return bad("Invalid JSON (scope parsing)");
    };
    let Some(list) = parsed.as_array() else {
        return bad("Invalid JSON (scope interface)");
    };
    let mut scopes = Vec::new();
    for scope in list {
        let Some(scope) = scope.as_str() else {
            return bad("Invalid JSON (scope interface)");
        };
        if scope != "openid" && scope != "aeskeyshare" {
            return bad(&format!("Invalid Scope: {scope}"));
        }
        scopes.push(scope.to_owned());
    }
    let key_share_uri = match str_field(&body, "keyShareUri") {
        Some(uri) => uri.to_owned(),
        None if scopes.iter().any(|s| s == "aeskeyshare") => {
            return bad("Invalid JSON (keyShareUri)");
        }
        None => "none".to_owned(),
    };
    let owner = match session_user(&emu, key, "Invalid session") {
        Ok(id) => id,
        Err(response) => return response,
    };
    let app_id = super::state::alnum(32);
    let secret = emu.secret();
    emu.db().apps.push(super::state::App {
        app_id: app_id.clone(),
        secret: secret.clone(),
        name: name.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        scopes_json: scopes_json.to_owned(),
        scopes,
        key_share_uri,
        owner,
    });
    wire::json(StatusCode::OK, &json!({ "key": secret, "appId": app_id }))
}

async fn list_apps(State(emu): Emulator, body: Bytes) -> Response {
    let body = go_object(&body);
    let key = match fields(body.as_ref(), &["secretKey"]) {
        Ok(values) => values[0],
        Err(response) => return response,
    };
    let owner = match session_user(&emu, key, "Invalid session") {
        Ok(id) => id,
        Err(response) => return response,
    };
    let apps: Vec<Value> = emu
        .db()
        .apps
        .iter()
        .filter(|a| a.owner == owner)
        .map(|a| {
            json!({"appId": a.app_id, "name": a.name, "redirectUri": a.redirect_uri,
                   "scopes": a.scopes_json, "keyShareUri": a.key_share_uri})
        })
        .collect();
    wire::json(StatusCode::OK, &null_if_empty(apps))
}

fn null_if_empty(items: Vec<Value>) -> Value {
    if items.is_empty() {
        Value::Null
    } else {
        Value::Array(items)
    }
}

async fn delete_app(State(emu): Emulator, body: Bytes) -> Response {
    let body = go_object(&body);
    let values = match fields(body.as_ref(), &["secretKey", "appId"]) {
        Ok(values) => values,
        Err(response) => return response,
    };
    let owner = match session_user(&emu, values[0], "Invalid session") {
        Ok(id) => id,
        Err(response) => return response,
    };
    let mut db = emu.db();
    db.apps
        .retain(|a| !(a.owner == owner && a.app_id == values[1]));
    wire::json(StatusCode::OK, &json!({ "success": "true" }))
}

async fn delete_account(State(emu): Emulator, body: Bytes) -> Response {
    let body = go_object(&body);
    let key = match fields(body.as_ref(), &["secretKey"]) {
        Ok(values) => values[0],
        Err(response) => return response,
    };
    let user_id = match session_user(&emu, key, "Session does not exist") {
        Ok(id) => id,
        Err(response) => return response,
    };
    let mut db = emu.db();
    db.users.retain(|u| u.id != user_id);
    db.apps.retain(|a| a.owner != user_id);
    db.codes.retain(|c| c.user_id != user_id);
    // Sessions survive the account, as on the real server.
    wire::json(StatusCode::OK, &json!({ "success": "true" }))
}

async fn list_sessions(State(emu): Emulator, body: Bytes) -> Response {
    let body = go_object(&body);
    let key = match fields(body.as_ref(), &["secretKey"]) {
        Ok(values) => values[0],
        Err(response) => return response,
    };
    let user_id = match session_user(&emu, key, "Session does not exist") {
        Ok(id) => id,
        Err(response) => return response,
    };
    let sessions: Vec<Value> = emu
        .db()
        .sessions
        .iter()
        .filter(|s| s.user_id == user_id)
        // The real server's bug: "id" is the session's secret key, not its row id.
        .map(|s| json!({"id": s.key, "thisSession": s.key == key, "device": s.device}))
        .collect();
    wire::json(StatusCode::OK, &null_if_empty(sessions))
}

async fn remove_session(State(emu): Emulator, body: Bytes) -> Response {
    let body = go_object(&body);
    let values = match fields(body.as_ref(), &["secretKey", "sessionId"]) {
        Ok(values) => values,
        Err(response) => return response,
    };
    let user_id = match session_user(&emu, values[0], "Session does not exist") {
        Ok(id) => id,
        Err(response) => return response,
    };
    let mut db = emu.db();
    // Deletes by numeric row id: a listed "id" (a secret key) matches nothing.
    db.sessions
        .retain(|s| !(s.user_id == user_id && s.row_id.to_string() == values[1]));
    wire::json(StatusCode::OK, &json!({ "success": "true" }))
}

async fn list_users(State(emu): Emulator, body: Bytes) -> Response {
    let body = go_object(&body);
    if let Err(response) = fields(body.as_ref(), &["masterKey"]) {
        return response;
    }
    if emu.db().users.is_empty() {
        wire::json(StatusCode::OK, &Value::Null)
    } else {
        wire::internal("LISTUSERS-SCAN")
    }
}

async fn service_name(State(emu): Emulator) -> Response {
    wire::json(StatusCode::OK, &json!({ "name": emu.service_name }))
}
