//! Public site data: server info and statistics.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::de;

/// `GET /serverinfo`.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct ServerInfo {
    /// The server's version (0.2.0 reports `"0.1.8"`).
    #[serde(default, deserialize_with = "de::null_default")]
    pub version: String,
    /// `"1"` or `"0"` as stored in the config table (`""` on servers with a config bug).
    #[serde(default, deserialize_with = "de::null_default")]
    pub registration_enabled: String,
}

impl ServerInfo {
    /// Whether registration is open: `Some(true)` for `"1"`, `Some(false)` for `"0"`, `None`
    /// when the server does not say.
    pub fn registration_open(&self) -> Option<bool> {
        match self.registration_enabled.trim() {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        }
    }
}

/// `GET /stats`: site-wide counts.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct Stats {
    /// Registered users.
    #[serde(default, deserialize_with = "de::lenient_u64")]
    pub users: u64,
    /// Scrobbles.
    #[serde(default, deserialize_with = "de::lenient_u64")]
    pub scrobbles: u64,
    /// Tracks.
    #[serde(default, deserialize_with = "de::lenient_u64")]
    pub tracks: u64,
    /// Artists.
    #[serde(default, deserialize_with = "de::lenient_u64")]
    pub artists: u64,
    /// When the (cached) counts were computed.
    #[serde(default, deserialize_with = "de::lenient_time")]
    pub last_updated: Option<DateTime<Utc>>,
}
