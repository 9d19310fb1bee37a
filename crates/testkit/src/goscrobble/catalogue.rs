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
}

#[derive(Debug, Clone)]
pub(super) struct Album {
    pub(super) uuid: String,
    pub(super) name: String,
    pub(super) mbid: String,
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
    /// the scrobble.
    pub(crate) fn scrobble(
        &self,
        user: &str,
        play: &Play,
        time: DateTime<Utc>,
        source: &str,
    ) -> Result<(), &'static str> {
        if play.artists.is_empty() || play.artists.iter().any(String::is_empty) {
            return Err("Failed to map artist");
        }
        if play.album.is_empty() {
            return Err("Failed to map album");
        }
        if play.track.is_empty() {
            return Err("Failed to map track");
        }
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
        data.scrobbles.push(ScrobbleRecord {
            uuid: new_uuid(),
            user: user.to_owned(),
            track: track_id,
            album: album_id,
            time,
            source: source.to_owned(),
        });
        Ok(())
    }

    pub(crate) fn scrobbles_of(&self, uuid: &str) -> Vec<ScrobbleRecord> {
        self.lock()
            .scrobbles
            .iter()
            .filter(|s| s.user == uuid)
            .cloned()
            .collect()
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

    /// A `ScrobbleList` of the latest `limit` scrobbles (of `user`, or of everyone).
    pub(crate) fn scrobble_list(&self, user: Option<&str>, limit: usize, with_user: bool) -> Value {
        let items = self.scrobble_items(user, limit, with_user);
        let count = items.len();
        json!({
            "meta": { "count": count, "total": count, "page": 1 },
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
            let name = if tracks {
                data.tracks
                    .iter()
                    .find(|t| t.uuid == id)
                    .map(|t| t.name.clone())
            } else {
                data.artists
                    .iter()
                    .find(|a| a.uuid == id)
                    .map(|a| a.name.clone())
            };
            map.insert(
                (rank + 1).to_string(),
                json!({ "uuid": id, "name": name.unwrap_or_default(), "img": "", "plays": count }),
            );
        }
        Value::Object(map)
    }

    /// `GET /artists/{uuid}` or `/albums/{uuid}`.
    pub(crate) fn artist_or_album(&self, uuid: &str, album: bool) -> Option<Value> {
        let data = self.lock();
        let (id, name, mbid) = if album {
            let a = data.albums.iter().find(|a| a.uuid == uuid)?;
            (a.uuid.clone(), a.name.clone(), a.mbid.clone())
        } else {
            let a = data.artists.iter().find(|a| a.uuid == uuid)?;
            (a.uuid.clone(), a.name.clone(), a.mbid.clone())
        };
        Some(
            json!({ "uuid": id, "name": name, "desc": "", "img": "", "mbid": mbid, "spotify_id": "" }),
        )
    }

    pub(crate) fn track(&self, uuid: &str) -> Option<Value> {
        let data = self.lock();
        let track = data.tracks.iter().find(|t| t.uuid == uuid)?;
        let artists: Vec<Value> = track
            .artists
            .iter()
            .filter_map(|id| data.artists.iter().find(|a| &a.uuid == id))
            .map(|a| json!({ "uuid": a.uuid, "name": a.name, "desc": "", "img": "", "mbid": a.mbid, "spotify_id": "" }))
            .collect();
        let albums: Vec<Value> = track
            .albums
            .iter()
            .filter_map(|id| data.albums.iter().find(|a| &a.uuid == id))
            .map(|a| json!({ "uuid": a.uuid, "name": a.name, "desc": "", "img": "", "mbid": a.mbid, "spotify_id": "" }))
            .collect();
        Some(json!({
            "uuid": track.uuid,
            "name": track.name,
            "length": track.length,
            "desc": "",
            "img": "",
            "mbid": track.mbid,
            "spotify_id": "",
            "artists": artists,
            "albums": albums,
        }))
    }

    /// `GET /{artists|albums|tracks}/{uuid}/top`: the top 10 listeners.
    pub(crate) fn top_listeners(&self, kind: &str, uuid: &str) -> Value {
        let data = self.lock();
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for s in &data.scrobbles {
            let track = data.tracks.iter().find(|t| t.uuid == s.track);
            let hit = match kind {
                "artists" => track.is_some_and(|t| t.artists.iter().any(|a| a == uuid)),
                "albums" => s.album == uuid,
                _ => s.track == uuid,
            };
            if hit {
                *counts.entry(s.user.clone()).or_default() += 1;
            }
        }
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
        json!({
            "meta": { "count": count, "total": count, "page": 1 },
            "items": if items.is_empty() { Value::Null } else { Value::Array(items) },
        })
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
