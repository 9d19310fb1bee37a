//! The JSON the emulator serves, with the live API's odd fields (spec §1).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::state::{Account, UserSessionRecord};

/// .NET's `DateTime.MinValue` as the API writes it: no offset.
pub const NEVER: &str = "0001-01-01T00:00:00";

/// A timestamp with 7 fractional digits, as the API writes them.
pub fn timestamp(at: DateTime<Utc>) -> String {
    // chrono has no 7-digit fraction: ticks of 100 ns, as .NET writes them.
    format!(
        "{}.{:07}Z",
        at.format("%Y-%m-%dT%H:%M:%S"),
        at.timestamp_subsec_nanos() / 100
    )
}

fn random_base64(len: usize) -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = vec![0_u8; len];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) fn user_session(record: &UserSessionRecord, counter: i64, user_agent: &str) -> Value {
    json!({
        "entity": {
            "userId": record.user_id,
            "token": record.token,
            "created": timestamp(record.created),
            "expire": timestamp(record.expire),
            "rememberMe": record.remember_me,
            "secretMachineIdHash": random_base64(32),
            "secretMachineIdSalt": random_base64(16),
            "uidHash": random_base64(32),
            "uidSalt": random_base64(16),
            "originalLoginType": "Password",
            "originalLoginId": format!("Auth-{}", uuid::Uuid::new_v4()),
            "logoutUrl": null,
            "logoutUrlClientSide": false,
            "sessionLoginCounter": counter,
            "sourceIP": "127.0.0.1",
            "userAgent": user_agent,
            "isMachineBound": false,
            "partitionKey": record.user_id,
            "rowKey": record.token,
            "eTag": null
        },
        "configFiles": null
    })
}

pub(crate) fn profile(account: &Account) -> Value {
    json!({
        "iconUrl": format!("resdb:///{}.webp", hex_of(&account.user_id)),
        "displayBadges": []
    })
}

fn hex_of(text: &str) -> String {
    text.bytes().fold(String::new(), |mut out, b| {
        use std::fmt::Write as _;
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// A user as `GET /users/{id}` shows it; `is_self` adds the fields only the owner sees.
pub(crate) fn user(account: &Account, is_self: bool) -> Value {
    let mut user = json!({
        "id": account.user_id,
        "username": account.username,
        "normalizedUsername": account.username.to_lowercase(),
        "registrationDate": timestamp(account.registration_date),
        "isVerified": true,
        "isLocked": false,
        "supressBanEvasion": false,
        "2fa_login": account.has_second_factor(),
        "isActiveSupporter": false,
        "tags": ["hearing impaired"],
        "profile": profile(account),
        "supporterMetadata": [
            {"$type": "patreon", "isActiveSupporter": false, "totalSupportMonths": 0,
             "totalSupportCents": -1, "lastTierCents": -1}
        ],
        "entitlements": [
            {"$type": "storageSpace", "bytes": 1_073_741_824_u64, "maximumShareLevel": 0,
             "storageId": account.user_id, "group": false, "startsOn": NEVER, "expiresOn": null}
        ],
        "migratedData": null,
        "quotaBytes": -1,
        "usedBytes": -1
    });
    if is_self && let Some(map) = user.as_object_mut() {
        map.insert("email".into(), json!(account.email));
        map.insert("alternateEmails".into(), json!([]));
        map.insert("uniqueDeviceIDs".into(), json!([]));
    }
    user
}

/// A session as `GET /sessions` lists it, with every odd field.
pub fn session(host: &Account, session_id: &str, name: &str, now: DateTime<Utc>) -> Value {
    let now = timestamp(now);
    json!({
        "name": name,
        "description": null,
        "correspondingWorldId": {"recordId": "R-world", "ownerId": host.user_id},
        "tags": ["social"],
        "sessionId": session_id,
        "normalizedSessionId": session_id.to_lowercase(),
        "hostUserId": host.user_id,
        "hostUserSessionId": uuid::Uuid::new_v4().to_string(),
        "hostMachineId": random_base64(16),
        "hostUsername": host.username,
        "compatibilityHash": "Ze9Bb1zGvNjjvK0VWXw8HQ==",
        "systemCompatibilityHash": "5HjRmwNvHkvFc0OHFmeWcw==",
        "dataModelAssemblies": [
            {"name": "FrooxEngine", "compatibilityHash": "ulqX/4pYpXS5Kq8bqnqy5Q=="},
            {"name": "Elements.Core", "compatibilityHash": "t7eb7z5mBAQwdh+GjFgq3g=="}
        ],
        "universeId": null,
        "appVersion": "2025.5.16.1282",
        "headlessHost": false,
        "sessionURLs": [format!("lnl-nat://{}/{}", random_base64(6), session_id), format!("res-steam://76561198000000000/0/{session_id}")],
        "parentSessionIds": [],
        "nestedSessionIds": [],
        "sessionUsers": [
            {"username": host.username, "userID": host.user_id, "userSessionId": uuid::Uuid::new_v4().to_string(), "isPresent": true, "outputDevice": 2}
        ],
        "thumbnailUrl": format!("https://skyfrost-archive.resonite.com/{}.webp", hex_of(session_id)),
        "joinedUsers": 1,
        "activeUsers": 1,
        "totalJoinedUsers": 1,
        "totalActiveUsers": 1,
        "maxUsers": 16,
        "mobileFriendly": false,
        "sessionBeginTime": now,
        "lastUpdate": now,
        "accessLevel": "Anyone",
        "hideFromListing": false,
        "broadcastKey": format!("BK-{}", uuid::Uuid::new_v4()),
        "awayKickEnabled": false,
        "awayKickMinutes": 5.0,
        "hasEnded": false,
        "isValid": true
    })
}

pub(crate) fn contact(owner: &Account, other: &Account, status: &str) -> Value {
    json!({
        "id": other.user_id,
        "contactUsername": other.username,
        "contactStatus": status,
        "isAccepted": status == "Accepted",
        "profile": profile(other),
        "latestMessageTime": NEVER,
        "isMigrated": false,
        "isCounterpartMigrated": false,
        "ownerId": owner.user_id
    })
}

pub(crate) fn message(
    owner: &str,
    sender: &str,
    recipient: &str,
    message_type: &str,
    content: &str,
    sent: DateTime<Utc>,
) -> Value {
    let other = if owner == sender { recipient } else { sender };
    json!({
        "id": format!("MSG-{}", uuid::Uuid::new_v4()),
        "ownerId": owner,
        "senderId": sender,
        "recipientId": recipient,
        "senderUserSessionId": null,
        "otherId": other,
        "messageType": message_type,
        "content": content,
        "sendTime": timestamp(sent),
        "lastUpdateTime": NEVER,
        "readTime": null,
        "isMigrated": false
    })
}

/// The content of a `SessionInvite` message: the session as a JSON *string*, with the
/// `PascalCase` `HasEnded` and `IsValid` the live API puts there.
pub fn invite_content(session: &Value) -> String {
    let mut session = session.clone();
    if let Some(map) = session.as_object_mut() {
        for (camel, pascal) in [("hasEnded", "HasEnded"), ("isValid", "IsValid")] {
            if let Some(value) = map.remove(camel) {
                map.insert(pascal.into(), value);
            }
        }
    }
    session.to_string()
}
