//! Records: `/users|groups/{id}/records?path=`, `/users|groups/{id}/records/{recordId}` and
//! `POST /records/pagedSearch` (routes from resonitepy and `ReCon`).
//!
//! **Assumptions** (no source shows the server's rules): the owner (or a member of the
//! owning group) sees every record; others see only `isPublic` ones — a folder listing leaves
//! the private ones out, a private record asked for by id is `403`. An unknown owner or
//! record is `404`. The search lists public, listed records only, newest change first
//! unless `sortBy` says otherwise, and answers `{records, hasMoreResults}`.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::StatusCode;
use serde_json::{Value, json};

use super::INVALID_REQUEST;
use super::cloud::{Cloud, caller};
use super::routes::{field, forbidden, lowered, plain};

pub(crate) fn router() -> Router<Cloud> {
    Router::new()
        .route("/users/{owner}/records", get(list))
        .route("/groups/{owner}/records", get(list))
        .route("/users/{owner}/records/{record}", get(one))
        .route("/groups/{owner}/records/{record}", get(one))
        .route("/records/pagedSearch", post(search))
}

fn text<'a>(record: &'a Value, key: &str) -> &'a str {
    record.get(key).and_then(Value::as_str).unwrap_or("")
}

fn is_public(record: &Value) -> bool {
    record.get("isPublic").and_then(Value::as_bool) == Some(true)
}

/// Paths compare ignoring case, with either slash (the API writes backslashes).
fn same_path(a: &str, b: &str) -> bool {
    a.replace('/', "\\")
        .eq_ignore_ascii_case(&b.replace('/', "\\"))
}

async fn list(
    State(cloud): State<Cloud>,
    Path(owner): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let query = lowered(query);
    let Some(path) = query.get("path").filter(|p| !p.trim().is_empty()) else {
        return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST);
    };
    let me = caller(&cloud, &headers);
    let data = cloud.state.lock();
    if !data.owner_exists(&owner) {
        return plain(StatusCode::NOT_FOUND, "");
    }
    let all = data.may_access(me.as_deref(), &owner);
    let list: Vec<Value> = data
        .records
        .iter()
        .filter(|r| text(r, "ownerId") == owner && same_path(text(r, "path"), path))
        .filter(|r| all || is_public(r))
        .cloned()
        .collect();
    axum::Json(Value::Array(list)).into_response()
}

async fn one(
    State(cloud): State<Cloud>,
    Path((owner, record)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let me = caller(&cloud, &headers);
    let data = cloud.state.lock();
    let Some(found) = data
        .records
        .iter()
        .find(|r| text(r, "ownerId") == owner && text(r, "id") == record)
    else {
        return plain(StatusCode::NOT_FOUND, "");
    };
    if !is_public(found) && !data.may_access(me.as_deref(), &owner) {
        return forbidden();
    }
    axum::Json(found.clone()).into_response()
}

fn sort_key(record: &Value, by: &str) -> Value {
    let key = match by {
        "CreationDate" => "creationTime",
        "FirstPublishTime" => "firstPublishTime",
        "TotalVisits" => "visits",
        "Name" => "name",
        _ => "lastModificationTime",
    };
    record.get(key).cloned().unwrap_or(Value::Null)
}

fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        _ => a.as_str().unwrap_or("").cmp(b.as_str().unwrap_or("")),
    }
}

async fn search(State(cloud): State<Cloud>, body: Bytes) -> Response {
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST);
    };
    let number = |key: &str, default: u64| match field(&request, key) {
        None => Some(default),
        Some(v) => v.as_u64(),
    };
    let (Some(count), Some(offset)) = (number("count", 10), number("offset", 0)) else {
        return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST);
    };
    let record_type = field(&request, "recordType").and_then(Value::as_str);
    let tags: Vec<&str> = field(&request, "requiredTags")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let by = field(&request, "sortBy")
        .and_then(Value::as_str)
        .unwrap_or("");
    let ascending = field(&request, "sortDirection")
        .and_then(Value::as_str)
        .is_some_and(|d| d.eq_ignore_ascii_case("ascending"));
    let data = cloud.state.lock();
    let mut found: Vec<&Value> = data
        .records
        .iter()
        .filter(|r| is_public(r) && r.get("isListed").and_then(Value::as_bool) == Some(true))
        .filter(|r| record_type.is_none_or(|t| text(r, "recordType") == t))
        .filter(|r| {
            let have: Vec<&str> = r
                .get("tags")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            tags.iter().all(|t| have.contains(t))
        })
        .collect();
    found.sort_by(|a, b| compare(&sort_key(a, by), &sort_key(b, by)));
    if !ascending {
        found.reverse();
    }
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let take = usize::try_from(count).unwrap_or(usize::MAX);
    let page: Vec<Value> = found
        .iter()
        .skip(start)
        .take(take)
        .map(|r| (*r).clone())
        .collect();
    let more = found.len() > start.saturating_add(page.len());
    axum::Json(json!({"records": page, "hasMoreResults": more})).into_response()
}
