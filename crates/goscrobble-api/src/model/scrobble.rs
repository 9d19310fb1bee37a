//! Scrobble lists and public profiles.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::de;

/// `{"uuid", "name"}` of an artist, track or user inside a scrobble.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NamedRef {
    /// The UUID (`""` when the server leaves it empty).
    #[serde(default, deserialize_with = "de::null_default")]
    pub uuid: String,
    /// The name.
    #[serde(default, deserialize_with = "de::null_default")]
    pub name: String,
}

/// One play.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct Scrobble {
    /// The scrobble's UUID.
    #[serde(default, deserialize_with = "de::null_default")]
    pub uuid: String,
    /// When it was played.
    #[serde(default, deserialize_with = "de::lenient_time")]
    pub time: Option<DateTime<Utc>>,
    /// The (first) artist.
    #[serde(default, deserialize_with = "de::null_default")]
    pub artist: NamedRef,
    /// The album's name.
    #[serde(default, deserialize_with = "de::null_default")]
    pub album: String,
    /// The track.
    #[serde(default, deserialize_with = "de::null_default")]
    pub track: NamedRef,
    /// Where it came from (`jellyfin`, `multiscrobbler`, `spotify`, `navidrome`).
    #[serde(default, deserialize_with = "de::null_default")]
    pub source: String,
    /// Who played it: filled only by `GET /recent` (empty strings elsewhere).
    #[serde(default, deserialize_with = "de::null_default")]
    pub user: NamedRef,
}

/// Paging facts of a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ListMeta {
    /// Items in this answer.
    #[serde(default, deserialize_with = "de::lenient_u64")]
    pub count: u64,
    /// What the server counted, not always the items there are: a user's scrobbles give the
    /// `COUNT(*)` of all their plays; `/recent` always says 50; top listeners of an artist or
    /// album give all plays of it (every listener's), of a track the plays of one listener
    /// (the server's count query groups by user and reads the first group).
    #[serde(default, deserialize_with = "de::lenient_u64")]
    pub total: u64,
    /// The page.
    #[serde(default, deserialize_with = "de::lenient_u64")]
    pub page: u64,
}

/// A `ScrobbleList`: `{"meta", "items"}`, where `items` may be `null` (empty here).
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct ScrobbleList {
    /// Paging facts.
    #[serde(default, deserialize_with = "de::null_default")]
    pub meta: ListMeta,
    /// The plays, newest first.
    #[serde(default, deserialize_with = "de::null_default")]
    pub items: Vec<Scrobble>,
}

/// `GET /profile/{username}`: a public profile with the 10 latest plays.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct Profile {
    /// The user's UUID.
    #[serde(default, deserialize_with = "de::null_default")]
    pub uuid: String,
    /// The username.
    #[serde(default, deserialize_with = "de::null_default")]
    pub username: String,
    /// The latest plays (`null` on the wire when there are none).
    #[serde(default, deserialize_with = "de::null_default")]
    pub scrobbles: Vec<Scrobble>,
}
