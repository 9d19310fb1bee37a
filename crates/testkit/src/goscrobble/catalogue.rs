//! The music side: ingestion (key cache, dedupe, mapping) and every catalogue read.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use super::state::{ScrobbleRecord, Shared, new_uuid, rfc3339};

#[derive(Debug, Clone)]
pub(super) struct Artist {
    pub(super) uuid: String,
    pub(super) name: String,
    pub(super) mbid: String,
    /// What the `img` column holds: `""` (NULL) until an upload or import makes it
    /// `pending`, which the resize job turns `complete`.
    pub(super) img: String,
    /// The `desc` column: only ever set in the database by hand.
    pub(super) desc: String,
}

#[derive(Debug, Clone)]
pub(super) struct Album {
    pub(super) uuid: String,
    pub(super) name: String,
    pub(super) mbid: String,
    pub(super) img: String,
    pub(super) desc: String,
}

#[derive(Debug, Clone)]
pub(super) struct Track {
    pub(super) uuid: String,
    pub(super) name: String,
    pub(super) length: u64,
    pub(super) mbid: String,
    pub(super) artists: Vec<String>,
    pub(super) albums: Vec<String>,
}

/// What ingestion maps: artists, album, track, length and ids.
#[derive(Debug, Default)]
pub(crate) struct Play {
    pub(crate) artists: Vec<String>,
    pub(crate) album: String,
    pub(crate) track: String,
    pub(crate) length: u64,
    pub(crate) mbid_track: String,
    pub(crate) mbid_album: String,
    pub(crate) mbid_artist: String,
}

/// The `source` values the server writes: the two ingestion routes and the two pull
/// workers (`insertScrobble` callers).
pub const SCROBBLE_SOURCES: [&str; 4] = ["jellyfin", "multiscrobbler", "spotify", "navidrome"];

/// A play to store as a scrobble with [`GoScrobble::add_scrobble`](super::GoScrobble::add_scrobble):
/// the fields the server's tables hold (artists, album, track, its length and `MusicBrainz`
/// ids, the time and the source). It goes through the mapping the ingestion routes use, so
/// artists, album and track are found or created as a real scrobble would make them.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use omniauth_testkit::goscrobble::NewScrobble;
///
/// let play = NewScrobble::new("Daft Punk", "Discovery", "One More Time", Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap())
///     .duration_secs(320)
///     .source("jellyfin");
/// assert_eq!(play.artists, ["Daft Punk"]);
/// assert_eq!(play.source, "jellyfin");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewScrobble {
    /// The track's artists, the first one the main artist (the multi-scrobbler sends
    /// several; Jellyfin one).
    pub artists: Vec<String>,
    /// The album's name.
    pub album: String,
    /// The track's name.
    pub track: String,
    /// When it was played.
    pub time: DateTime<Utc>,
    /// The `source` column (default `multiscrobbler`; the server writes
    /// [`SCROBBLE_SOURCES`]).
    pub source: String,
    /// The track's length in seconds (`0`: unknown; a track keeps the first non-zero one).
    pub duration_secs: u64,
    /// The track's `MusicBrainz` id (`""`: none).
    pub mbid_track: String,
    /// The album's `MusicBrainz` id.
    pub mbid_album: String,
    /// The main artist's `MusicBrainz` id.
    pub mbid_artist: String,
}

impl NewScrobble {
    /// A play of `track` by `artist` on `album` at `time`, as the multi-scrobbler reports it.
    pub fn new(
        artist: impl Into<String>,
        album: impl Into<String>,
        track: impl Into<String>,
        time: DateTime<Utc>,
    ) -> Self {
        Self {
            artists: vec![artist.into()],
            album: album.into(),
            track: track.into(),
            time,
            source: "multiscrobbler".to_owned(),
            duration_secs: 0,
            mbid_track: String::new(),
            mbid_album: String::new(),
            mbid_artist: String::new(),
        }
    }

    /// Replaces the artists (the first is the main one).
    #[must_use]
    pub fn artists(mut self, artists: Vec<String>) -> Self {
        self.artists = artists;
        self
    }

    /// The `source` column.
    #[must_use]
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = source.into();
        self
    }

    /// The track's length in seconds.
    #[must_use]
    pub fn duration_secs(mut self, secs: u64) -> Self {
        self.duration_secs = secs;
        self
    }

    /// The `MusicBrainz` ids of the track, the album and the main artist (`""`: none).
    #[must_use]
    pub fn musicbrainz(
        mut self,
        track: impl Into<String>,
        album: impl Into<String>,
        artist: impl Into<String>,
    ) -> Self {
        self.mbid_track = track.into();
        self.mbid_album = album.into();
        self.mbid_artist = artist.into();
        self
    }

    pub(super) fn play(&self) -> Play {
        Play {
            artists: self.artists.clone(),
            album: self.album.clone(),
            track: self.track.clone(),
            length: self.duration_secs,
            mbid_track: self.mbid_track.clone(),
            mbid_album: self.mbid_album.clone(),
            mbid_artist: self.mbid_artist.clone(),
        }
    }
}

impl Shared {
    // ---- ingress ----

    /// Maps `?key=` to a user as the server does, through the 24-hour Redis cache.
    pub(crate) fn ingress_user(&self, key: &str) -> Option<String> {
        let now = self.now();
        let mut data = self.lock();
        if let Some((user, cached)) = data.key_cache.get(key)
            && *cached + TimeDelta::hours(24) > now
        {
            return Some(user.clone());
        }
        let user = data
            .users
            .iter()
            .find(|u| u.active && u.ingress_key == key)
            .map(|u| u.uuid.clone())?;
        data.key_cache.insert(key.to_owned(), (user.clone(), now));
        Some(user)
    }

    pub(crate) fn flush_key_cache(&self) {
        self.lock().key_cache.clear();
    }

    /// Whether `value` repeats the last `title:album` of this dedupe slot.
    pub(crate) fn is_duplicate(&self, slot: &str, value: &str) -> bool {
        let data = self.lock();
        data.dedupe.get(slot).is_some_and(|last| last == value)
    }

    pub(crate) fn remember(&self, slot: &str, value: &str) {
        self.lock().dedupe.insert(slot.to_owned(), value.to_owned());
    }

    /// Maps a play onto artists, album and track (by `MusicBrainz` id, then exact name) and stores
    /// the scrobble; returns it as stored.
    pub(crate) fn scrobble(
        &self,
        user: &str,
        play: &Play,
        time: DateTime<Utc>,
        source: &str,
    ) -> ScrobbleRecord {
        // No emptiness checks here: `insertArtist`/`insertAlbum`/`insertTrack` store an empty
        // name like any other (the Jellyfin handler refuses empty ones itself).
        let mut data = self.lock();
        let mut artist_ids = Vec::new();
        for (index, name) in play.artists.iter().enumerate() {
            let mbid = if index == 0 {
                play.mbid_artist.as_str()
            } else {
                ""
            };
            let found = data
                .artists
                .iter()
                .find(|a| (!mbid.is_empty() && a.mbid == mbid) || a.name == *name);
            let id = if let Some(artist) = found {
                artist.uuid.clone()
            } else {
                let artist = Artist {
                    uuid: new_uuid(),
                    name: name.clone(),
                    mbid: mbid.to_owned(),
                    img: String::new(),
                    desc: String::new(),
                };
                let id = artist.uuid.clone();
                data.artists.push(artist);
                id
            };
            artist_ids.push(id);
        }
        let album_id = if let Some(album) = data.albums.iter().find(|a| {
            (!play.mbid_album.is_empty() && a.mbid == play.mbid_album) || a.name == play.album
        }) {
            album.uuid.clone()
        } else {
            let album = Album {
                uuid: new_uuid(),
                name: play.album.clone(),
                mbid: play.mbid_album.clone(),
                img: String::new(),
                desc: String::new(),
            };
            let id = album.uuid.clone();
            data.albums.push(album);
            id
        };
        let track_id = if let Some(track) = data.tracks.iter_mut().find(|t| {
            (!play.mbid_track.is_empty() && t.mbid == play.mbid_track)
                || (t.name == play.track && t.artists == artist_ids && t.albums.contains(&album_id))
        }) {
            if track.length == 0 {
                track.length = play.length;
            }
            track.uuid.clone()
        } else {
            let track = Track {
                uuid: new_uuid(),
                name: play.track.clone(),
                length: play.length,
                mbid: play.mbid_track.clone(),
                artists: artist_ids,
                albums: vec![album_id.clone()],
            };
            let id = track.uuid.clone();
            data.tracks.push(track);
            id
        };
        let record = ScrobbleRecord {
            uuid: new_uuid(),
            user: user.to_owned(),
            track: track_id,
            album: album_id,
            time,
            source: source.to_owned(),
        };
        data.scrobbles.push(record.clone());
        record
    }

    pub(crate) fn scrobbles_of(&self, uuid: &str) -> Vec<ScrobbleRecord> {
        self.lock()
            .scrobbles
            .iter()
            .filter(|s| s.user == uuid)
            .cloned()
            .collect()
    }

    // ---- image and description columns ----

    /// Applies `change` to the `(img, desc)` columns of the artist or album `uuid`.
    pub(crate) fn set_record(
        &self,
        uuid: &str,
        change: impl FnOnce(&mut String, &mut String),
    ) -> bool {
        let mut data = self.lock();
        if let Some(artist) = data.artists.iter_mut().find(|a| a.uuid == uuid) {
            change(&mut artist.img, &mut artist.desc);
            return true;
        }
        if let Some(album) = data.albums.iter_mut().find(|a| a.uuid == uuid) {
            change(&mut album.img, &mut album.desc);
            return true;
        }
        false
    }

    pub(crate) fn has_artist(&self, uuid: &str) -> bool {
        self.lock().artists.iter().any(|a| a.uuid == uuid)
    }

    pub(crate) fn has_album(&self, uuid: &str) -> bool {
        self.lock().albums.iter().any(|a| a.uuid == uuid)
    }

    /// `importUploadedImage`: the file is kept as `<uuid>_full.jpg` and the record's `img`
    /// becomes `pending`.
    pub(crate) fn store_image(&self, uuid: &str, image: Vec<u8>) {
        self.set_record(uuid, |img, _| "pending".clone_into(img));
        self.lock().images.insert(uuid.to_owned(), image);
    }

    pub(crate) fn image(&self, uuid: &str) -> Option<Vec<u8>> {
        self.lock().images.get(uuid).cloned()
    }

    /// `resizeImages`, the minutely job: every `pending` artist and album becomes
    /// `complete` (the emulator keeps no files, so no resize fails).
    pub(crate) fn resize_images(&self) -> usize {
        let mut data = self.lock();
        let data = &mut *data;
        let mut done = 0;
        for img in data
            .artists
            .iter_mut()
            .map(|a| &mut a.img)
            .chain(data.albums.iter_mut().map(|a| &mut a.img))
        {
            if img == "pending" {
                "complete".clone_into(img);
                done += 1;
            }
        }
        done
    }

    // ---- reads ----

    pub(crate) fn stats(&self) -> Value {
        let now = self.now();
        let data = self.lock();
        json!({
            "users": data.users.iter().filter(|u| u.active).count(),
            "scrobbles": data.scrobbles.len(),
            "tracks": data.tracks.len(),
            "artists": data.artists.len(),
            "last_updated": rfc3339(now),
        })
    }

    /// A `ScrobbleList` of the latest `limit` scrobbles (of `user`, or of everyone). `total`
    /// is what the server puts there: the `COUNT(*)` of the user's scrobbles, and a
    /// hard-coded 50 on `/recent` (`getRecentScrobbles`).
    pub(crate) fn scrobble_list(&self, user: Option<&str>, limit: usize, with_user: bool) -> Value {
        let items = self.scrobble_items(user, limit, with_user);
        let count = items.len();
        let total = match user {
            Some(user) => self
                .lock()
                .scrobbles
                .iter()
                .filter(|s| s.user == user)
                .count(),
            None => 50,
        };
        json!({
            "meta": { "count": count, "total": total, "page": 1 },
            "items": if items.is_empty() { Value::Null } else { Value::Array(items) },
        })
    }

    fn scrobble_items(&self, user: Option<&str>, limit: usize, with_user: bool) -> Vec<Value> {
        let data = self.lock();
        let mut scrobbles: Vec<&ScrobbleRecord> = data
            .scrobbles
            .iter()
            .filter(|s| user.is_none_or(|u| s.user == u))
            .collect();
        scrobbles.sort_by_key(|s| std::cmp::Reverse(s.time));
        scrobbles
            .into_iter()
            .take(limit)
            .map(|s| {
                let track = data.tracks.iter().find(|t| t.uuid == s.track);
                let artist = track
                    .and_then(|t| t.artists.first())
                    .and_then(|id| data.artists.iter().find(|a| &a.uuid == id));
                let album = data.albums.iter().find(|a| a.uuid == s.album);
                let owner = data.users.iter().find(|u| u.uuid == s.user);
                json!({
                    "uuid": s.uuid,
                    "time": rfc3339(s.time),
                    "artist": {
                        "uuid": artist.map(|a| a.uuid.clone()).unwrap_or_default(),
                        "name": artist.map(|a| a.name.clone()).unwrap_or_default(),
                    },
                    "album": album.map(|a| a.name.clone()).unwrap_or_default(),
                    "track": {
                        "uuid": track.map(|t| t.uuid.clone()).unwrap_or_default(),
                        "name": track.map(|t| t.name.clone()).unwrap_or_default(),
                    },
                    "source": s.source,
                    "user": {
                        "uuid": if with_user { s.user.clone() } else { String::new() },
                        "name": if with_user { owner.map(|u| u.username.clone()).unwrap_or_default() } else { String::new() },
                    },
                })
            })
            .collect()
    }

    pub(crate) fn profile(&self, username: &str) -> Option<Value> {
        let user = self.user(username).filter(|u| u.active)?;
        let items = self.scrobble_items(Some(&user.uuid), 10, false);
        Some(json!({
            "uuid": user.uuid,
            "username": user.username,
            "scrobbles": if items.is_empty() { Value::Null } else { Value::Array(items) },
        }))
    }

    /// Top artists (`tracks == false`) or tracks of a user (`None` = site-wide) over the last
    /// `days` days: `{"1": {uuid, name, img, plays}, …}`, 14 at most.
    pub(crate) fn top(&self, user: Option<&str>, days: Option<u32>, tracks: bool) -> Value {
        let since = days.map(|d| self.now() - TimeDelta::days(i64::from(d)));
        let data = self.lock();
        let mut plays: BTreeMap<String, u64> = BTreeMap::new();
        for s in data.scrobbles.iter().filter(|s| {
            user.is_none_or(|u| s.user == u) && since.is_none_or(|since| s.time >= since)
        }) {
            let Some(track) = data.tracks.iter().find(|t| t.uuid == s.track) else {
                continue;
            };
            if tracks {
                *plays.entry(track.uuid.clone()).or_default() += 1;
            } else {
                for artist in &track.artists {
                    *plays.entry(artist.clone()).or_default() += 1;
                }
            }
        }
        let mut ranked: Vec<(String, u64)> = plays.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut map = Map::new();
        for (rank, (id, count)) in ranked.into_iter().take(14).enumerate() {
            // `img` is a UUID here: the artist's own in top artists, the track's album in top
            // tracks (`COALESCE(albums.uuid,'')` of the join).
            let (name, img) = if tracks {
                data.tracks
                    .iter()
                    .find(|t| t.uuid == id)
                    .map(|t| {
                        (
                            t.name.clone(),
                            t.albums.first().cloned().unwrap_or_default(),
                        )
                    })
                    .unwrap_or_default()
            } else {
                let name = data
                    .artists
                    .iter()
                    .find(|a| a.uuid == id)
                    .map(|a| a.name.clone())
                    .unwrap_or_default();
                (name, id.clone())
            };
            map.insert(
                (rank + 1).to_string(),
                json!({ "uuid": id, "name": name, "img": img, "plays": count }),
            );
        }
        Value::Object(map)
    }

    /// `GET /artists/{uuid}` or `/albums/{uuid}`.
    pub(crate) fn artist_or_album(&self, uuid: &str, album: bool) -> Option<Value> {
        let data = self.lock();
        if album {
            data.albums.iter().find(|a| a.uuid == uuid).map(album_json)
        } else {
            data.artists
                .iter()
                .find(|a| a.uuid == uuid)
                .map(artist_json)
        }
    }

    pub(crate) fn track(&self, uuid: &str) -> Option<Value> {
        let data = self.lock();
        let track = data.tracks.iter().find(|t| t.uuid == uuid)?;
        let artists: Vec<Value> = track
            .artists
            .iter()
            .filter_map(|id| data.artists.iter().find(|a| &a.uuid == id))
            .map(artist_json)
            .collect();
        let albums: Vec<Value> = track
            .albums
            .iter()
            .filter_map(|id| data.albums.iter().find(|a| &a.uuid == id))
            .map(album_json)
            .collect();
        // `getTrackByUUID` selects the album's description and UUID into the track's
        // `desc` and `img` (a LEFT JOIN: empty without an album).
        let first_album = track
            .albums
            .first()
            .and_then(|id| data.albums.iter().find(|a| &a.uuid == id));
        Some(json!({
            "uuid": track.uuid,
            "name": track.name,
            "length": track.length,
            "desc": first_album.map(|a| a.desc.clone()).unwrap_or_default(),
            "img": first_album.map(|a| a.uuid.clone()).unwrap_or_default(),
            "mbid": track.mbid,
            "spotify_id": "",
            "artists": artists,
            "albums": albums,
        }))
    }

    /// `GET /{artists|albums|tracks}/{uuid}/top`: the top 10 listeners. `meta.total` is the
    /// server's count query: all plays of the artist or album; for a track the plays of the
    /// first `(track, user)` group (taken here as the user of its earliest stored play), and
    /// with no play at all that query has no row and the call fails.
    pub(crate) fn top_listeners(&self, kind: &str, uuid: &str) -> Result<Value, &'static str> {
        let data = self.lock();
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        let mut plays = 0_u64;
        let mut first_listener: Option<String> = None;
        for s in &data.scrobbles {
            let track = data.tracks.iter().find(|t| t.uuid == s.track);
            let hit = match kind {
                "artists" => track.is_some_and(|t| t.artists.iter().any(|a| a == uuid)),
                "albums" => s.album == uuid,
                _ => s.track == uuid,
            };
            if hit {
                *counts.entry(s.user.clone()).or_default() += 1;
                plays += 1;
                first_listener.get_or_insert_with(|| s.user.clone());
            }
        }
        let total = match kind {
            "artists" | "albums" => plays,
            _ => {
                let first = first_listener.ok_or("Failed to fetch combined scrobbles")?;
                counts.get(&first).copied().unwrap_or_default()
            }
        };
        let mut ranked: Vec<(String, u64)> = counts.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let items: Vec<Value> = ranked
            .into_iter()
            .take(10)
            .map(|(user, count)| {
                let name = data
                    .users
                    .iter()
                    .find(|u| u.uuid == user)
                    .map(|u| u.username.clone());
                json!({ "user_uuid": user, "count": count, "user_name": name.unwrap_or_default() })
            })
            .collect();
        let count = items.len();
        Ok(json!({
            "meta": { "count": count, "total": total, "page": 1 },
            "items": if items.is_empty() { Value::Null } else { Value::Array(items) },
        }))
    }

    /// `GET /tracks/artist/{uuid}` or `/tracks/album/{uuid}`.
    pub(crate) fn tracks_of(&self, uuid: &str, album: bool) -> Value {
        let data = self.lock();
        let mut map = Map::new();
        let tracks = data.tracks.iter().filter(|t| {
            if album {
                t.albums.iter().any(|a| a == uuid)
            } else {
                t.artists.iter().any(|a| a == uuid)
            }
        });
        for (rank, track) in tracks.enumerate() {
            map.insert(
                (rank + 1).to_string(),
                json!({ "uuid": track.uuid, "name": track.name, "img": "", "plays": 0 }),
            );
        }
        Value::Object(map)
    }
}

fn artist_json(artist: &Artist) -> Value {
    json!({
        "uuid": artist.uuid,
        "name": artist.name,
        "desc": artist.desc,
        "img": artist.img,
        "mbid": artist.mbid,
        "spotify_id": "",
    })
}

fn album_json(album: &Album) -> Value {
    json!({
        "uuid": album.uuid,
        "name": album.name,
        "desc": album.desc,
        "img": album.img,
        "mbid": album.mbid,
        "spotify_id": "",
    })
}
