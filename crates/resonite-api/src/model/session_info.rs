//! Sessions (worlds being hosted): `GET /sessions`, `GET /sessions/{id}`, and the content of
//! `SessionInvite` messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::id::{SessionId, UserId};
use super::time::{lenient, lenient_bool, lenient_u32, null_as_default, null_as_empty};

open_enum!(
    /// Who may join a session. Numbers 0–5 in some places; the legacy names `Friends` and
    /// `FriendsOfFriends` are read as `Contacts` and `ContactsPlus`.
    AccessLevel {
        /// Only by invitation.
        Private = 0, "Private";
        /// Only on the local network.
        Lan = 1, "LAN";
        /// The host's contacts.
        Contacts = 2, "Contacts" | "Friends";
        /// The host's contacts and theirs.
        ContactsPlus = 3, "ContactsPlus" | "FriendsOfFriends";
        /// Any registered user.
        RegisteredUsers = 4, "RegisteredUsers";
        /// Anyone.
        Anyone = 5, "Anyone";
    }
);

open_enum!(
    /// How a user sees the world. Numbers follow the order of the spec's list (an assumption:
    /// no source gives the numbering).
    OutputDevice {
        /// Not known.
        Unknown = 0, "Unknown";
        /// A desktop screen.
        Screen = 1, "Screen";
        /// A VR headset.
        Vr = 2, "VR";
        /// A camera.
        Camera = 3, "Camera";
    }
);

/// A world reference: record id and owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorldRef {
    /// The record id (`R-…`).
    #[serde(deserialize_with = "null_as_default")]
    pub record_id: String,
    /// The owner (`U-…` or `G-…`).
    #[serde(deserialize_with = "null_as_default")]
    pub owner_id: String,
}

/// A data-model assembly and its compatibility hash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DataModelAssembly {
    /// The assembly (`FrooxEngine`, `Elements.Core`, …).
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// Its hash.
    #[serde(deserialize_with = "null_as_default")]
    pub compatibility_hash: String,
}

/// A user in a session. The API spells the id `userID`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionUser {
    /// The username.
    #[serde(deserialize_with = "null_as_default")]
    pub username: String,
    /// The user id (wire name `userID`; `userId` is read too).
    #[serde(rename = "userID", alias = "userId")]
    pub user_id: Option<UserId>,
    /// The user's session id, when told.
    pub user_session_id: Option<String>,
    /// Whether the user is in the session right now.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_present: bool,
    /// How the user sees the world (a number 0–3 or a name).
    pub output_device: Option<OutputDevice>,
}

/// A session: a world someone hosts. Field names as the API writes them; the `PascalCase`
/// `HasEnded`/`IsValid` of invite messages are read too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(clippy::struct_excessive_bools)] // The API's own flags.
pub struct SessionInfo {
    /// The name, with rich-text tags; see [`SessionInfo::plain_name`].
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// The description.
    pub description: Option<String>,
    /// The world the session runs.
    pub corresponding_world_id: Option<WorldRef>,
    /// Tags.
    #[serde(deserialize_with = "null_as_empty")]
    pub tags: Vec<String>,
    /// The session id.
    #[serde(deserialize_with = "null_as_default")]
    pub session_id: SessionId,
    /// The lower-case session id.
    #[serde(deserialize_with = "null_as_default")]
    pub normalized_session_id: String,
    /// The host's user id (none for some headless hosts).
    pub host_user_id: Option<UserId>,
    /// The host's user session id.
    pub host_user_session_id: Option<String>,
    /// The host machine (an opaque hash).
    #[serde(deserialize_with = "null_as_default")]
    pub host_machine_id: String,
    /// The host's username.
    #[serde(deserialize_with = "null_as_default")]
    pub host_username: String,
    /// The build's compatibility hash (base64 of 16 bytes).
    #[serde(deserialize_with = "null_as_default")]
    pub compatibility_hash: String,
    /// The system compatibility hash.
    #[serde(deserialize_with = "null_as_default")]
    pub system_compatibility_hash: String,
    /// Per-assembly hashes.
    #[serde(deserialize_with = "null_as_empty")]
    pub data_model_assemblies: Vec<DataModelAssembly>,
    /// The universe, if any.
    pub universe_id: Option<String>,
    /// The host's app version.
    #[serde(deserialize_with = "null_as_default")]
    pub app_version: String,
    /// Whether a headless server hosts it.
    #[serde(deserialize_with = "lenient_bool")]
    pub headless_host: bool,
    /// The URLs to join with (wire name `sessionURLs`).
    #[serde(
        rename = "sessionURLs",
        alias = "sessionUrls",
        deserialize_with = "null_as_empty"
    )]
    pub session_urls: Vec<String>,
    /// Parent sessions.
    #[serde(deserialize_with = "null_as_empty")]
    pub parent_session_ids: Vec<String>,
    /// Nested sessions.
    #[serde(deserialize_with = "null_as_empty")]
    pub nested_session_ids: Vec<String>,
    /// Users in the session.
    #[serde(deserialize_with = "null_as_empty")]
    pub session_users: Vec<SessionUser>,
    /// The thumbnail (https).
    pub thumbnail_url: Option<String>,
    /// Users joined now.
    #[serde(deserialize_with = "lenient_u32")]
    pub joined_users: u32,
    /// Users active now.
    #[serde(deserialize_with = "lenient_u32")]
    pub active_users: u32,
    /// Users ever joined.
    #[serde(deserialize_with = "lenient_u32")]
    pub total_joined_users: u32,
    /// Users ever active.
    #[serde(deserialize_with = "lenient_u32")]
    pub total_active_users: u32,
    /// The capacity.
    #[serde(deserialize_with = "lenient_u32")]
    pub max_users: u32,
    /// Whether mobile users can join.
    #[serde(deserialize_with = "lenient_bool")]
    pub mobile_friendly: bool,
    /// When the session started.
    #[serde(deserialize_with = "lenient")]
    pub session_begin_time: Option<DateTime<Utc>>,
    /// When it was last updated.
    #[serde(deserialize_with = "lenient")]
    pub last_update: Option<DateTime<Utc>>,
    /// Who may join.
    pub access_level: Option<AccessLevel>,
    /// Whether it is hidden from listings.
    #[serde(deserialize_with = "lenient_bool")]
    pub hide_from_listing: bool,
    /// The key to follow its updates on the hub (`ListenOnKey`).
    pub broadcast_key: Option<String>,
    /// Whether idle users are kicked (absent in older data).
    pub away_kick_enabled: Option<bool>,
    /// After how many minutes (absent in older data; may be fractional).
    pub away_kick_minutes: Option<f64>,
    /// Whether the session has ended (absent: not known).
    #[serde(alias = "HasEnded")]
    pub has_ended: Option<bool>,
    /// Whether the session is valid (absent: not known).
    #[serde(alias = "IsValid")]
    pub is_valid: Option<bool>,
}

impl SessionInfo {
    /// The name without rich-text tags (`<color=red>Hi</color>` → `Hi`).
    pub fn plain_name(&self) -> String {
        super::strip_rich_text(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_levels_read_names_numbers_and_legacy_names() {
        let read = |json: &str| serde_json::from_str::<AccessLevel>(json).unwrap();
        assert_eq!(read("\"Anyone\""), AccessLevel::Anyone);
        assert_eq!(read("\"lan\""), AccessLevel::Lan);
        assert_eq!(read("2"), AccessLevel::Contacts);
        assert_eq!(read("\"FriendsOfFriends\""), AccessLevel::ContactsPlus);
        assert_eq!(read("\"Moon\""), AccessLevel::Other("Moon".into()));
        assert_eq!(read("42"), AccessLevel::Other("42".into()));
        assert_eq!(serde_json::to_string(&AccessLevel::Lan).unwrap(), "\"LAN\"");
        assert_eq!(AccessLevel::Anyone.number(), Some(5));
    }
}
