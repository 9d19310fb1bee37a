//! The control API of the standalone emulators: the [`TestServer`] and emulator operations a
//! Rust test calls, as JSON routes under [`CONTROL_PREFIX`](crate::CONTROL_PREFIX).
//!
//! | method and path | what it does | services |
//! |---|---|---|
//! | `GET /__omniauth/requests` | the request log, oldest first | all |
//! | `DELETE /__omniauth/requests` | forgets the log | all |
//! | `POST /__omniauth/faults` | adds a fault rule (JSON below) | all |
//! | `DELETE /__omniauth/faults` | removes every rule | all |
//! | `POST /__omniauth/restart` | a server restart, as the emulator's `restart` | resonite, burgerauth, goscrobble, maillink |
//! | `PUT /__omniauth/users/{username}/totp_secret` `{"secret": "BASE32" \| null}` | 2FA from a secret, or none | resonite |
//! | `POST /__omniauth/tokens` `{"username", "token", "expires"?}` | a token signed in without a login | resonite |
//! | `POST /__omniauth/clock` `{"advance_secs": N}` | moves the server's clock; answers `{"now": …}` | resonite, burgerauth, goscrobble, maillink |
//! | `GET /__omniauth/users/{username}` | uuid, email and ingress key | goscrobble |
//! | `GET /__omniauth/outbox` | the login emails sent, with `auth_id` and link | maillink |
//! | `GET /__omniauth/logins/{auth_id}` | `{"state": …, "polls": N}` | maillink |
//! | `POST /__omniauth/logins/{auth_id}/confirm` | follows the link | maillink |
//! | `POST /__omniauth/logins/last/confirm` | follows the last email's link | maillink |
//! | `POST /__omniauth/logins/{auth_id}/expire` | expires the login now | maillink |

// Helpers answer early with a finished response, as the handlers do.
#![allow(clippy::result_large_err)]

use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{Method, StatusCode, header};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::burgerauth::Burgerauth;
use crate::goscrobble::GoScrobble;
use crate::maillink::{LoginState, Maillink};
use crate::resonite::{Resonite, TotpSecret};
use crate::standalone::ResoniteToken;
use crate::{Fault, FaultRule, RetryAfter, TestServer};

/// A fault rule as JSON: `{"path": "/userSessions", "method": "POST", "times": 1, "fault":
/// {"type": "status", "status": 503, "retry_after_secs": 2}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleJson {
    path: String,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    times: Option<u32>,
    fault: FaultJson,
}

/// Every [`Fault`], by `type`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum FaultJson {
    Delay {
        ms: u64,
    },
    Status {
        status: u16,
        #[serde(default)]
        retry_after_secs: Option<u64>,
        /// `Retry-After` as an HTTP-date this many seconds ahead.
        #[serde(default)]
        retry_after_date_in_secs: Option<u64>,
        #[serde(default)]
        body: String,
    },
    ResetMidBody,
    Truncated,
    Html {
        status: u16,
    },
    Oversized {
        bytes: usize,
    },
    WrongContentType,
    Empty {
        status: u16,
    },
    InvalidUtf8,
    NotJson,
}

impl FaultJson {
    fn into_fault(self) -> Result<Fault, String> {
        let status = |code: u16| {
            StatusCode::from_u16(code).map_err(|_| format!("{code} is not an HTTP status"))
        };
        Ok(match self {
            Self::Delay { ms } => Fault::Delay(Duration::from_millis(ms)),
            Self::Status {
                status: code,
                retry_after_secs,
                retry_after_date_in_secs,
                body,
            } => Fault::Status {
                status: status(code)?,
                retry_after: match (retry_after_secs, retry_after_date_in_secs) {
                    (Some(_), Some(_)) => {
                        return Err(
                            "give retry_after_secs or retry_after_date_in_secs, not both".into(),
                        );
                    }
                    (Some(secs), None) => Some(RetryAfter::Seconds(secs)),
                    (None, Some(secs)) => Some(RetryAfter::DateIn(Duration::from_secs(secs))),
                    (None, None) => None,
                },
                body,
            },
            Self::ResetMidBody => Fault::ResetMidBody,
            Self::Truncated => Fault::Truncated,
            Self::Html { status: code } => Fault::Html(status(code)?),
            Self::Oversized { bytes } => Fault::Oversized(bytes),
            Self::WrongContentType => Fault::WrongContentType,
            Self::Empty { status: code } => Fault::Empty(status(code)?),
            Self::InvalidUtf8 => Fault::InvalidUtf8,
            Self::NotJson => Fault::NotJson,
        })
    }
}

impl RuleJson {
    fn into_rule(self) -> Result<FaultRule, String> {
        let mut rule = FaultRule::new(self.path, self.fault.into_fault()?);
        if let Some(method) = self.method {
            let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                .map_err(|_| format!("{method:?} is not an HTTP method"))?;
            rule = rule.method(method);
        }
        if let Some(times) = self.times {
            rule = rule.times(times);
        }
        Ok(rule)
    }
}

/// Something that has a [`TestServer`]: each emulator.
trait Served: Send + Sync + 'static {
    fn test_server(&self) -> &TestServer;
}

impl Served for Resonite {
    fn test_server(&self) -> &TestServer {
        self.server()
    }
}
impl Served for Burgerauth {
    fn test_server(&self) -> &TestServer {
        self.server()
    }
}
impl Served for GoScrobble {
    fn test_server(&self) -> &TestServer {
        self.server()
    }
}
impl Served for Maillink {
    fn test_server(&self) -> &TestServer {
        self.server()
    }
}

/// The emulator is held weakly: it owns the server that owns these routes.
type Handle<T> = State<Weak<T>>;

fn gone() -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the emulator is shutting down",
    )
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn done() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn upgrade<T>(weak: &Weak<T>) -> Result<Arc<T>, Response> {
    weak.upgrade().ok_or_else(gone)
}

/// `Json<Value>` without axum's own rejection text: a body that is not the expected JSON
/// gets `{"error": …}` like every other control answer.
fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|err| error(StatusCode::BAD_REQUEST, &err.to_string()))
}

fn common<T: Served, S: Clone + Send + Sync + 'static>(emulator: &Arc<T>) -> Router<S> {
    Router::new()
        .route(
            "/__omniauth/requests",
            get(requests::<T>).delete(clear_requests::<T>),
        )
        .route(
            "/__omniauth/faults",
            post(inject::<T>).delete(clear_faults::<T>),
        )
        .with_state(Arc::downgrade(emulator))
}

async fn requests<T: Served>(State(weak): Handle<T>) -> Response {
    let emulator = match upgrade(&weak) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let list: Vec<Value> = emulator
        .test_server()
        .requests()
        .all()
        .into_iter()
        .map(|request| {
            let headers: serde_json::Map<String, Value> = request
                .headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()),
                    )
                })
                .collect();
            json!({
                "method": request.method.as_str(),
                "path": request.path,
                "query": request.query,
                "headers": headers,
                "body": String::from_utf8_lossy(&request.body),
            })
        })
        .collect();
    Json(list).into_response()
}

async fn clear_requests<T: Served>(State(weak): Handle<T>) -> Response {
    match upgrade(&weak) {
        Ok(emulator) => {
            emulator.test_server().requests().clear();
            done()
        }
        Err(response) => response,
    }
}

async fn inject<T: Served>(State(weak): Handle<T>, body: axum::body::Bytes) -> Response {
    let emulator = match upgrade(&weak) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let rule = match parse::<RuleJson>(&body).and_then(|rule| {
        rule.into_rule()
            .map_err(|message| error(StatusCode::BAD_REQUEST, &message))
    }) {
        Ok(rule) => rule,
        Err(response) => return response,
    };
    emulator.test_server().faults().inject(rule);
    done()
}

async fn clear_faults<T: Served>(State(weak): Handle<T>) -> Response {
    match upgrade(&weak) {
        Ok(emulator) => {
            emulator.test_server().faults().clear();
            done()
        }
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Clock {
    advance_secs: i64,
}

/// An emulator whose clock the control API moves, in the emulator's own terms.
trait Clocked: Send + Sync + 'static {
    /// Moves the clock, or says why this emulator refuses the move.
    fn advance_secs(&self, secs: i64) -> Result<(), &'static str>;
    /// The clock's reading, as the emulator's Rust API gives it.
    fn now_json(&self) -> Value;
}

impl Clocked for Resonite {
    fn advance_secs(&self, secs: i64) -> Result<(), &'static str> {
        self.advance_clock(secs);
        Ok(())
    }
    fn now_json(&self) -> Value {
        json!(self.now())
    }
}

impl Clocked for Burgerauth {
    fn advance_secs(&self, secs: i64) -> Result<(), &'static str> {
        self.advance_clock(secs);
        Ok(())
    }
    fn now_json(&self) -> Value {
        json!(self.now())
    }
}

impl Clocked for GoScrobble {
    fn advance_secs(&self, secs: i64) -> Result<(), &'static str> {
        let secs = u64::try_from(secs).map_err(|_| "the goscrobble clock only moves forward")?;
        self.advance(Duration::from_secs(secs));
        Ok(())
    }
    fn now_json(&self) -> Value {
        json!(self.now().to_rfc3339())
    }
}

impl Clocked for Maillink {
    fn advance_secs(&self, secs: i64) -> Result<(), &'static str> {
        self.advance_clock(secs);
        Ok(())
    }
    fn now_json(&self) -> Value {
        json!(self.now().to_rfc3339())
    }
}

/// `POST /__omniauth/clock {"advance_secs": N}`: `{"now": …}` after the move.
async fn clock<T: Clocked>(State(weak): Handle<T>, body: axum::body::Bytes) -> Response {
    let emulator = match upgrade(&weak) {
        Ok(e) => e,
        Err(r) => return r,
    };
    match parse::<Clock>(&body) {
        Ok(Clock { advance_secs }) => match emulator.advance_secs(advance_secs) {
            Ok(()) => Json(json!({ "now": emulator.now_json() })).into_response(),
            Err(refusal) => error(StatusCode::BAD_REQUEST, refusal),
        },
        Err(response) => response,
    }
}

/// The body of `PUT /__omniauth/users/{username}/totp_secret`; `null` turns the secret off.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretJson {
    secret: Option<TotpSecret>,
}

async fn set_totp_secret(
    State(weak): Handle<Resonite>,
    Path(username): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let emulator = match upgrade(&weak) {
        Ok(e) => e,
        Err(r) => return r,
    };
    match parse::<SecretJson>(&body) {
        Ok(SecretJson { secret }) => {
            if emulator.set_totp_secret(&format!("U-{username}"), secret) {
                done()
            } else {
                error(StatusCode::NOT_FOUND, "no such user")
            }
        }
        Err(response) => response,
    }
}

/// `POST /__omniauth/tokens`: a token as the seed file gives one.
async fn add_token(State(weak): Handle<Resonite>, body: axum::body::Bytes) -> Response {
    let emulator = match upgrade(&weak) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let token = match parse::<ResoniteToken>(&body) {
        Ok(token) => token,
        Err(response) => return response,
    };
    let user_id = format!("U-{}", token.username);
    match emulator.add_token(&user_id, &token.token, token.expires) {
        Some(record) => (
            StatusCode::CREATED,
            Json(json!({
                "user_id": record.user_id,
                "expires": record.expire.to_rfc3339(),
            })),
        )
            .into_response(),
        None => error(StatusCode::NOT_FOUND, "no such user"),
    }
}

/// Resonite: the common routes, a restart (connections cut, the database kept), the clock
/// (either way; `now` in unix seconds, as Burgerauth's), TOTP secrets and tokens.
pub(super) fn resonite(emulator: &Arc<Resonite>) -> Router {
    let weak = Arc::downgrade(emulator);
    let signin = Router::new()
        .route(
            "/__omniauth/users/{username}/totp_secret",
            axum::routing::put(set_totp_secret),
        )
        .route("/__omniauth/tokens", post(add_token))
        .with_state(weak.clone());
    common(emulator)
        .merge(signin)
        .route(
            "/__omniauth/clock",
            post(clock::<Resonite>).with_state(weak.clone()),
        )
        .route(
            "/__omniauth/restart",
            post(move || async move {
                // Nothing is dropped: the restart keeps the database and cuts connections.
                restart_after_answer(
                    &weak,
                    "resonite",
                    |_| {},
                    |emulator| async move { emulator.restart().await },
                )
            }),
        )
}

/// Burgerauth: a restart (sessions, codes and stamps dropped on 1.3) and the clock.
pub(super) fn burgerauth(emulator: &Arc<Burgerauth>) -> Router {
    let restart = Arc::downgrade(emulator);
    common(emulator)
        .route(
            "/__omniauth/restart",
            post(move || async move {
                match upgrade(&restart) {
                    Ok(emulator) => {
                        emulator.restart();
                        done()
                    }
                    Err(response) => response,
                }
            }),
        )
        .route(
            "/__omniauth/clock",
            post(clock::<Burgerauth>).with_state(Arc::downgrade(emulator)),
        )
}

/// A restart through the control API: `forget` drops what the restart loses before the
/// answer, so a client that got the `202` finds the restarted state; then, once the answer
/// had time to leave, `restart` cuts every connection (this one included) and serves again.
fn restart_after_answer<T, Fut>(
    weak: &Weak<T>,
    service: &'static str,
    forget: impl FnOnce(&T),
    restart: impl FnOnce(Arc<T>) -> Fut + Send + 'static,
) -> Response
where
    T: Send + Sync + 'static,
    Fut: std::future::Future<Output = std::io::Result<()>> + Send,
{
    let emulator = match upgrade(weak) {
        Ok(e) => e,
        Err(r) => return r,
    };
    forget(&emulator);
    drop(emulator);
    let weak = weak.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Some(emulator) = weak.upgrade()
            && let Err(err) = restart(emulator).await
        {
            tracing::warn!(error = %err, service, "the emulator did not come back");
        }
    });
    (
        StatusCode::ACCEPTED,
        [(header::CONNECTION, "close")],
        Json(json!({ "restarting": true })),
    )
        .into_response()
}

/// GoScrobble: a restart (the rate limiters reset), the clock (forward only) and a user's
/// ingress key.
pub(super) fn goscrobble(emulator: &Arc<GoScrobble>) -> Router {
    let users = Arc::downgrade(emulator);
    let restart = Arc::downgrade(emulator);
    common(emulator)
        .route(
            "/__omniauth/restart",
            post(move || async move {
                restart_after_answer(
                    &restart,
                    "goscrobble",
                    GoScrobble::forget_restart_state,
                    |emulator| async move { emulator.restart().await },
                )
            }),
        )
        .route(
            "/__omniauth/clock",
            post(clock::<GoScrobble>).with_state(Arc::downgrade(emulator)),
        )
        .route(
            "/__omniauth/users/{username}",
            get(move |Path(username): Path<String>| async move {
                let emulator = match upgrade(&users) {
                    Ok(e) => e,
                    Err(r) => return r,
                };
                match emulator.user(&username) {
                    Some(user) => Json(json!({
                        "uuid": user.uuid,
                        "username": user.username,
                        "email": user.email,
                        "ingress_key": user.ingress_key,
                        "admin": user.admin,
                        "moderator": user.moderator,
                        "active": user.active,
                    }))
                    .into_response(),
                    None => error(StatusCode::NOT_FOUND, "no such user"),
                }
            }),
        )
}

/// The email-link service: the outbox, the user's side of a login, a restart and the clock.
pub(super) fn maillink(emulator: &Arc<Maillink>) -> Router {
    let state = Arc::downgrade(emulator);
    common::<Maillink, Weak<Maillink>>(emulator)
        .route("/__omniauth/restart", post(restart_maillink))
        .route("/__omniauth/clock", post(clock::<Maillink>))
        .route("/__omniauth/outbox", get(outbox))
        .route("/__omniauth/logins/{auth_id}", get(login))
        .route("/__omniauth/logins/last/confirm", post(confirm_last))
        .route("/__omniauth/logins/{auth_id}/confirm", post(confirm))
        .route("/__omniauth/logins/{auth_id}/expire", post(expire))
        .with_state(state)
}

async fn restart_maillink(State(weak): Handle<Maillink>) -> Response {
    restart_after_answer(
        &weak,
        "maillink",
        Maillink::forget_restart_state,
        |emulator| async move { emulator.restart().await },
    )
}

async fn outbox(State(weak): Handle<Maillink>) -> Response {
    let emulator = match upgrade(&weak) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let list: Vec<Value> = emulator
        .outbox()
        .into_iter()
        .map(|email| {
            json!({
                "to": email.to,
                "username": email.username,
                "auth_id": email.auth_id,
                "link": email.link,
                "session_platform": email.session_platform,
            })
        })
        .collect();
    Json(list).into_response()
}

async fn login(State(weak): Handle<Maillink>, Path(auth_id): Path<String>) -> Response {
    let emulator = match upgrade(&weak) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(state) = emulator.login_state(&auth_id) else {
        return error(StatusCode::NOT_FOUND, "no such login");
    };
    let name = match state {
        LoginState::Pending => "pending",
        LoginState::Confirmed => "confirmed",
        LoginState::Consumed => "consumed",
        LoginState::Expired => "expired",
    };
    Json(json!({ "state": name, "polls": emulator.poll_count(&auth_id) })).into_response()
}

/// `204` when the login changed, `409` when it could not (not pending, expired, unknown).
fn changed(ok: bool, what: &str) -> Response {
    if ok {
        done()
    } else {
        error(StatusCode::CONFLICT, &format!("no pending login to {what}"))
    }
}

async fn confirm(State(weak): Handle<Maillink>, Path(auth_id): Path<String>) -> Response {
    match upgrade(&weak) {
        Ok(emulator) => changed(emulator.confirm(&auth_id), "confirm"),
        Err(response) => response,
    }
}

async fn confirm_last(State(weak): Handle<Maillink>) -> Response {
    match upgrade(&weak) {
        Ok(emulator) => changed(emulator.confirm_last(), "confirm"),
        Err(response) => response,
    }
}

async fn expire(State(weak): Handle<Maillink>, Path(auth_id): Path<String>) -> Response {
    match upgrade(&weak) {
        Ok(emulator) => changed(emulator.expire(&auth_id), "expire"),
        Err(response) => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_type_reads() {
        let cases = [
            (
                r#"{"type":"delay","ms":5}"#,
                Fault::Delay(Duration::from_millis(5)),
            ),
            (r#"{"type":"reset_mid_body"}"#, Fault::ResetMidBody),
            (r#"{"type":"truncated"}"#, Fault::Truncated),
            (
                r#"{"type":"html","status":502}"#,
                Fault::Html(StatusCode::BAD_GATEWAY),
            ),
            (r#"{"type":"oversized","bytes":10}"#, Fault::Oversized(10)),
            (r#"{"type":"wrong_content_type"}"#, Fault::WrongContentType),
            (
                r#"{"type":"empty","status":500}"#,
                Fault::Empty(StatusCode::INTERNAL_SERVER_ERROR),
            ),
            (r#"{"type":"invalid_utf8"}"#, Fault::InvalidUtf8),
            (r#"{"type":"not_json"}"#, Fault::NotJson),
            (
                r#"{"type":"status","status":429,"retry_after_secs":3}"#,
                Fault::rate_limited(RetryAfter::Seconds(3)),
            ),
        ];
        for (text, expected) in cases {
            let parsed: FaultJson = serde_json::from_str(text).unwrap();
            assert_eq!(parsed.into_fault().unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn bad_rules_are_refused() {
        for text in [
            r#"{"path":"/x","fault":{"type":"status","status":99}}"#,
            r#"{"path":"/x","fault":{"type":"status","status":429,"retry_after_secs":1,"retry_after_date_in_secs":1}}"#,
            r#"{"path":"/x","method":"GE T","fault":{"type":"not_json"}}"#,
        ] {
            let rule: RuleJson = serde_json::from_str(text).unwrap();
            assert!(rule.into_rule().is_err(), "{text}");
        }
        assert!(
            serde_json::from_str::<RuleJson>(r#"{"path":"/x","fault":{"type":"boom"}}"#).is_err()
        );
    }
}
