//! REST routes beyond login, sessions and history: groups, memberships, storage, status,
//! profile, one contact, sending messages, and the cloud's stats. Records are in
//! [`records`](super::records), cloud variables in [`vars`](super::vars).
//!
//! Who may see what (the spec gives no answers, so these are **assumptions**, listed in the
//! module docs of [`Resonite`](super::Resonite)): a user's storage, memberships and contact
//! list are the user's alone; a group's members and storage are its members'; anyone may
//! read a group and a user's status. Refusals are `403` with an empty body, unknown ids
//! `404`, as everywhere in this API (spec §1.9).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use http::StatusCode;
use serde_json::{Value, json};

use super::data::{self, NEVER};
use super::hub::Hub;
use super::routes::{Shared, forbidden, plain};
use super::{INVALID_REQUEST, records, vars};

/// What the routes of this module need: the server's state and the hub (for statuses and
/// to push messages sent over REST).
#[derive(Clone)]
pub(crate) struct Cloud {
    pub(crate) state: Shared,
    pub(crate) hub: Hub,
}

pub(crate) fn router(state: Shared, hub: Hub) -> Router {
    let cloud = Cloud { state, hub };
    Router::new()
        .route("/users/{user}/messages", post(send_message))
        .route("/users/{user}/contacts/{contact}", get(one_contact))
        .route("/users/{user}/status", get(status))
        .route("/users/{user}/profile", put(update_profile))
        .route("/users/{user}/storage", get(user_storage))
        .route("/users/{user}/memberships", get(memberships))
        .route("/groups/{group}", get(group))
        .route("/groups/{group}/members", get(members))
        .route("/groups/{group}/members/{user}", get(member))
        .route("/groups/{group}/storage", get(group_storage))
        .route("/stats/cloudStats", get(cloud_stats))
        .route("/stats/instanceOnline/{machine}", post(instance_online))
        .merge(records::router())
        .merge(vars::router())
        .with_state(cloud)
}

fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "")
}

fn bad_request() -> Response {
    plain(StatusCode::BAD_REQUEST, INVALID_REQUEST)
}

/// The caller, when the `Authorization` header is a live token.
pub(crate) fn caller(cloud: &Cloud, headers: &HeaderMap) -> Option<String> {
    cloud.state.authorize(headers).ok()
}

async fn send_message(
    State(cloud): State<Cloud>,
    Path(recipient): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(sender) = caller(&cloud, &headers) else {
        return forbidden();
    };
    let Ok(Value::Object(message)) = serde_json::from_slice::<Value>(&body) else {
        return bad_request();
    };
    let text = |key: &str| message.get(key).and_then(Value::as_str).unwrap_or("");
    if text("senderId") != sender {
        return forbidden();
    }
    if !text("id").starts_with("MSG-") || text("recipientId") != recipient {
        return bad_request();
    }
    let mut data = cloud.state.lock();
    if !data.accounts.iter().any(|a| a.user_id == recipient) {
        return not_found();
    }
    let now = cloud.state.now();
    let mut stored = Value::Object(message.clone());
    stored["sendTime"] = Value::String(data::timestamp(now));
    stored["lastUpdateTime"] = Value::String(data::timestamp(now));
    stored["readTime"] = Value::Null;
    let mut copies = Vec::new();
    for owner in [sender.as_str(), recipient.as_str()] {
        let mut copy = stored.clone();
        copy["ownerId"] = Value::String(owner.to_owned());
        let other = if owner == sender { &recipient } else { &sender };
        copy["otherId"] = Value::String(other.clone());
        data.messages
            .entry(owner.to_owned())
            .or_default()
            .push(super::state::StoredMessage {
                json: copy.clone(),
                send_time: now,
            });
        copies.push(copy);
    }
    drop(data);
    // The recipient's hub connections hear of it as of a message sent over the hub.
    let mut received = copies[1].clone();
    if let Some(map) = received.as_object_mut() {
        map.remove("otherId");
    }
    cloud
        .hub
        .send_event(&recipient, "ReceiveMessage", &json!([received]));
    axum::Json(copies.swap_remove(0)).into_response()
}

async fn one_contact(
    State(cloud): State<Cloud>,
    Path((user, contact)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if caller(&cloud, &headers).as_deref() != Some(user.as_str()) {
        return forbidden();
    }
    let data = cloud.state.lock();
    data.contacts
        .get(&user)
        .into_iter()
        .flatten()
        .find(|c| c.json.get("id").and_then(Value::as_str) == Some(contact.as_str()))
        .map_or_else(not_found, |c| axum::Json(c.json.clone()).into_response())
}

/// What anyone sees of a user's status: the last broadcast, `Invisible` shown as
/// `Offline`; someone never seen is `Offline` with string `userSessionId` and `appVersion`
/// (real clients reject `null` there, spec §0.1).
async fn status(State(cloud): State<Cloud>, Path(user): Path<String>) -> Response {
    if !cloud
        .state
        .lock()
        .accounts
        .iter()
        .any(|a| a.user_id == user)
    {
        return not_found();
    }
    let status = cloud.hub.status(&user).map_or_else(
        || {
            json!({
                "userId": user,
                "userSessionId": "",
                "sessionType": "Unknown",
                "outputDevice": "Unknown",
                "isMobile": false,
                "isPresent": false,
                "onlineStatus": "Offline",
                "lastPresenceTimestamp": NEVER,
                "lastStatusChange": NEVER,
                "hashSalt": "",
                "appVersion": "",
                "compatibilityHash": null,
                "publicRSAKey": null,
                "sessions": [],
                "currentSessionIndex": -1
            })
        },
        |mut status| {
            if status
                .get("onlineStatus")
                .is_some_and(|s| s == "Invisible" || s == 1)
            {
                status["onlineStatus"] = Value::String("Offline".into());
                status["sessions"] = json!([]);
                status["currentSessionIndex"] = json!(-1);
            }
            status
        },
    );
    axum::Json(status).into_response()
}

async fn update_profile(
    State(cloud): State<Cloud>,
    Path(user): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if caller(&cloud, &headers).as_deref() != Some(user.as_str()) {
        return forbidden();
    }
    let Ok(profile @ Value::Object(_)) = serde_json::from_slice::<Value>(&body) else {
        return bad_request();
    };
    // SUD: the whole profile object is replaced.
    cloud.state.lock().profiles.insert(user, profile);
    StatusCode::OK.into_response()
}

fn storage_json(owner: &str, used: i64, quota: i64) -> Value {
    json!({
        "id": owner,
        "ownerId": owner,
        "usedBytes": used,
        "quotaBytes": quota,
        "fullQuotaBytes": quota,
        "shareableQuotaBytes": 0
    })
}

/// Bytes a user's records take: the sum of their asset manifests.
fn used_bytes(data: &super::state::Data, owner: &str) -> i64 {
    data.records
        .iter()
        .filter(|r| r.get("ownerId").and_then(Value::as_str) == Some(owner))
        .flat_map(|r| {
            r.get("assetManifest")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|a| a.get("bytes").and_then(Value::as_i64))
        .sum()
}

/// A user's quota: 1 GiB, the storage entitlement every emulated account has.
const USER_QUOTA: i64 = 1_073_741_824;

async fn user_storage(
    State(cloud): State<Cloud>,
    Path(user): Path<String>,
    headers: HeaderMap,
) -> Response {
    let me = caller(&cloud, &headers);
    let data = cloud.state.lock();
    if !data.accounts.iter().any(|a| a.user_id == user) {
        return not_found();
    }
    if me.as_deref() != Some(user.as_str()) {
        return forbidden();
    }
    axum::Json(storage_json(&user, used_bytes(&data, &user), USER_QUOTA)).into_response()
}

async fn memberships(
    State(cloud): State<Cloud>,
    Path(user): Path<String>,
    headers: HeaderMap,
) -> Response {
    if caller(&cloud, &headers).as_deref() != Some(user.as_str()) {
        return forbidden();
    }
    let data = cloud.state.lock();
    let mut list: Vec<Value> = data
        .groups
        .values()
        .filter(|g| g.members.contains(&user))
        .map(|g| {
            json!({
                "id": g.json["id"],
                "ownerId": user,
                "groupName": g.json["name"]
            })
        })
        .collect();
    list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    axum::Json(Value::Array(list)).into_response()
}

/// The group, its quota fields for members only (what the `resonite` crate's model says).
async fn group(
    State(cloud): State<Cloud>,
    Path(group): Path<String>,
    headers: HeaderMap,
) -> Response {
    let me = caller(&cloud, &headers);
    let data = cloud.state.lock();
    let Some(stored) = data.groups.get(&group) else {
        return not_found();
    };
    let mut json = stored.json.clone();
    if data.may_access(me.as_deref(), &group) {
        json["quotaBytes"] = json!(
            stored
                .json
                .get("quotaBytes")
                .cloned()
                .unwrap_or(json!(USER_QUOTA))
        );
        json["usedBytes"] = json!(used_bytes(&data, &group));
    } else if let Some(map) = json.as_object_mut() {
        map.remove("quotaBytes");
        map.remove("usedBytes");
    }
    axum::Json(json).into_response()
}

fn member_json(group: &str, user: &str) -> Value {
    json!({"id": user, "ownerId": group, "quotaBytes": -1, "usedBytes": 0})
}

/// A member-only view of a group: `404` for an unknown group, `403` for a non-member.
fn members_of(cloud: &Cloud, headers: &HeaderMap, group: &str) -> Result<Vec<String>, StatusCode> {
    let me = caller(cloud, headers);
    let data = cloud.state.lock();
    let Some(stored) = data.groups.get(group) else {
        return Err(StatusCode::NOT_FOUND);
    };
    if !data.may_access(me.as_deref(), group) {
        return Err(StatusCode::FORBIDDEN);
    }
    Ok(stored.members.clone())
}

async fn members(
    State(cloud): State<Cloud>,
    Path(group): Path<String>,
    headers: HeaderMap,
) -> Response {
    match members_of(&cloud, &headers, &group) {
        Ok(members) => axum::Json(Value::Array(
            members.iter().map(|m| member_json(&group, m)).collect(),
        ))
        .into_response(),
        Err(refused) => plain(refused, ""),
    }
}

async fn member(
    State(cloud): State<Cloud>,
    Path((group, user)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match members_of(&cloud, &headers, &group) {
        Ok(members) if members.contains(&user) => {
            axum::Json(member_json(&group, &user)).into_response()
        }
        Ok(_) => not_found(),
        Err(refused) => plain(refused, ""),
    }
}

async fn group_storage(
    State(cloud): State<Cloud>,
    Path(group): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = members_of(&cloud, &headers, &group) {
        return plain(refused, "");
    }
    let data = cloud.state.lock();
    let quota = data
        .groups
        .get(&group)
        .and_then(|g| g.json.get("quotaBytes"))
        .and_then(Value::as_i64)
        .unwrap_or(USER_QUOTA);
    axum::Json(storage_json(&group, used_bytes(&data, &group), quota)).into_response()
}

/// The `resonite` crate's `CloudStatistics` names; the emulator has no jobs.
async fn cloud_stats(State(cloud): State<Cloud>) -> Response {
    axum::Json(json!({
        "captureTimestamp": data::timestamp(cloud.state.now()),
        "assetMetadataJobs": 0,
        "assetVariantJobs": 0,
        "computedAssetVariants": 0,
        "migrationRecordsPerMinute": 0.0,
        "migrationTasksInQueue": 0.0,
        "recordPreprocessJobs": 0,
        "uploadJobs": 0
    }))
    .into_response()
}

async fn instance_online(State(cloud): State<Cloud>, Path(machine): Path<String>) -> Response {
    cloud.state.lock().machines_online.push(machine);
    StatusCode::OK.into_response()
}
