//! The HTTP face of the emulator: the three documented routes and the testkit-only link.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use serde_json::{Map, Value, json};

use super::state::{Refusal, Shared};
use super::{EMAIL_TAKEN, INVALID_BODY, PENDING_ERROR, USER_NOT_FOUND, USERNAME_TAKEN};

pub(crate) fn router(shared: Arc<Shared>, base_path: &str) -> Router {
    let api = Router::new()
        .route("/auth/registration", post(register))
        .route("/auth/login", post(login))
        .route("/auth/session/{auth_id}", get(poll))
        .route("/auth/confirm/{auth_id}", get(confirm))
        .with_state(shared);
    if base_path.is_empty() {
        api
    } else {
        Router::new().nest(base_path, api)
    }
}

async fn register(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Some(fields) = object(&body) else {
        return error(&shared, StatusCode::BAD_REQUEST, INVALID_BODY);
    };
    let (Some(username), Some(platform)) = (
        required(&fields, "username"),
        string(&fields, "session_platform"),
    ) else {
        return error(&shared, StatusCode::BAD_REQUEST, INVALID_BODY);
    };
    let email = match fields.get("email") {
        None | Some(Value::Null) => None,
        Some(Value::String(email)) if email.contains('@') => Some(email.as_str()),
        Some(_) => return error(&shared, StatusCode::BAD_REQUEST, INVALID_BODY),
    };
    match shared.register(username, email, platform) {
        Ok(token) => reply(&shared, StatusCode::OK, &json!({ "session_token": token })),
        Err(refusal) => refuse(&shared, refusal),
    }
}

async fn login(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Some(fields) = object(&body) else {
        return error(&shared, StatusCode::BAD_REQUEST, INVALID_BODY);
    };
    let (Some(username), Some(email), Some(platform)) = (
        required(&fields, "username"),
        required(&fields, "email"),
        string(&fields, "session_platform"),
    ) else {
        return error(&shared, StatusCode::BAD_REQUEST, INVALID_BODY);
    };
    if !email.contains('@') {
        return error(&shared, StatusCode::BAD_REQUEST, INVALID_BODY);
    }
    match shared.start_login(username, email, platform) {
        Ok((auth_id, expires_at)) => reply(
            &shared,
            StatusCode::OK,
            &json!({ "expiration_date": expires_at.timestamp(), "auth_id": auth_id }),
        ),
        Err(refusal) => refuse(&shared, refusal),
    }
}

async fn poll(State(shared): State<Arc<Shared>>, Path(auth_id): Path<String>) -> Response {
    match shared.poll(&auth_id) {
        Ok(token) => reply(&shared, StatusCode::OK, &json!({ "session_token": token })),
        Err(refusal) => refuse(&shared, refusal),
    }
}

async fn confirm(State(shared): State<Arc<Shared>>, Path(auth_id): Path<String>) -> Response {
    if !shared.confirm(&auth_id) {
        return refuse(&shared, Refusal::NotAuthorized);
    }
    let mut response = Response::new(Body::from(
        "<!DOCTYPE html><html><body><p>Login confirmed. You can close this page.</p></body></html>",
    ));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    with_date(&shared, response)
}

fn refuse(shared: &Shared, refusal: Refusal) -> Response {
    match refusal {
        Refusal::UsernameTaken => error(shared, StatusCode::CONFLICT, USERNAME_TAKEN),
        Refusal::EmailTaken => error(shared, StatusCode::CONFLICT, EMAIL_TAKEN),
        Refusal::UserNotFound => error(shared, StatusCode::NOT_FOUND, USER_NOT_FOUND),
        Refusal::NotAuthorized => error(shared, StatusCode::BAD_REQUEST, PENDING_ERROR),
    }
}

fn error(shared: &Shared, status: StatusCode, message: &str) -> Response {
    reply(shared, status, &json!({ "error": message }))
}

fn reply(shared: &Shared, status: StatusCode, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    with_date(shared, response)
}

/// Stamps the answer with the emulated server clock (hyper keeps a `Date` that is there).
fn with_date(shared: &Shared, mut response: Response) -> Response {
    let now = SystemTime::from(shared.now());
    if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(now)) {
        response.headers_mut().insert(header::DATE, value);
    }
    response
}

fn object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice(body).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

fn string<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    fields.get(name)?.as_str()
}

/// A string field that must not be empty.
fn required<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    string(fields, name).filter(|value| !value.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::Maillink;
    use super::*;

    async fn send(
        client: &reqwest::Client,
        method: http::Method,
        url: String,
        body: Option<Value>,
    ) -> (StatusCode, Value, Option<String>) {
        let mut request = client.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let date = response
            .headers()
            .get(header::DATE)
            .map(|d| d.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value, date)
    }

    #[tokio::test]
    async fn the_documented_flow_over_http() {
        let maillink = Maillink::builder()
            .base_path("/api")
            .clock_skew(chrono::TimeDelta::hours(2))
            .start()
            .await
            .unwrap();
        let http = reqwest::Client::new();
        let url = |path: &str| maillink.server().url(path);
        let (status, body, _) = send(
            &http,
            http::Method::POST,
            url("/auth/registration"),
            Some(json!({"username": "alice", "email": "alice@example.com", "session_platform": "cURL"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            maillink
                .token_owner(body["session_token"].as_str().unwrap())
                .is_some()
        );

        let (status, body, date) = send(
            &http,
            http::Method::POST,
            url("/auth/login"),
            Some(json!({"username": "alice", "email": "alice@example.com", "session_platform": "cURL"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let auth_id = body["auth_id"].as_str().unwrap().to_owned();
        let expires = body["expiration_date"].as_i64().unwrap();
        let date = httpdate::parse_http_date(&date.unwrap()).unwrap();
        let server_now = chrono::DateTime::<chrono::Utc>::from(date).timestamp();
        // The lifetime is measured on the server's (skewed) clock, as the Date header shows.
        assert!(
            (590..=601).contains(&(expires - server_now)),
            "{expires} {server_now}"
        );

        let path = format!("/auth/session/{auth_id}");
        let pending = send(&http, http::Method::GET, url(&path), None).await;
        assert_eq!(pending.0, StatusCode::BAD_REQUEST);
        assert_eq!(pending.1, json!({"error": PENDING_ERROR}));
        let unknown = send(&http, http::Method::GET, url("/auth/session/nope"), None).await;
        assert_eq!((unknown.0, unknown.1), (pending.0, pending.1.clone()));

        let email = maillink.outbox().pop().unwrap();
        assert_eq!(email.to, "alice@example.com");
        let (status, _, _) = send(&http, http::Method::GET, email.link.clone(), None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body, _) = send(&http, http::Method::GET, url(&path), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body["session_token"].as_str().unwrap().ends_with("=="));
        let used = send(&http, http::Method::GET, url(&path), None).await;
        assert_eq!((used.0, used.1), (pending.0, pending.1.clone()));
        assert_eq!(maillink.sessions_of("alice"), vec!["cURL", "cURL"]);

        // An expired id, confirmed or not, and a malformed one: the same body again.
        let login_body =
            json!({"username": "alice", "email": "ALICE@example.com", "session_platform": "x"});
        let (_, body, _) = send(
            &http,
            http::Method::POST,
            url("/auth/login"),
            Some(login_body),
        )
        .await;
        let expired_id = body["auth_id"].as_str().unwrap().to_owned();
        assert!(maillink.confirm(&expired_id));
        assert!(maillink.expire(&expired_id));
        for path in [
            format!("/auth/session/{expired_id}"),
            "/auth/session/%2E%2E%2Fadmin".to_owned(),
        ] {
            let answer = send(&http, http::Method::GET, url(&path), None).await;
            assert_eq!(
                (answer.0, answer.1),
                (pending.0, pending.1.clone()),
                "{path}"
            );
        }
    }

    #[tokio::test]
    async fn refusals_use_the_error_shape() {
        let maillink = Maillink::start().await.unwrap();
        let http = reqwest::Client::new();
        let url = |path: &str| maillink.server().url(path);
        let reg = |body: Value| {
            send(
                &http,
                http::Method::POST,
                url("/auth/registration"),
                Some(body),
            )
        };
        assert_eq!(
            reg(json!({"username": "bob", "session_platform": "x"}))
                .await
                .0,
            StatusCode::OK
        );
        let taken = reg(json!({"username": "bob", "session_platform": "x"})).await;
        assert_eq!(
            (taken.0, taken.1),
            (StatusCode::CONFLICT, json!({"error": USERNAME_TAKEN}))
        );
        let bad = reg(json!({"username": "", "session_platform": "x"})).await;
        assert_eq!(
            (bad.0, bad.1),
            (StatusCode::BAD_REQUEST, json!({"error": INVALID_BODY}))
        );
        let bad = reg(json!({"username": "z", "email": "no-at", "session_platform": "x"})).await;
        assert_eq!(bad.0, StatusCode::BAD_REQUEST);
        // Bob has no email: nobody can confirm a login for him.
        let login = send(
            &http,
            http::Method::POST,
            url("/auth/login"),
            Some(json!({"username": "bob", "email": "bob@example.com", "session_platform": "x"})),
        )
        .await;
        assert_eq!(
            (login.0, login.1),
            (StatusCode::NOT_FOUND, json!({"error": USER_NOT_FOUND}))
        );
        let confirm = send(&http, http::Method::GET, url("/auth/confirm/nope"), None).await;
        assert_eq!(confirm.0, StatusCode::BAD_REQUEST);
    }
}
