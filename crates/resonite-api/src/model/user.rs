//! Users: `GET /users/{id}`, `GET /users/{name}?byUsername=true`, `GET /users?name=`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::id::UserId;
use super::time::{lenient, lenient_bool, null_as_default, null_as_empty};

open_enum!(
    /// How a public ban applies.
    PublicBanType {
        /// A standard ban.
        Standard = 0, "Standard";
        /// A soft ban.
        Soft = 1, "Soft";
        /// A hard ban.
        Hard = 2, "Hard";
    }
);

/// A badge shown on a profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BadgeRef {
    /// The badge's record id.
    #[serde(deserialize_with = "null_as_default")]
    pub id: String,
    /// Its owner.
    #[serde(deserialize_with = "null_as_default")]
    pub owner_id: String,
}

/// A user's public profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Profile {
    /// The icon, a `resdb:///<hash>.<ext>` URI; see [`Profile::icon_https_url`].
    pub icon_url: Option<String>,
    /// The tagline.
    pub tagline: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// Badges shown.
    #[serde(deserialize_with = "null_as_empty")]
    pub display_badges: Vec<BadgeRef>,
}

impl Profile {
    /// The icon as an https URL: `resdb:///<hash>.<ext>` → `https://assets.resonite.com/<hash>`.
    /// Other URLs are returned as they are.
    pub fn icon_https_url(&self) -> Option<String> {
        let icon = self.icon_url.as_deref()?;
        match icon.strip_prefix("resdb:///") {
            Some(rest) => {
                let hash = rest.split('.').next().unwrap_or(rest);
                (!hash.is_empty()).then(|| format!("https://assets.resonite.com/{hash}"))
            }
            None => Some(icon.to_owned()),
        }
    }
}

/// An object tagged by `$type` (supporter metadata, entitlements), kept open.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaggedObject {
    /// The `$type` tag (`patreon`, `stripe`, `shoutOut`, `storageSpace`, …).
    #[serde(rename = "$type", default)]
    pub kind: Option<String>,
    /// The other fields, as sent.
    #[serde(flatten)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A user. The fields for oneself only (`email`, …) are empty for others.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(clippy::struct_excessive_bools)] // The API's own flags.
pub struct User {
    /// The user id.
    #[serde(deserialize_with = "null_as_default")]
    pub id: UserId,
    /// The username.
    #[serde(deserialize_with = "null_as_default")]
    pub username: String,
    /// The lower-case username.
    #[serde(deserialize_with = "null_as_default")]
    pub normalized_username: String,
    /// Other names the user is found by.
    #[serde(deserialize_with = "null_as_empty")]
    pub alternate_normalized_names: Vec<String>,
    /// When the account was made.
    #[serde(deserialize_with = "lenient")]
    pub registration_date: Option<DateTime<Utc>>,
    /// Whether the email is verified.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_verified: bool,
    /// Whether the account is locked.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_locked: bool,
    /// The API's `supressBanEvasion` (sic).
    #[serde(
        rename = "supressBanEvasion",
        alias = "suppressBanEvasion",
        deserialize_with = "lenient_bool"
    )]
    pub suppress_ban_evasion: bool,
    /// Whether logins need a second factor (wire name `2fa_login`).
    #[serde(rename = "2fa_login", deserialize_with = "lenient_bool")]
    pub two_factor_login: bool,
    /// Whether the user supports Resonite now.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_active_supporter: bool,
    /// Badge-like tags.
    #[serde(deserialize_with = "null_as_empty")]
    pub tags: Vec<String>,
    /// The profile.
    pub profile: Option<Profile>,
    /// Supporter records, tagged by `$type`.
    #[serde(deserialize_with = "null_as_empty")]
    pub supporter_metadata: Vec<TaggedObject>,
    /// Entitlements, tagged by `$type`.
    #[serde(deserialize_with = "null_as_empty")]
    pub entitlements: Vec<TaggedObject>,
    /// Data migrated from Neos.
    pub migrated_data: Option<serde_json::Value>,
    /// Who referred the user.
    pub referrer_user_id: Option<String>,
    /// The email (oneself only).
    pub email: Option<String>,
    /// Other emails (oneself only).
    #[serde(deserialize_with = "null_as_empty")]
    pub alternate_emails: Vec<String>,
    /// Earlier emails (oneself only).
    #[serde(deserialize_with = "null_as_empty")]
    pub old_emails: Vec<String>,
    /// Earlier usernames (oneself only).
    #[serde(deserialize_with = "null_as_empty")]
    pub old_usernames: Vec<String>,
    /// The date of birth (oneself only).
    #[serde(deserialize_with = "lenient")]
    pub date_of_birth: Option<DateTime<Utc>>,
    /// Devices (oneself only).
    #[serde(
        rename = "uniqueDeviceIDs",
        alias = "uniqueDeviceIds",
        deserialize_with = "null_as_empty"
    )]
    pub unique_device_ids: Vec<String>,
    /// Until when the account is banned.
    #[serde(deserialize_with = "lenient")]
    pub account_ban_expiration: Option<DateTime<Utc>>,
    /// Until when the public ban lasts.
    #[serde(deserialize_with = "lenient")]
    pub public_ban_expiration: Option<DateTime<Utc>>,
    /// Until when the spectator ban lasts.
    #[serde(deserialize_with = "lenient")]
    pub spectator_ban_expiration: Option<DateTime<Utc>>,
    /// Until when the mute lasts.
    #[serde(deserialize_with = "lenient")]
    pub mute_ban_expiration: Option<DateTime<Utc>>,
    /// Until when the listing ban lasts.
    #[serde(deserialize_with = "lenient")]
    pub listing_ban_expiration: Option<DateTime<Utc>>,
    /// The kind of public ban.
    pub public_ban_type: Option<PublicBanType>,
    /// Legacy storage quota (-1: not allowed to see).
    pub quota_bytes: Option<i64>,
    /// Legacy storage used (-1: not allowed to see).
    pub used_bytes: Option<i64>,
}
