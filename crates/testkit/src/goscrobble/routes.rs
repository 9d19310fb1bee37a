//! The HTTP face of the emulator: the route table of spec §2.5 under `/api/v1`.

use std::sync::Arc;

use axum::Router;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Request, State};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use bytes::Bytes;
use http::HeaderMap;
use serde_json::{Value, json};

use super::state::{Shared, Tier};
use super::wire::{Reply, any_object, field, go_decode_object, string_field};
use super::{ingress, upload};

pub(super) type St = State<Arc<Shared>>;

pub(crate) fn router(shared: Arc<Shared>, base_path: &str) -> Router {
    let base = base_path.trim_end_matches('/').to_owned();
    let prefix = base.clone();
    let api = Router::new()
        .route("/register", post(register))
        .route("/login", post(login))
        .route("/refresh", post(refresh))
        .route("/sendreset", post(send_reset))
        .route("/resetpassword", post(reset_password))
        .route("/serverinfo", get(server_info))
        .route("/stats", get(stats))
        .route("/recent", get(recent))
        .route("/profile/{username}", get(profile))
        .route("/user", get(get_user).patch(patch_user))
        .route("/user/{uuid}/scrobbles", get(user_scrobbles))
        .route(
            "/user/navidrome",
            post(link_navidrome).delete(unlink_navidrome),
        )
        .route("/user/spotify", get(spotify_id).delete(unlink_spotify))
        .route("/config", get(get_config).post(post_config))
        .route("/artists/top/{uuid}", get(top_artists))
        .route("/artists/top/{uuid}/{days}", get(top_artists_days))
        .route("/tracks/top/{uuid}", get(top_tracks))
        .route("/tracks/top/{uuid}/{days}", get(top_tracks_days))
        .route("/artists/{uuid}", get(artist))
        .route("/albums/{uuid}", get(album))
        .route("/tracks/{uuid}", get(track))
        .route("/artists/{uuid}/top", get(artist_listeners))
        .route("/albums/{uuid}/top", get(album_listeners))
        .route("/tracks/{uuid}/top", get(track_listeners))
        .route("/tracks/artist/{uuid}", get(artist_tracks))
        .route("/tracks/album/{uuid}", get(album_tracks))
        .route(
            "/artists/{uuid}/upload",
            post(upload::artist).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/albums/{uuid}/upload",
            post(upload::album).layer(DefaultBodyLimit::disable()),
        )
        .route("/ingress/jellyfin", post(ingress::jellyfin))
        .route("/ingress/multiscrobbler", post(ingress::multiscrobbler))
        .route_layer(axum::middleware::from_fn_with_state(
            (shared.clone(), base.clone()),
            limit,
        ))
        .fallback(move |request: Request| {
            let prefix = prefix.clone();
            async move { fallback(&prefix, &request) }
        })
        .with_state(shared);
    if base.is_empty() {
        api
    } else {
        Router::new().nest(&base, api).fallback(fallback_outside)
    }
}

/// `StrictSlash`: a trailing slash is redirected to the canonical path; anything else is
/// gorilla/mux's plain-text 404.
fn fallback(prefix: &str, request: &Request) -> Reply {
    // Inside the nest the path has lost its prefix; the redirect names the full path.
    let path = request.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        return Reply::Moved(format!("{prefix}{}", path.trim_end_matches('/')));
    }
    Reply::NotFound
}

async fn fallback_outside() -> Reply {
    Reply::NotFound
}

/// The limiter of each route, as `server.go` wraps it in `limitMiddleware` (spec §2.4);
/// `None` for the two routes it leaves unlimited (server info, a user's scrobbles). Only
/// called for a path the router matched.
fn tier_of(path: &str) -> Option<Tier> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["serverinfo"] | ["user", _, "scrobbles"] => None,
        ["register" | "sendreset" | "resetpassword"] | ["artists" | "albums", _, "upload"] => {
            Some(Tier::Heavy)
        }
        ["login" | "refresh" | "config"] => Some(Tier::Standard),
        _ => Some(Tier::Light),
    }
}

/// `limitMiddleware`: runs before the handler and its authentication, keyed by the route's
/// tier and the peer's `ip:port` (when the server tells it, through `ConnectInfo`).
async fn limit(
    State((shared, prefix)): State<(Arc<Shared>, String)>,
    request: Request,
    next: Next,
) -> axum::response::Response {
    // Inside the nest the path has usually lost its prefix already.
    let path = request.uri().path();
    let path = path.strip_prefix(prefix.as_str()).unwrap_or(path);
    // The test server hands every route the connection's address (`TestServer` serves with
    // connect info), as Go's `RemoteAddr`.
    let peer = request
        .extensions()
        .get::<ConnectInfo<crate::control::Peer>>()
        .map(|info| info.0.0);
    if let Some(tier) = tier_of(path)
        && !shared.allow(tier, peer)
    {
        return Reply::TooMany.into_response();
    }
    next.run(request).await
}

/// The JWT middleware: the first `"Bearer "` substring is deleted, the rest verified.
fn jwt_user(shared: &Shared, headers: &HeaderMap) -> Result<String, Reply> {
    let header = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = header.replacen("Bearer ", "", 1);
    shared
        .verify_jwt(&token)
        .ok_or_else(|| Reply::unauthorized("Invalid JWT Token"))
}

/// The admin middleware: a valid JWT of an active admin (`getUserByUUID` selects
/// `active = true`).
fn admin_user(shared: &Shared, headers: &HeaderMap) -> Result<String, Reply> {
    let uuid = jwt_user(shared, headers)?;
    let user = shared
        .active_user(&uuid)
        .ok_or_else(|| Reply::unauthorized("Invalid user UUID"))?;
    if !user.admin {
        return Err(Reply::unauthorized("User is not admin"));
    }
    Ok(uuid)
}

/// `modMiddleware` of the uploads: a valid JWT of an active moderator or admin.
pub(super) fn moderator_user(shared: &Shared, headers: &HeaderMap) -> Result<String, Reply> {
    let uuid = jwt_user(shared, headers)?;
    let user = shared
        .active_user(&uuid)
        .ok_or_else(|| Reply::unauthorized("Invalid user UUID"))?;
    if !user.admin && !user.moderator {
        return Err(Reply::unauthorized(
            "User is not moderator or administrator",
        ));
    }
    Ok(uuid)
}

pub(super) fn is_uuid(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok() && text.len() == 36
}

macro_rules! try_reply {
    ($e:expr) => {
        match $e {
            Ok(value) => value,
            Err(reply) => return reply,
        }
    };
}

// ---- auth ----

async fn register(State(shared): St, body: Bytes) -> Reply {
    if !shared.registration_enabled() {
        return Reply::error("Registration is currently disabled");
    }
    let fields = try_reply!(
        go_decode_object(&body, "goscrobble.RegisterRequest").map_err(Reply::bad_request)
    );
    let read = |name| string_field(&fields, name, "RegisterRequest").map_err(Reply::bad_request);
    let username = try_reply!(read("username"));
    let password = try_reply!(read("password"));
    let email = try_reply!(read("email"));
    match shared.register(&username, &password, &email) {
        Ok(()) => Reply::message("User created succesfully. You may now login"),
        Err(text) => Reply::error(text),
    }
}

async fn login(State(shared): St, body: Bytes) -> Reply {
    let fields =
        try_reply!(go_decode_object(&body, "goscrobble.LoginRequest").map_err(Reply::bad_request));
    let read = |name| string_field(&fields, name, "LoginRequest").map_err(Reply::bad_request);
    let username = try_reply!(read("username"));
    let password = try_reply!(read("password"));
    match shared.login(&username, &password) {
        Ok(token) => Reply::Ok(json!({ "token": token })),
        Err(text) => Reply::error(text),
    }
}

async fn refresh(State(shared): St, body: Bytes) -> Reply {
    // Decode errors are ignored: the token is then empty.
    let token = any_object(&body)
        .and_then(|map| {
            field(&map, "token")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default();
    match shared.refresh(&token) {
        Ok(token) => Reply::Ok(json!({ "token": token })),
        Err(text) => Reply::error(text),
    }
}

async fn send_reset(State(shared): St, body: Bytes) -> Reply {
    let fields = try_reply!(
        go_decode_object(&body, "goscrobble.RequestRequest").map_err(Reply::bad_request)
    );
    let email =
        try_reply!(string_field(&fields, "email", "RequestRequest").map_err(Reply::bad_request));
    match shared.send_reset(&email) {
        Ok(()) => Reply::message("Password reset email sent"),
        Err(text) => Reply::error(text),
    }
}

async fn reset_password(State(shared): St, body: Bytes) -> Reply {
    let Some(fields) = any_object(&body) else {
        return Reply::BadJson;
    };
    let token = fields
        .get("token")
        .map(super::wire::go_format)
        .unwrap_or_default();
    if let Some(password) = fields.get("password") {
        let password = super::wire::go_format(password);
        return match shared.reset_password(&token, &password) {
            Ok(()) => Reply::message("Password updated successfully!"),
            Err(text) => Reply::error(text),
        };
    }
    if shared.reset_token_valid(&token) {
        Reply::Ok(json!({ "valid": true }))
    } else {
        // `valid: false` is omitted (omitempty).
        Reply::Ok(json!({}))
    }
}

// ---- site ----

async fn server_info(State(shared): St) -> Reply {
    let enabled = shared
        .config_map()
        .get("REGISTRATION_ENABLED")
        .cloned()
        .unwrap_or_default();
    Reply::Ok(json!({ "version": "0.1.8", "registration_enabled": enabled }))
}

async fn stats(State(shared): St) -> Reply {
    Reply::Ok(shared.stats())
}

async fn recent(State(shared): St) -> Reply {
    Reply::Ok(shared.scrobble_list(None, 50, true))
}

async fn profile(State(shared): St, Path(username): Path<String>) -> Reply {
    match shared.profile(&username) {
        Some(profile) => Reply::Ok(profile),
        None => Reply::error("Invalid Username"),
    }
}

// ---- user ----

async fn get_user(State(shared): St, headers: HeaderMap) -> Reply {
    let uuid = try_reply!(jwt_user(&shared, &headers));
    match shared.user_json(&uuid) {
        Some(user) => Reply::Ok(user),
        None => Reply::error("Failed to fetch user information"),
    }
}

async fn patch_user(State(shared): St, headers: HeaderMap, body: Bytes) -> Reply {
    let uuid = try_reply!(jwt_user(&shared, &headers));
    match shared.patch_user(&uuid, &any_object(&body).unwrap_or_default()) {
        Ok(()) => Reply::message("User updated successfully"),
        Err(text) => Reply::error(text),
    }
}

async fn user_scrobbles(State(shared): St, headers: HeaderMap, Path(uuid): Path<String>) -> Reply {
    try_reply!(jwt_user(&shared, &headers));
    if !is_uuid(&uuid) {
        return Reply::error("Failed to fetch scrobbles");
    }
    Reply::Ok(shared.scrobble_list(Some(&uuid), 100, false))
}

async fn link_navidrome(State(shared): St, headers: HeaderMap, body: Bytes) -> Reply {
    let uuid = try_reply!(jwt_user(&shared, &headers));
    let Some(fields) = any_object(&body) else {
        return Reply::error("Invalid JSON");
    };
    let text = |name| {
        field(&fields, name)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let (url, username, password) = (text("url"), text("username"), text("password"));
    if url.is_empty() || username.is_empty() || password.is_empty() || !shared.navidrome_accepts() {
        return Reply::error("Failed to validate credentials");
    }
    shared.set_user_field(&uuid, |u| u.navidrome_server = url);
    Reply::message("Successfully saved!")
}

async fn unlink_navidrome(State(shared): St, headers: HeaderMap) -> Reply {
    let uuid = try_reply!(jwt_user(&shared, &headers));
    shared.set_user_field(&uuid, |u| u.navidrome_server.clear());
    Reply::message("Navidrome account successfully unlinked")
}

async fn spotify_id(State(shared): St, headers: HeaderMap) -> Reply {
    try_reply!(jwt_user(&shared, &headers));
    match shared
        .config_map()
        .get("SPOTIFY_API_ID")
        .filter(|id| !id.is_empty())
    {
        Some(id) => Reply::Ok(json!({ "token": id })),
        None => Reply::Ok(json!({})),
    }
}

async fn unlink_spotify(State(shared): St, headers: HeaderMap) -> Reply {
    let uuid = try_reply!(jwt_user(&shared, &headers));
    shared.set_user_field(&uuid, |u| u.spotify_username.clear());
    Reply::message("Spotify account successfully unlinked")
}

// ---- admin ----

async fn get_config(State(shared): St, headers: HeaderMap) -> Reply {
    try_reply!(admin_user(&shared, &headers));
    Reply::Ok(json!({ "configs": shared.config_map() }))
}

async fn post_config(State(shared): St, headers: HeaderMap, body: Bytes) -> Reply {
    try_reply!(admin_user(&shared, &headers));
    let Some(fields) = any_object(&body) else {
        return Reply::BadJson;
    };
    shared.update_config(&fields);
    Reply::message("Config updated successfully")
}

// ---- music ----

fn top(shared: &Shared, uuid: &str, days: Option<&str>, tracks: bool) -> Reply {
    let days = match days {
        None => None,
        Some(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            Some(text.parse::<u32>().unwrap_or(u32::MAX))
        }
        // The route only matches `[0-9]+`.
        Some(_) => return Reply::NotFound,
    };
    let failure = if tracks {
        "Failed to fetch top tracks"
    } else {
        "Failed to fetch top artist"
    };
    let user = if uuid == "0" {
        None
    } else if is_uuid(uuid) {
        Some(uuid)
    } else {
        return Reply::error(failure);
    };
    let key = if tracks { "tracks" } else { "artists" };
    Reply::Ok(json!({ key: shared.top(user, days, tracks) }))
}

async fn top_artists(State(shared): St, Path(uuid): Path<String>) -> Reply {
    top(&shared, &uuid, None, false)
}

async fn top_artists_days(State(shared): St, Path((uuid, days)): Path<(String, String)>) -> Reply {
    top(&shared, &uuid, Some(&days), false)
}

async fn top_tracks(State(shared): St, Path(uuid): Path<String>) -> Reply {
    top(&shared, &uuid, None, true)
}

async fn top_tracks_days(State(shared): St, Path((uuid, days)): Path<(String, String)>) -> Reply {
    top(&shared, &uuid, Some(&days), true)
}

async fn artist(State(shared): St, Path(uuid): Path<String>) -> Reply {
    // `getArtistByUUID` turns only "no rows" into `Invalid UUID`; the database's refusal of a
    // malformed UUID is dropped and the empty artist is sent.
    if !is_uuid(&uuid) {
        return Reply::Ok(
            json!({ "uuid": "", "name": "", "desc": "", "img": "", "mbid": "", "spotify_id": "" }),
        );
    }
    shared
        .artist_or_album(&uuid, false)
        .map_or_else(|| Reply::error("Invalid UUID"), Reply::Ok)
}

async fn album(State(shared): St, Path(uuid): Path<String>) -> Reply {
    shared
        .artist_or_album(&uuid, true)
        .map_or_else(|| Reply::error("Invalid UUID"), Reply::Ok)
}

async fn track(State(shared): St, Path(uuid): Path<String>) -> Reply {
    shared
        .track(&uuid)
        .map_or_else(|| Reply::error("Invalid UUID"), Reply::Ok)
}

fn listeners(shared: &Shared, kind: &str, uuid: &str) -> Reply {
    if !is_uuid(uuid) {
        return Reply::error("Failed to fetch combined scrobbles");
    }
    shared
        .top_listeners(kind, uuid)
        .map_or_else(Reply::error, Reply::Ok)
}

async fn artist_listeners(State(shared): St, Path(uuid): Path<String>) -> Reply {
    listeners(&shared, "artists", &uuid)
}

async fn album_listeners(State(shared): St, Path(uuid): Path<String>) -> Reply {
    listeners(&shared, "albums", &uuid)
}

async fn track_listeners(State(shared): St, Path(uuid): Path<String>) -> Reply {
    listeners(&shared, "tracks", &uuid)
}

fn tracks_of(shared: &Shared, uuid: &str, album: bool) -> Reply {
    if !is_uuid(uuid) {
        // `getAllTracksForArtist`/`Album` say "top tracks" when the query fails.
        return Reply::error("Failed to fetch top tracks");
    }
    Reply::Ok(json!({ "tracks": shared.tracks_of(uuid, album) }))
}

async fn artist_tracks(State(shared): St, Path(uuid): Path<String>) -> Reply {
    tracks_of(&shared, &uuid, false)
}

async fn album_tracks(State(shared): St, Path(uuid): Path<String>) -> Reply {
    tracks_of(&shared, &uuid, true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_are_recognised() {
        assert!(super::is_uuid("0b6f3c1e-8a5d-4c2a-9e57-2f1a8d3b4c5e"));
        assert!(!super::is_uuid("0"));
    }
}
