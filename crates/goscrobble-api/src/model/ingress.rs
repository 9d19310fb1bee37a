//! Scrobble payloads: multi-scrobbler's and the Jellyfin webhook's.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

/// A play as multi-scrobbler posts it to `/ingress/multiscrobbler` (the keys the server
/// really reads: `artists`, `album`, `track`, `playDate` as RFC 3339, `duration` in seconds;
/// the published docs' `Artist`/`PlayedAt` are wrong).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MultiScrobble {
    /// The artists, first the main one.
    pub artists: Vec<String>,
    /// The album.
    pub album: String,
    /// The track title.
    pub track: String,
    /// When it was played.
    #[serde(rename = "playDate", serialize_with = "rfc3339")]
    pub play_date: DateTime<Utc>,
    /// The track's length in seconds.
    pub duration: u64,
}

impl MultiScrobble {
    /// A play of `track` on `album` by `artists`, at `play_date`, `duration` seconds long.
    pub fn new(
        artists: Vec<String>,
        album: impl Into<String>,
        track: impl Into<String>,
        play_date: DateTime<Utc>,
        duration: u64,
    ) -> Self {
        Self {
            artists,
            album: album.into(),
            track: track.into(),
            play_date,
            duration,
        }
    }
}

fn rfc3339<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// The Jellyfin webhook plugin's playback event, with the keys the server reads. The scrobble
/// time is when the server receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct JellyfinEvent {
    /// `Name`: the track title.
    #[serde(rename = "Name")]
    pub name: String,
    /// `Album`.
    #[serde(rename = "Album")]
    pub album: String,
    /// `Artist`: one string.
    #[serde(rename = "Artist")]
    pub artist: String,
    /// `ItemType`: the server takes only `Audio`.
    #[serde(rename = "ItemType")]
    pub item_type: String,
    /// `RunTime` as `HH:MM:SS`.
    #[serde(
        rename = "RunTime",
        serialize_with = "hms",
        skip_serializing_if = "Option::is_none"
    )]
    pub run_time: Option<Duration>,
    /// `DeviceId`: the dedupe is per user and device.
    #[serde(rename = "DeviceId")]
    pub device_id: String,
    /// `Provider_musicbrainztrack`.
    #[serde(
        rename = "Provider_musicbrainztrack",
        skip_serializing_if = "Option::is_none"
    )]
    pub musicbrainz_track: Option<String>,
    /// `Provider_musicbrainzalbum`.
    #[serde(
        rename = "Provider_musicbrainzalbum",
        skip_serializing_if = "Option::is_none"
    )]
    pub musicbrainz_album: Option<String>,
    /// `Provider_musicbrainzartist`.
    #[serde(
        rename = "Provider_musicbrainzartist",
        skip_serializing_if = "Option::is_none"
    )]
    pub musicbrainz_artist: Option<String>,
}

impl JellyfinEvent {
    /// An `Audio` event of `name` on `album` by `artist` from device `device_id`.
    pub fn audio(
        name: impl Into<String>,
        album: impl Into<String>,
        artist: impl Into<String>,
        device_id: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            album: album.into(),
            artist: artist.into(),
            item_type: "Audio".to_owned(),
            run_time: None,
            device_id: device_id.into(),
            musicbrainz_track: None,
            musicbrainz_album: None,
            musicbrainz_artist: None,
        }
    }

    /// Sets the track's length (`RunTime`).
    #[must_use]
    pub fn with_run_time(mut self, run_time: Duration) -> Self {
        self.run_time = Some(run_time);
        self
    }

    /// Sets the `MusicBrainz` ids (track, album, artist) the server matches on first.
    #[must_use]
    pub fn with_musicbrainz(
        mut self,
        track: impl Into<String>,
        album: impl Into<String>,
        artist: impl Into<String>,
    ) -> Self {
        self.musicbrainz_track = Some(track.into());
        self.musicbrainz_album = Some(album.into());
        self.musicbrainz_artist = Some(artist.into());
        self
    }
}

#[allow(clippy::ref_option)] // serde's serialize_with hands us `&Option<T>`.
fn hms<S: Serializer>(run_time: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
    let seconds = run_time.map_or(0, |d| d.as_secs());
    serializer.serialize_str(&format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_use_the_server_keys() {
        let time = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let play = MultiScrobble::new(vec!["A".into()], "B", "C", time, 200);
        let json = serde_json::to_value(&play).unwrap();
        assert_eq!(json["playDate"], "2023-11-14T22:13:20Z");
        assert_eq!(json["duration"], 200);
        let event =
            JellyfinEvent::audio("T", "Al", "Ar", "dev").with_run_time(Duration::from_secs(3725));
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["RunTime"], "01:02:05");
        assert_eq!(json["ItemType"], "Audio");
        assert!(json.get("Provider_musicbrainztrack").is_none());
    }
}
