//! Cloud variables: `/users|groups/{id}/vars/{path}` (read, write) and `POST /readvars`
//! (shapes from resonitepy).
//!
//! **Assumptions**: a variable's path is `<definition owner>.<subpath>`; its definition
//! lists who may read and write it with the words `anyone`, `definition_owner` and
//! `variable_owner` (a group as owner means any member). An undefined variable is `404`, a
//! refused read or write `403`. A value never written reads as the definition's default.
//! `readvars` leaves out what the caller may not read or what is not defined.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::StatusCode;
use serde_json::{Value, json};

use super::INVALID_REQUEST;
use super::cloud::{Cloud, caller};
use super::data;
use super::routes::{forbidden, plain};
use super::state::Data;

pub(crate) fn router() -> Router<Cloud> {
    Router::new()
        .route("/users/{owner}/vars/{path}", get(read).put(write))
        .route("/groups/{owner}/vars/{path}", get(read).put(write))
        .route("/readvars", post(read_many))
}

/// May `who` do what the permission list `key` of `definition` allows, on `owner`'s value?
fn permitted(data: &Data, definition: &Value, key: &str, who: Option<&str>, owner: &str) -> bool {
    let words: Vec<&str> = definition
        .get(key)
        .and_then(Value::as_array)
        .map(|w| w.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let definer = definition
        .get("definitionOwnerId")
        .and_then(Value::as_str)
        .unwrap_or("");
    words.iter().any(|word| match *word {
        "anyone" => true,
        "definition_owner" => data.may_access(who, definer),
        "variable_owner" => data.may_access(who, owner),
        _ => false,
    })
}

/// The value of `owner`'s `path` (or the definition's default), with its definition.
fn lookup(data: &Data, owner: &str, path: &str) -> Option<(Value, Value)> {
    let definition = data.var_definitions.get(path)?.clone();
    let stored = data
        .var_values
        .get(&(owner.to_owned(), path.to_owned()))
        .cloned();
    let variable = stored.unwrap_or_else(|| {
        json!({
            "ownerId": owner,
            "path": path,
            "value": definition.get("defaultValue").cloned().unwrap_or(Value::Null),
            "partitionKey": owner,
            "rowKey": path,
            "timestamp": null,
            "eTag": null
        })
    });
    Some((variable, definition))
}

async fn read(
    State(cloud): State<Cloud>,
    Path((owner, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let me = caller(&cloud, &headers);
    let data = cloud.state.lock();
    let Some((variable, definition)) = lookup(&data, &owner, &path) else {
        return plain(StatusCode::NOT_FOUND, "");
    };
    if !permitted(&data, &definition, "readPermissions", me.as_deref(), &owner) {
        return forbidden();
    }
    axum::Json(variable).into_response()
}

/// The value from the body: resonitepy's `{ownerId, path, value}`, a JSON string, or (as
/// `ReCon` sends it) the bare text.
fn value_of(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => match map.get("value") {
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        },
        Ok(Value::String(text)) => Some(text),
        Ok(other) => Some(other.to_string()),
        Err(_) => std::str::from_utf8(body).ok().map(str::to_owned),
    }
}

async fn write(
    State(cloud): State<Cloud>,
    Path((owner, path)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(me) = caller(&cloud, &headers) else {
        return forbidden();
    };
    let Some(value) = value_of(&body) else {
        return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST);
    };
    let mut data = cloud.state.lock();
    let Some((_, definition)) = lookup(&data, &owner, &path) else {
        return plain(StatusCode::NOT_FOUND, "");
    };
    if !permitted(&data, &definition, "writePermissions", Some(&me), &owner) {
        return forbidden();
    }
    let variable = json!({
        "ownerId": owner,
        "path": path,
        "value": value,
        "partitionKey": owner,
        "rowKey": path,
        "timestamp": data::timestamp(cloud.state.now()),
        "eTag": format!("W/\"{}\"", uuid::Uuid::new_v4())
    });
    data.var_values.insert((owner, path), variable);
    StatusCode::OK.into_response()
}

async fn read_many(State(cloud): State<Cloud>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(Value::Array(keys)) = serde_json::from_slice::<Value>(&body) else {
        return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST);
    };
    let me = caller(&cloud, &headers);
    let data = cloud.state.lock();
    let mut out = Vec::new();
    for key in &keys {
        let (Some(owner), Some(path)) = (
            key.get("ownerId").and_then(Value::as_str),
            key.get("path").and_then(Value::as_str),
        ) else {
            return plain(StatusCode::BAD_REQUEST, INVALID_REQUEST);
        };
        if let Some((variable, definition)) = lookup(&data, owner, path)
            && permitted(&data, &definition, "readPermissions", me.as_deref(), owner)
        {
            out.push(json!({"variable": variable, "definition": definition}));
        }
    }
    axum::Json(Value::Array(out)).into_response()
}
