//! The hub functions (spec §2.3) as the emulator answers them. Target names are matched
//! ignoring case, as ASP.NET Core does.

use chrono::Utc;
use serde_json::{Map, Value, json};

use super::state::{HubState, lock};
use crate::resonite::data::{self, NEVER, timestamp};
use crate::resonite::state::{StoredContact, StoredMessage};

/// The completion error for arguments the server cannot bind (ASP.NET's text without
/// detailed errors).
fn failed(target: &str) -> String {
    format!("Failed to invoke '{target}' due to an error on the server.")
}

/// The non-stream functions the hub serves.
const FUNCTIONS: &[&str] = &[
    "InitializeStatus",
    "RequestStatus",
    "BroadcastStatus",
    "ListenOnContact",
    "ListenOnKey",
    "SendMessage",
    "MarkMessagesRead",
    "UpdateContact",
    "BroadcastSession",
    "BroadcastSessionEnded",
];

/// Whether `target` is a stream function (invoked with type 4).
pub(crate) fn is_stream(target: &str) -> bool {
    target.eq_ignore_ascii_case("InitializeContacts")
}

/// Whether `target` is a non-stream function the hub serves.
pub(crate) fn is_known(target: &str) -> bool {
    FUNCTIONS.iter().any(|f| f.eq_ignore_ascii_case(target))
}

/// The items of a stream function, all computed at its start.
pub(crate) fn stream_items(
    hub: &HubState,
    conn: u64,
    user: &str,
    target: &str,
    args: &[Value],
) -> Result<Vec<Value>, String> {
    if !args.is_empty() {
        return Err(failed(target));
    }
    let Value::Object(mut answer) = initialize_status(hub, conn, user) else {
        return Ok(Vec::new());
    };
    match answer.remove("contacts") {
        Some(Value::Array(contacts)) => Ok(contacts),
        _ => Ok(Vec::new()),
    }
}

/// Runs one function; `Ok(result)` (`Null` for void) or `Err(completion error)`.
pub(crate) fn dispatch(
    hub: &HubState,
    conn: u64,
    user: &str,
    target: &str,
    args: &[Value],
) -> Result<Value, String> {
    let is = |name: &str| target.eq_ignore_ascii_case(name);
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(failed(target))
        }
    };
    if is("InitializeStatus") {
        arity(0)?;
        Ok(initialize_status(hub, conn, user))
    } else if is("RequestStatus") {
        arity(2)?;
        if !args[1].is_boolean() {
            return Err(failed(target));
        }
        request_status(hub, conn, user, &args[0]).map_err(|()| failed(target))
    } else if is("BroadcastStatus") {
        arity(2)?;
        broadcast_status(hub, user, &args[0], &args[1]).map_err(|()| failed(target))
    } else if is("ListenOnContact") {
        arity(1)?;
        let contact = args[0].as_str().ok_or_else(|| failed(target))?.to_owned();
        if let Some(c) = lock(&hub.conns).get_mut(&conn) {
            c.contacts.insert(contact);
        }
        Ok(Value::Null)
    } else if is("ListenOnKey") {
        arity(1)?;
        let key = args[0].as_str().ok_or_else(|| failed(target))?.to_owned();
        if let Some(c) = lock(&hub.conns).get_mut(&conn) {
            c.keys.insert(key);
        }
        Ok(Value::Null)
    } else if is("SendMessage") {
        arity(1)?;
        send_message(hub, user, &args[0]).map_err(|()| failed(target))
    } else if is("MarkMessagesRead") {
        arity(1)?;
        mark_read(hub, user, &args[0]).map_err(|()| failed(target))
    } else if is("UpdateContact") {
        arity(1)?;
        update_contact(hub, user, &args[0]).map_err(|()| failed(target))
    } else if is("BroadcastSession") || is("BroadcastSessionEnded") {
        // Undocumented everywhere: accepted and logged, no effect.
        Ok(Value::Null)
    } else {
        Err(format!("Unknown hub method '{target}'"))
    }
}

/// The status others see of `user`: the last broadcast (an `Invisible` one shown as
/// `Offline`), or an offline status when none.
pub(crate) fn visible_status(hub: &HubState, user: &str) -> Value {
    let stored = lock(&hub.statuses).get(user).cloned();
    let mut status = stored.unwrap_or_else(|| offline_status(user));
    let invisible = status
        .get("onlineStatus")
        .is_some_and(|s| s == "Invisible" || s == 1);
    if invisible {
        status["onlineStatus"] = Value::String("Offline".into());
        status["sessions"] = json!([]);
        status["currentSessionIndex"] = json!(-1);
    }
    status
}

fn offline_status(user: &str) -> Value {
    json!({
        "userId": user,
        "userSessionId": uuid::Uuid::new_v4().to_string(),
        "sessionType": "Unknown",
        "outputDevice": "Unknown",
        "isMobile": false,
        "isPresent": false,
        "onlineStatus": "Offline",
        "lastPresenceTimestamp": NEVER,
        "lastStatusChange": NEVER,
        "hashSalt": null,
        "appVersion": "",
        "compatibilityHash": null,
        "publicRSAKey": null,
        "sessions": [],
        "currentSessionIndex": -1
    })
}

fn initialize_status(hub: &HubState, conn: u64, user: &str) -> Value {
    if let Some(c) = lock(&hub.conns).get_mut(&conn) {
        c.initialized = true;
    }
    let contacts: Vec<Value> = hub
        .resonite
        .lock()
        .contacts
        .get(user)
        .into_iter()
        .flatten()
        .map(|c| c.json.clone())
        .collect();
    let contacts: Vec<Value> = contacts
        .into_iter()
        .map(|mut contact| {
            let id = contact
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            contact["userStatus"] = visible_status(hub, &id);
            contact
        })
        .collect();
    json!({ "contacts": contacts })
}

fn request_status(hub: &HubState, conn: u64, user: &str, who: &Value) -> Result<Value, ()> {
    let users = match who {
        Value::Null => hub.accepted_contacts(user),
        Value::String(id) => vec![id.clone()],
        _ => return Err(()),
    };
    for id in users {
        let status = visible_status(hub, &id);
        hub.invoke_one(conn, "ReceiveStatusUpdate", &json!([status]));
    }
    Ok(Value::Null)
}

/// Delivers `user`'s visible status to the connections that follow it.
pub(crate) fn deliver_status(hub: &HubState, user: &str, only: Option<&[String]>) -> usize {
    let status = visible_status(hub, user);
    let followers: Vec<String> = {
        let data = hub.resonite.lock();
        data.contacts
            .iter()
            .filter(|(_, list)| {
                list.iter().any(|c| {
                    c.json.get("id").and_then(Value::as_str) == Some(user)
                        && c.json.get("contactStatus").and_then(Value::as_str) == Some("Accepted")
                })
            })
            .map(|(owner, _)| owner.clone())
            .collect()
    };
    hub.invoke(
        |c| {
            c.user_id != user
                && only.is_none_or(|ids| ids.contains(&c.user_id))
                && ((c.initialized && followers.contains(&c.user_id)) || c.contacts.contains(user))
        },
        "ReceiveStatusUpdate",
        &json!([status]),
    )
}

fn broadcast_status(
    hub: &HubState,
    user: &str,
    status: &Value,
    target: &Value,
) -> Result<Value, ()> {
    let (Value::Object(_), Value::Object(target)) = (status, target) else {
        return Err(());
    };
    // ASP.NET binds `group` as an enum (a number or a name) and `targetIds` as a list.
    let group_ok = target
        .get("group")
        .is_none_or(|g| g.is_i64() || g.is_u64() || g.is_string());
    let ids_ok = target.get("targetIds").is_none_or(|ids| {
        ids.is_null()
            || ids
                .as_array()
                .is_some_and(|l| l.iter().all(Value::is_string))
    });
    if !group_ok || !ids_ok {
        return Err(());
    }
    let mut status = status.clone();
    status["userId"] = Value::String(user.to_owned());
    if status.get("lastStatusChange").is_none_or(Value::is_null) {
        status["lastStatusChange"] = Value::String(timestamp(hub.resonite.now()));
    }
    lock(&hub.statuses).insert(user.to_owned(), status);
    let only: Option<Vec<String>> = match target.get("group").and_then(Value::as_i64) {
        Some(2) => Some(
            target
                .get("targetIds")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    };
    deliver_status(hub, user, only.as_deref());
    Ok(Value::Null)
}

fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
}

fn send_message(hub: &HubState, user: &str, message: &Value) -> Result<Value, ()> {
    let Value::Object(message) = message else {
        return Err(());
    };
    let id = text(message, "id").filter(|id| !id.is_empty()).ok_or(())?;
    let recipient = text(message, "recipientId").ok_or(())?;
    if text(message, "senderId").is_some_and(|s| s != user) {
        return Err(());
    }
    let known = hub
        .resonite
        .lock()
        .accounts
        .iter()
        .any(|a| a.user_id == recipient);
    if !known {
        return Err(());
    }
    let now = hub.resonite.now();
    let send_time = text(message, "sendTime")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map_or(now, |t| t.with_timezone(&Utc));
    let copy = |owner: &str, other: &str| {
        json!({
            "id": id,
            "ownerId": owner,
            "recipientId": recipient,
            "senderId": user,
            "senderUserSessionId": message.get("senderUserSessionId").cloned().unwrap_or(Value::Null),
            "otherId": other,
            "messageType": message.get("messageType").cloned().unwrap_or(json!("Text")),
            "content": text(message, "content").unwrap_or(""),
            "sendTime": timestamp(send_time),
            "lastUpdateTime": timestamp(now),
            "readTime": null,
            "isMigrated": false
        })
    };
    let sender_copy = copy(user, recipient);
    let recipient_copy = copy(recipient, user);
    {
        let mut data = hub.resonite.lock();
        for (owner, json) in [(user, &sender_copy), (recipient, &recipient_copy)] {
            let list = data.messages.entry(owner.to_owned()).or_default();
            list.retain(|m| m.json.get("id").and_then(Value::as_str) != Some(id));
            list.push(StoredMessage {
                json: json.clone(),
                send_time,
            });
        }
    }
    // The echo carries .NET's "never" as lastUpdateTime (spec §1.7).
    let mut echo = sender_copy;
    echo["lastUpdateTime"] = Value::String(NEVER.into());
    if let Some(map) = echo.as_object_mut() {
        map.remove("otherId");
    }
    let mut received = recipient_copy;
    if let Some(map) = received.as_object_mut() {
        map.remove("otherId");
    }
    hub.invoke(|c| c.user_id == user, "MessageSent", &json!([echo]));
    hub.invoke(
        |c| c.user_id == recipient,
        "ReceiveMessage",
        &json!([received]),
    );
    Ok(Value::Null)
}

fn mark_read(hub: &HubState, user: &str, request: &Value) -> Result<Value, ()> {
    let Value::Object(request) = request else {
        return Err(());
    };
    let sender = text(request, "senderId").ok_or(())?.to_owned();
    let ids: Vec<String> = request
        .get("ids")
        .and_then(Value::as_array)
        .ok_or(())?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let read_time =
        text(request, "readTime").map_or_else(|| timestamp(hub.resonite.now()), str::to_owned);
    let mut marked = Vec::new();
    {
        let mut data = hub.resonite.lock();
        for owner in [user, sender.as_str()] {
            for message in data.messages.entry(owner.to_owned()).or_default() {
                let id = message
                    .json
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let from_sender =
                    message.json.get("senderId").and_then(Value::as_str) == Some(sender.as_str());
                let to_user = message.json.get("recipientId").and_then(Value::as_str) == Some(user);
                if from_sender && to_user && ids.contains(&id) {
                    message.json["readTime"] = Value::String(read_time.clone());
                    if owner == user {
                        marked.push(id);
                    }
                }
            }
        }
    }
    if !marked.is_empty() {
        let event = json!([{"recipientId": user, "ids": marked, "readTime": read_time}]);
        hub.invoke(|c| c.user_id == sender, "MessagesRead", &event);
    }
    Ok(Value::Null)
}

fn update_contact(hub: &HubState, user: &str, contact: &Value) -> Result<Value, ()> {
    let Value::Object(contact) = contact else {
        return Err(());
    };
    let id = text(contact, "id").ok_or(())?.to_owned();
    let status = text(contact, "contactStatus")
        .unwrap_or("Accepted")
        .to_owned();
    let (mine, theirs) = store_contact(hub, user, &id, &status);
    let Some(mine) = mine else {
        return Ok(Value::Bool(false));
    };
    hub.invoke(
        |c| c.user_id == user,
        "ContactAddedOrUpdated",
        &json!([mine]),
    );
    if let Some(theirs) = theirs {
        hub.invoke(
            |c| c.user_id == id,
            "ContactAddedOrUpdated",
            &json!([theirs]),
        );
    }
    Ok(Value::Bool(true))
}

/// Stores `user`'s entry for `id`; the entry as it now stands (`None` for an unknown
/// user) and the other side's new `Requested` entry, when one was made.
fn store_contact(
    hub: &HubState,
    user: &str,
    id: &str,
    status: &str,
) -> (Option<Value>, Option<Value>) {
    let mut data = hub.resonite.lock();
    let owner = data.accounts.iter().find(|a| a.user_id == user).cloned();
    let other = data.accounts.iter().find(|a| a.user_id == id).cloned();
    let (Some(owner), Some(other)) = (owner, other) else {
        return (None, None);
    };
    let now = hub.resonite.now();
    let mine = data::contact(&owner, &other, status);
    let list = data.contacts.entry(user.to_owned()).or_default();
    list.retain(|c| c.json.get("id").and_then(Value::as_str) != Some(id));
    if !status.eq_ignore_ascii_case("Ignored") && !status.eq_ignore_ascii_case("None") {
        list.push(StoredContact {
            json: mine.clone(),
            changed: now,
        });
    }
    // The other side sees a request when it has no entry yet (assumption).
    let mut made = None;
    if status.eq_ignore_ascii_case("Accepted") {
        let theirs = data.contacts.entry(id.to_owned()).or_default();
        if !theirs
            .iter()
            .any(|c| c.json.get("id").and_then(Value::as_str) == Some(user))
        {
            let entry = data::contact(&other, &owner, "Requested");
            theirs.push(StoredContact {
                json: entry.clone(),
                changed: now,
            });
            made = Some(entry);
        }
    }
    (Some(mine), made)
}
