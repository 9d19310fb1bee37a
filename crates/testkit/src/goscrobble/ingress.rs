//! The ingestion routes: `?key=` auth through the key cache, the Jellyfin webhook and the
//! multi-scrobbler payload, decoded the way Go's decoder reads them.

use axum::extract::{RawQuery, State};
use bytes::Bytes;
use chrono::DateTime;
use serde_json::{Map, Value};

use super::catalogue::Play;
use super::routes::St;
use super::state::Shared;
use super::wire::{Reply, any_object, field, go_decode_object, go_kind, string_field};

macro_rules! try_reply {
    ($e:expr) => {
        match $e {
            Ok(value) => value,
            Err(reply) => return reply,
        }
    };
}

/// `?key=` → the user, as the key middleware does.
fn key_user(shared: &Shared, query: Option<&str>) -> Result<String, Reply> {
    let key = query.and_then(|q| {
        url_pairs(q)
            .into_iter()
            .find(|(k, _)| k == "key")
            .map(|(_, v)| v)
    });
    let Some(key) = key else {
        return Err(Reply::unauthorized("No key parameter provided"));
    };
    if key.is_empty() {
        return Err(Reply::unauthorized("A token is required"));
    }
    shared
        .ingress_user(&key)
        .ok_or_else(|| Reply::unauthorized("Invalid Token"))
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| char::from(b).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(high), Some(low)) => {
                        out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `timestampToSeconds`: `fmt.Sscanf(text, "%d:%d:%d")` must read all three numbers, else
/// the length is 0 (`MM:SS` too); what follows the third number is not looked at.
fn run_time(text: &str) -> u64 {
    let mut parts = text.splitn(3, ':');
    let (Some(h), Some(m), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return 0;
    };
    let number = |part: &str| part.trim_start().parse::<i64>().ok();
    let rest = rest.trim_start();
    let digits = rest
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '+' || c == '-'))))
        .map_or(rest.len(), |(i, _)| i);
    let (Some(h), Some(m), Some(s)) = (number(h), number(m), number(&rest[..digits])) else {
        return 0;
    };
    // Go's int arithmetic wraps; a negative result is kept at 0 (the emulator's lengths are
    // unsigned).
    let seconds = h
        .wrapping_mul(3600)
        .wrapping_add(m.wrapping_mul(60))
        .wrapping_add(s);
    u64::try_from(seconds).unwrap_or(0)
}

pub(super) async fn jellyfin(State(shared): St, RawQuery(query): RawQuery, body: Bytes) -> Reply {
    let user = try_reply!(key_user(&shared, query.as_deref()));
    let Some(fields) = any_object(&body) else {
        return Reply::BadJson;
    };
    // Typed fields of the webhook struct: a wrong kind fails decoding.
    for name in ["PlaybackPositionTicks", "RunTimeTicks", "Year"] {
        if field(&fields, name).is_some_and(|v| !(v.is_i64() || v.is_u64() || v.is_null())) {
            return Reply::BadJson;
        }
    }
    let text = |name: &str| -> Result<String, Reply> {
        string_field(&fields, name, "JellyfinRequest").map_err(|_| Reply::BadJson)
    };
    let name = try_reply!(text("Name"));
    let album = try_reply!(text("Album"));
    let artist = try_reply!(text("Artist"));
    let item_type = try_reply!(text("ItemType"));
    let runtime = try_reply!(text("RunTime"));
    let device = try_reply!(text("DeviceId"));
    let mb_track = try_reply!(text("Provider_musicbrainztrack"));
    let mb_album = try_reply!(text("Provider_musicbrainzalbum"));
    let mb_artist = try_reply!(text("Provider_musicbrainzartist"));
    let slot = format!("jellyfin:{user}:{device}");
    let value = format!("{name}:{album}");
    if shared.is_duplicate(&slot, &value) {
        return Reply::message("success");
    }
    if item_type != "Audio" {
        return Reply::error("Media type not audio");
    }
    if artist.is_empty() {
        return Reply::error("Missing artist data");
    }
    if album.is_empty() {
        return Reply::error("Missing album data");
    }
    if name.is_empty() {
        return Reply::error("Missing track data");
    }
    let play = Play {
        artists: vec![artist],
        album,
        track: name,
        length: run_time(&runtime),
        mbid_track: mb_track,
        mbid_album: mb_album,
        mbid_artist: mb_artist,
    };
    shared.scrobble(&user, &play, shared.now(), "jellyfin");
    shared.remember(&slot, &value);
    Reply::message("success")
}

fn decode_multiscrobbler(body: &[u8]) -> Result<(Play, DateTime<chrono::Utc>), String> {
    const TYPE: &str = "MultiScrobblerRequest";
    let fields: Map<String, Value> = go_decode_object(body, "goscrobble.MultiScrobblerRequest")?;
    let artists = match field(&fields, "artists") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut names = Vec::new();
            for item in items {
                match item {
                    Value::String(name) => names.push(name.clone()),
                    other => {
                        return Err(format!(
                            "json: cannot unmarshal {} into Go struct field {TYPE}.artists of type string",
                            go_kind(other)
                        ));
                    }
                }
            }
            names
        }
        Some(other) => {
            return Err(format!(
                "json: cannot unmarshal {} into Go struct field {TYPE}.artists of type []string",
                go_kind(other)
            ));
        }
    };
    let album = string_field(&fields, "album", TYPE)?;
    let track = string_field(&fields, "track", TYPE)?;
    let time = match field(&fields, "playDate") {
        None | Some(Value::Null) => DateTime::UNIX_EPOCH,
        Some(Value::String(text)) => DateTime::parse_from_rfc3339(text)
            .map_err(|_| {
                format!("parsing time \"\\\"{text}\\\"\" as \"\\\"2006-01-02T15:04:05Z07:00\\\"\": cannot parse \"{text}\\\"\" as \"2006\"")
            })?
            .to_utc(),
        Some(other) => {
            return Err(format!(
                "parsing time \"{other}\" as \"\\\"2006-01-02T15:04:05Z07:00\\\"\": cannot parse \"{other}\" as \"\\\"\""
            ));
        }
    };
    let length = match field(&fields, "duration") {
        None | Some(Value::Null) => 0,
        Some(value) => value.as_u64().ok_or_else(|| {
            format!(
                "json: cannot unmarshal {} into Go struct field {TYPE}.duration of type int",
                go_kind(value)
            )
        })?,
    };
    Ok((
        Play {
            artists,
            album,
            track,
            length,
            ..Play::default()
        },
        time,
    ))
}

pub(super) async fn multiscrobbler(
    State(shared): St,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Reply {
    let user = try_reply!(key_user(&shared, query.as_deref()));
    let (play, time) = match decode_multiscrobbler(&body) {
        Ok(decoded) => decoded,
        Err(text) => return Reply::error(text),
    };
    let slot = format!("multiscrobbler:{user}");
    let value = format!("{}:{}", play.track, play.album);
    if shared.is_duplicate(&slot, &value) {
        return Reply::message("success");
    }
    shared.scrobble(&user, &play, time, "multiscrobbler");
    shared.remember(&slot, &value);
    Reply::message("success")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_read_like_the_server() {
        assert_eq!(run_time("00:03:25"), 205);
        assert_eq!(run_time("00:03:25.0000000"), 205);
        assert_eq!(run_time("03:25"), 0);
        assert_eq!(run_time("junk"), 0);
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
