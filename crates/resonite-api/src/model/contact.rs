//! Contacts: `GET /users/{me}/contacts` (and, later, the hub's `InitializeStatus`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::id::UserId;
use super::time::{lenient, lenient_bool, null_as_default, null_as_empty};
use super::user::Profile;
use super::user_status::UserStatus;

open_enum!(
    /// Where a contact stands.
    ContactStatus {
        /// No relation.
        None = 0, "None";
        /// Found by a search.
        SearchResult = 1, "SearchResult";
        /// A request is open.
        Requested = 2, "Requested";
        /// Ignored.
        Ignored = 3, "Ignored";
        /// Blocked.
        Blocked = 4, "Blocked";
        /// A contact.
        Accepted = 5, "Accepted";
    }
);

/// A contact of the signed-in user. `latestMessageTime` may be `0001-01-01T00:00:00`
/// (.NET's "never"), read as year 1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Contact {
    /// The contact's user id.
    #[serde(deserialize_with = "null_as_default")]
    pub id: UserId,
    /// The contact's username.
    #[serde(deserialize_with = "null_as_default")]
    pub contact_username: String,
    /// Where the contact stands.
    pub contact_status: Option<ContactStatus>,
    /// Whether the contact accepted.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_accepted: bool,
    /// The contact's profile.
    pub profile: Option<Profile>,
    /// When the last message was exchanged.
    #[serde(deserialize_with = "lenient")]
    pub latest_message_time: Option<DateTime<Utc>>,
    /// Whether the contact was migrated from Neos.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_migrated: bool,
    /// Whether the counterpart was migrated.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_counterpart_migrated: bool,
    /// Whose list this entry is in.
    #[serde(deserialize_with = "null_as_default")]
    pub owner_id: UserId,
    /// Other names of the contact.
    #[serde(deserialize_with = "null_as_empty")]
    pub alternate_usernames: Vec<String>,
    /// The contact's status (hub `InitializeStatus` only).
    pub user_status: Option<UserStatus>,
}
