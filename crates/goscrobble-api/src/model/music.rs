//! Artists, albums, tracks, and their top lists.

use serde::Deserialize;

use super::image::{ImageStatus, lenient_uuid};
use super::{ListMeta, de};

/// `GET /artists/{uuid}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Artist {
    /// The UUID.
    #[serde(default, deserialize_with = "de::null_default")]
    pub uuid: String,
    /// The name.
    #[serde(default, deserialize_with = "de::null_default")]
    pub name: String,
    /// A description.
    #[serde(default, deserialize_with = "de::null_default")]
    pub desc: String,
    /// The state of its image (not a path): the image itself is at
    /// [`Client::image_url`](crate::Client::image_url) of [`Artist::uuid`] once
    /// [`ImageStatus::is_ready`].
    #[serde(default)]
    pub img: ImageStatus,
    /// The `MusicBrainz` id.
    #[serde(default, deserialize_with = "de::null_default")]
    pub mbid: String,
    /// The Spotify id.
    #[serde(default, deserialize_with = "de::null_default")]
    pub spotify_id: String,
}

/// `GET /albums/{uuid}`: the same shape as an artist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Album {
    /// The UUID.
    #[serde(default, deserialize_with = "de::null_default")]
    pub uuid: String,
    /// The name.
    #[serde(default, deserialize_with = "de::null_default")]
    pub name: String,
    /// A description.
    #[serde(default, deserialize_with = "de::null_default")]
    pub desc: String,
    /// The state of its image (not a path), as [`Artist::img`].
    #[serde(default)]
    pub img: ImageStatus,
    /// The `MusicBrainz` id.
    #[serde(default, deserialize_with = "de::null_default")]
    pub mbid: String,
    /// The Spotify id.
    #[serde(default, deserialize_with = "de::null_default")]
    pub spotify_id: String,
}

/// `GET /tracks/{uuid}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Track {
    /// The UUID.
    #[serde(default, deserialize_with = "de::null_default")]
    pub uuid: String,
    /// The name.
    #[serde(default, deserialize_with = "de::null_default")]
    pub name: String,
    /// The length in seconds.
    #[serde(default, deserialize_with = "de::lenient_u64")]
    pub length: u64,
    /// Its album's description (`""` without one): tracks have none of their own.
    #[serde(default, deserialize_with = "de::null_default")]
    pub desc: String,
    /// Its album's UUID (`img` on the wire), whose image stands for the track; `None` when
    /// the track has no album.
    #[serde(default, rename = "img", deserialize_with = "lenient_uuid")]
    pub album_uuid: Option<uuid::Uuid>,
    /// The `MusicBrainz` id.
    #[serde(default, deserialize_with = "de::null_default")]
    pub mbid: String,
    /// The Spotify id.
    #[serde(default, deserialize_with = "de::null_default")]
    pub spotify_id: String,
    /// Its artists.
    #[serde(default, deserialize_with = "de::null_default")]
    pub artists: Vec<Artist>,
    /// Its albums.
    #[serde(default, deserialize_with = "de::null_default")]
    pub albums: Vec<Album>,
}

/// One row of a top-N object (top artists, top tracks, tracks of an artist or album).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TopEntry {
    /// The position (the object's key, `"1"` → 1); `None` for a key that is not a number.
    #[serde(skip)]
    pub rank: Option<u32>,
    /// The artist's or track's UUID.
    #[serde(default, deserialize_with = "de::null_default")]
    pub uuid: String,
    /// Its name.
    #[serde(default, deserialize_with = "de::null_default")]
    pub name: String,
    /// The UUID whose image stands for the row (`img` on the wire): the artist's own in top
    /// artists, the track's album in top tracks; `None` in the tracks-of-artist/album lists
    /// (the server leaves it empty there).
    #[serde(default, rename = "img", deserialize_with = "lenient_uuid")]
    pub image_uuid: Option<uuid::Uuid>,
    /// How often it was played (0 in tracks-of-artist/album lists).
    #[serde(default, deserialize_with = "de::lenient_u64")]
    pub plays: u64,
}

/// A listener of a top-listeners list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Listener {
    /// The user's UUID.
    #[serde(default, deserialize_with = "de::null_default")]
    pub user_uuid: String,
    /// How often they played it.
    #[serde(default, deserialize_with = "de::lenient_u64")]
    pub count: u64,
    /// The username.
    #[serde(default, deserialize_with = "de::null_default")]
    pub user_name: String,
}

/// `GET /{artists|albums|tracks}/{uuid}/top`: the top 10 listeners.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct TopListeners {
    /// Paging facts.
    #[serde(default, deserialize_with = "de::null_default")]
    pub meta: ListMeta,
    /// The listeners, most plays first (`null` on the wire when none).
    #[serde(default, deserialize_with = "de::null_default")]
    pub items: Vec<Listener>,
}

/// `{"artists": {…}}` of `GET /artists/top/{uuid}`.
#[derive(Debug, Deserialize)]
pub(crate) struct TopArtistsAnswer {
    #[serde(default, deserialize_with = "de::top_list")]
    pub(crate) artists: Vec<TopEntry>,
}

/// `{"tracks": {…}}` of the top-tracks and tracks-of routes.
#[derive(Debug, Deserialize)]
pub(crate) struct TopTracksAnswer {
    #[serde(default, deserialize_with = "de::top_list")]
    pub(crate) tracks: Vec<TopEntry>,
}
