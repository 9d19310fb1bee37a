//! The signed-in user's own record.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::de;
use crate::IngressKey;

/// `GET /user`: the account of the session, ingress key included.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// The user's UUID.
    #[serde(default, deserialize_with = "de::null_default")]
    pub uuid: String,
    /// When the account was created.
    #[serde(default, deserialize_with = "de::lenient_time")]
    pub created_at: Option<DateTime<Utc>>,
    /// The address it was created from.
    #[serde(default, deserialize_with = "de::null_default")]
    pub created_ip: String,
    /// When it was last modified.
    #[serde(default, deserialize_with = "de::lenient_time")]
    pub modified_at: Option<DateTime<Utc>>,
    /// The address it was last modified from (the server's key is `ModifiedIP`, sic).
    #[serde(rename = "ModifiedIP", default, deserialize_with = "de::null_default")]
    pub modified_ip: String,
    /// The username.
    #[serde(default, deserialize_with = "de::null_default")]
    pub username: String,
    /// The email (`""` when none).
    #[serde(default, deserialize_with = "de::null_default")]
    pub email: String,
    /// Whether the email is verified.
    #[serde(default, deserialize_with = "de::null_default")]
    pub verified: bool,
    /// The linked Spotify username (`""` when none).
    #[serde(default, deserialize_with = "de::null_default")]
    pub spotify_username: String,
    /// The IANA timezone.
    #[serde(default, deserialize_with = "de::null_default")]
    pub timezone: String,
    /// The ingress key (the server's key is `token`): scrobblers send it as `?key=`.
    #[serde(rename = "token")]
    pub ingress_key: IngressKey,
    /// The linked Navidrome server's URL (`""` when none).
    #[serde(default, deserialize_with = "de::null_default")]
    pub navidrome_server: String,
}
