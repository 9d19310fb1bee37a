//! The REST routes, answering as the spec says the live API does.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use chrono::Utc;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::{Value, json};

use super::data;
use super::state::ResoniteState;
use super::{INVALID_CREDENTIALS, INVALID_REQUEST, RATE_LIMITED, TOTP_BODY, UID_REQUIRED};

pub(crate) type Shared = Arc<ResoniteState>;

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/userSessions", post(login).patch(extend))
        .route("/userSessions/{user_id}/{token}", delete(logout))
        .route("/sessions", get(list_sessions))
        .route("/sessions/{session_id}", get(one_session))
        .route("/users", get(search_users))
        .route("/users/{user}", get(one_user))
        .route("/users/{user}/contacts", get(contacts))
        .route("/users/{user}/messages", get(messages))
        .route("/stats/onlineStats", get(online_stats))
        .route("/testing/ping", get(ping))
        .route("/testing/healthCheck", get(ping))
        .fallback(|| async { plain(StatusCode::NOT_FOUND, "") })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit,
        ))
        .with_state(state)
}

/// A plain-text answer (the API never sends JSON errors).
pub(crate) fn plain(status: StatusCode, body: &'static str) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

pub(crate) fn forbidden() -> Response {
    plain(StatusCode::FORBIDDEN, "")
}

async fn rate_limit(State(state): State<Shared>, request: Request, next: Next) -> Response {
    if state.admit() {
        return next.run(request).await;
    }
    let mut response = plain(StatusCode::TOO_MANY_REQUESTS, RATE_LIMITED);
    if let Some(seconds) = state.config.rate_limit.and_then(|l| l.retry_after) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// Query keys ignoring case, as ASP.NET binds them.
pub(crate) fn lowered(query: HashMap<String, String>) -> HashMap<String, String> {
    query
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

/// A query value the server cannot read: `400`.
pub(crate) struct BadQuery;

impl IntoResponse for BadQuery {
    fn into_response(self) -> Response {
        plain(StatusCode::BAD_REQUEST, INVALID_REQUEST)
    }
}

pub(crate) fn flag(query: &HashMap<String, String>, key: &str) -> Result<Option<bool>, BadQuery> {
    match query.get(key) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(BadQuery),
    }
}

/// A field of a JSON object, its key compared ignoring case.
pub(crate) fn field<'a>(
    object: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

async fn login(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST);
    };
    let Some(uid) = headers
        .get("uid")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
    else {
        return plain(StatusCode::BAD_REQUEST, UID_REQUIRED);
    };
    let text = |key: &str| field(&body, key).and_then(Value::as_str).map(str::to_owned);
    let Some(machine_id) = text("secretMachineId").filter(|m| !m.trim().is_empty()) else {
        return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST);
    };
    let remember_me = field(&body, "rememberMe")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let Some(Value::Object(authentication)) = field(&body, "authentication") else {
        return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST);
    };
    let auth_text = |key: &str| {
        field(authentication, key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let account = {
        let data = state.lock();
        let found = if let Some(name) = text("username") {
            data.accounts
                .iter()
                .find(|a| a.username.eq_ignore_ascii_case(&name))
        } else if let Some(email) = text("email") {
            data.accounts.iter().find(|a| {
                a.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(&email))
            })
        } else if let Some(owner) = text("ownerId") {
            data.accounts.iter().find(|a| a.user_id == owner)
        } else {
            return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST);
        };
        match found {
            Some(account) => account.clone(),
            None => return plain(StatusCode::BAD_REQUEST, INVALID_CREDENTIALS),
        }
    };
    match auth_text("$type").as_deref() {
        Some("password") => {
            if auth_text("password").as_deref() != Some(account.password.as_str()) {
                return plain(StatusCode::BAD_REQUEST, INVALID_CREDENTIALS);
            }
            if account.has_second_factor() {
                let recovery = auth_text("recoveryCode");
                let mut data = state.lock();
                let stored = data
                    .accounts
                    .iter_mut()
                    .find(|a| a.user_id == account.user_id);
                let used_recovery = match (recovery, stored) {
                    (Some(code), Some(stored)) => {
                        let before = stored.recovery_codes.len();
                        stored.recovery_codes.retain(|c| *c != code);
                        stored.recovery_codes.len() < before
                    }
                    _ => false,
                };
                let sent = headers.get("totp").and_then(|v| v.to_str().ok());
                let now = state.now();
                if !used_recovery && !sent.is_some_and(|code| account.accepts_totp(code, now)) {
                    return plain(StatusCode::FORBIDDEN, TOTP_BODY);
                }
            }
        }
        Some("sessionToken") => {
            let valid = auth_text("sessionToken").is_some_and(|token| {
                let data = state.lock();
                data.tokens
                    .get(&token)
                    .is_some_and(|r| r.user_id == account.user_id && r.expire > state.now())
            });
            if !valid {
                return plain(StatusCode::BAD_REQUEST, INVALID_CREDENTIALS);
            }
        }
        _ => return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST),
    }
    let record = state.issue(&account.user_id, remember_me, uid, &machine_id);
    let counter = state.lock().login_counter;
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    axum::Json(data::user_session(&record, counter, agent)).into_response()
}

async fn extend(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if state.authorize(&headers).is_err() {
        return forbidden();
    }
    match ResoniteState::token_from_headers(&headers) {
        Some(token) if state.extend(&token) => StatusCode::NO_CONTENT.into_response(),
        _ => forbidden(),
    }
}

async fn logout(
    State(state): State<Shared>,
    Path((user_id, token)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Ok(caller) = state.authorize(&headers) else {
        return forbidden();
    };
    if caller != user_id {
        return forbidden();
    }
    let mut data = state.lock();
    let owned = data
        .tokens
        .get(&token)
        .is_some_and(|r| r.user_id == user_id);
    if !owned {
        return plain(StatusCode::NOT_FOUND, "");
    }
    data.tokens.remove(&token);
    StatusCode::OK.into_response()
}

fn listed(session: &Value, query: &HashMap<String, String>) -> Result<bool, BadQuery> {
    let text = |key: &str| session.get(key).and_then(Value::as_str).unwrap_or("");
    let int = |key: &str| session.get(key).and_then(Value::as_u64).unwrap_or(0);
    let bool_of = |key: &str| session.get(key).and_then(Value::as_bool).unwrap_or(false);
    let private = session
        .get("accessLevel")
        .is_some_and(|a| a == "Private" || a == 0);
    if bool_of("hideFromListing") || private {
        return Ok(false);
    }
    let include_incompatible = flag(query, "includeincompatible")?.unwrap_or(false);
    if let Some(hash) = query.get("compatibilityhash")
        && !include_incompatible
        && text("compatibilityHash") != hash
    {
        return Ok(false);
    }
    if let Some(name) = query.get("name")
        && !text("name").to_lowercase().contains(&name.to_lowercase())
    {
        return Ok(false);
    }
    if let Some(universe) = query.get("universeid")
        && text("universeId") != universe
    {
        return Ok(false);
    }
    if let Some(host) = query.get("hostname")
        && !text("hostUsername").eq_ignore_ascii_case(host)
    {
        return Ok(false);
    }
    if let Some(host) = query.get("hostid")
        && text("hostUserId") != host
    {
        return Ok(false);
    }
    if let Some(min) = query.get("minactiveusers") {
        let Ok(min) = min.parse::<u64>() else {
            return Err(BadQuery);
        };
        if int("activeUsers") < min {
            return Ok(false);
        }
    }
    let include_empty_headless = flag(query, "includeemptyheadless")?.unwrap_or(true);
    if !include_empty_headless && bool_of("headlessHost") && int("activeUsers") == 0 {
        return Ok(false);
    }
    let include_ended = flag(query, "includeended")?.unwrap_or(false);
    if !include_ended && bool_of("hasEnded") {
        return Ok(false);
    }
    Ok(true)
}

async fn list_sessions(
    State(state): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let query = lowered(query);
    let sessions = state.lock().sessions.clone();
    let mut out = Vec::new();
    for session in sessions {
        match listed(&session, &query) {
            Ok(true) => out.push(session),
            Ok(false) => {}
            Err(bad) => return bad.into_response(),
        }
    }
    axum::Json(Value::Array(out)).into_response()
}

async fn one_session(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    let data = state.lock();
    let found = data.sessions.iter().find(|s| {
        s.get("sessionId").and_then(Value::as_str) == Some(id.as_str())
            && !s
                .get("accessLevel")
                .is_some_and(|a| a == "Private" || a == 0)
    });
    match found {
        Some(session) => axum::Json(session.clone()).into_response(),
        None => plain(StatusCode::NOT_FOUND, ""),
    }
}

async fn search_users(
    State(state): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let query = lowered(query);
    let name = query
        .get("name")
        .map(|n| n.to_lowercase())
        .unwrap_or_default();
    let data = state.lock();
    let found: Vec<Value> = data
        .accounts
        .iter()
        .filter(|a| !name.is_empty() && a.username.to_lowercase().contains(&name))
        .map(|a| data::user(a, false))
        .collect();
    axum::Json(Value::Array(found)).into_response()
}

async fn one_user(
    State(state): State<Shared>,
    Path(user): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let query = lowered(query);
    let by_username = match flag(&query, "byusername") {
        Ok(value) => value.unwrap_or(false),
        Err(bad) => return bad.into_response(),
    };
    let caller = state.authorize(&headers).ok();
    let data = state.lock();
    let found = data.accounts.iter().find(|a| {
        if by_username {
            a.username.eq_ignore_ascii_case(&user)
        } else {
            a.user_id == user
        }
    });
    match found {
        Some(account) => {
            let is_self = caller.as_deref() == Some(account.user_id.as_str());
            let mut user = data::user(account, is_self);
            if let Some(profile) = data.profiles.get(&account.user_id) {
                user["profile"] = profile.clone();
            }
            axum::Json(user).into_response()
        }
        None => plain(StatusCode::NOT_FOUND, ""),
    }
}

async fn contacts(
    State(state): State<Shared>,
    Path(user): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    match state.authorize(&headers) {
        Ok(caller) if caller == user => {}
        _ => return forbidden(),
    }
    let query = lowered(query);
    let since = match query.get("laststatusupdate") {
        None => None,
        Some(text) => match chrono::DateTime::parse_from_rfc3339(text) {
            Ok(at) => Some(at.with_timezone(&Utc)),
            Err(_) => return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST),
        },
    };
    let data = state.lock();
    let list: Vec<Value> = data
        .contacts
        .get(&user)
        .into_iter()
        .flatten()
        .filter(|c| since.is_none_or(|since| c.changed >= since))
        .map(|c| c.json.clone())
        .collect();
    axum::Json(Value::Array(list)).into_response()
}

async fn messages(
    State(state): State<Shared>,
    Path(user): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    match state.authorize(&headers) {
        Ok(caller) if caller == user => {}
        _ => return forbidden(),
    }
    let query = lowered(query);
    let max_items = match query.get("maxitems").map(|m| m.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) => n.min(100),
        Some(Err(_)) => return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST),
    };
    // resonitepy sends `unreadOnly` (spec §0.1), the others `unread`: both are read.
    let unread = match (flag(&query, "unread"), flag(&query, "unreadonly")) {
        (Ok(unread), Ok(unread_only)) => unread.or(unread_only),
        _ => return BadQuery.into_response(),
    };
    let from = match query.get("fromtime") {
        None => None,
        Some(text) => match chrono::DateTime::parse_from_rfc3339(text) {
            Ok(at) => Some(at.with_timezone(&Utc)),
            Err(_) => return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST),
        },
    };
    let other = query
        .get("user")
        .or_else(|| query.get("fromuserid"))
        .cloned();
    let data = state.lock();
    let mut list: Vec<_> = data
        .messages
        .get(&user)
        .into_iter()
        .flatten()
        .filter(|m| from.is_none_or(|from| m.send_time >= from))
        .filter(|m| {
            other
                .as_deref()
                .is_none_or(|o| m.json.get("otherId").and_then(Value::as_str) == Some(o))
        })
        .filter(|m| {
            unread.is_none_or(|unread| m.json.get("readTime").is_none_or(Value::is_null) == unread)
        })
        .collect();
    list.sort_by_key(|m| std::cmp::Reverse(m.send_time));
    let list: Vec<Value> = list
        .into_iter()
        .take(max_items)
        .map(|m| rest_copy(&m.json))
        .collect();
    axum::Json(Value::Array(list)).into_response()
}

/// A stored message as the REST history shows it: never with the hub echo's .NET "never" as
/// `lastUpdateTime` (spec §0.1), which becomes the send time.
fn rest_copy(message: &Value) -> Value {
    let mut message = message.clone();
    if message.get("lastUpdateTime").and_then(Value::as_str) == Some(data::NEVER) {
        message["lastUpdateTime"] = message.get("sendTime").cloned().unwrap_or(Value::Null);
    }
    message
}

async fn online_stats(State(state): State<Shared>) -> Response {
    let now = state.now();
    let data = state.lock();
    let online = data
        .tokens
        .values()
        .filter(|t| t.expire > now)
        .map(|t| t.user_id.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len();
    let listed = data.sessions.len();
    // The field names of the `resonite` crate's typed model (spec §0.1); the numbers are
    // the emulator's own: everyone online is counted as a screen user in a public session.
    axum::Json(json!({
        "captureTimestamp": data::timestamp(now),
        "registeredUsers": online,
        "instanceCount": listed,
        "presentUsers": online,
        "awayUsers": 0,
        "usersInVR": 0,
        "usersInScreen": online,
        "usersOnDesktop": online,
        "usersOnMobile": 0,
        "usersInVisiblePublicSessions": online,
        "usersInVisibleSemiAccessibleSessions": 0,
        "usersInHiddenSessions": 0,
        "usersInPrivateSessions": 0,
        "usersByClientType": {"GraphicalClient": online},
        "usersBySessionAccessLevel": {"Anyone": online},
        "visibleSessionsByAccessLevel": {"Anyone": listed},
        "hiddenSessionsByAccessLevel": {},
        "activeVisibleSessionsByAccessLevel": {"Anyone": listed},
        "activeHiddenSessionsByAccessLevel": {}
    }))
    .into_response()
}

async fn ping() -> Response {
    plain(StatusCode::OK, "")
}
