//! Every endpoint this crate covers, for the generated reference docs.

use omniauth_types::endpoint::{Endpoint, EndpointAuth};

const JWT: EndpointAuth = EndpointAuth::Session;
const NONE: EndpointAuth = EndpointAuth::None;
const KEY: EndpointAuth = EndpointAuth::Other("ingress key (?key=)");
const ADMIN: EndpointAuth = EndpointAuth::Other("admin JWT");
const MODERATOR: EndpointAuth = EndpointAuth::Other("moderator or admin JWT");

const fn row(
    method: &'static str,
    path: &'static str,
    auth: EndpointAuth,
    function: &'static str,
    errors: &'static [&'static str],
    notes: &'static str,
) -> Endpoint {
    Endpoint {
        method,
        path,
        auth,
        function,
        errors,
        notes,
    }
}

/// The endpoints of the GoScrobble API v1 (paths relative to the `/api/v1` base URL) this
/// crate calls. Not covered: the Spotify OAuth callback `/link/spotify`, which a browser
/// follows.
pub const ENDPOINTS: &[Endpoint] = &[
    row(
        "POST",
        "/login",
        NONE,
        "Client::login",
        &[
            "InvalidInput",
            "InvalidCredentials",
            "Expired",
            "RateLimited",
            "Api",
        ],
        "username or email; bcrypt cost 16: seconds per call; never retried",
    ),
    row(
        "POST",
        "/refresh",
        NONE,
        "Client::refresh",
        &["Unauthorized", "RateLimited"],
        "rotating; broken on most real servers: Unauthorized means log in again (Client::refresh_or_login)",
    ),
    row(
        "POST",
        "/register",
        NONE,
        "Client::register",
        &[
            "InvalidInput",
            "Unsupported",
            "AccountExists",
            "RateLimited",
            "Api",
        ],
        "heavy tier; Unsupported when registration is disabled",
    ),
    row(
        "POST",
        "/sendreset",
        NONE,
        "Client::send_reset",
        &["InvalidInput", "NotFound", "RateLimited", "Api"],
        "heavy tier",
    ),
    row(
        "POST",
        "/resetpassword",
        NONE,
        "Client::check_reset_token",
        &["InvalidInput", "RateLimited"],
        "{token} alone: {\"valid\":true} or {}",
    ),
    row(
        "POST",
        "/resetpassword",
        NONE,
        "Client::reset_password",
        &["InvalidInput", "Expired", "RateLimited", "Api"],
        "the token is not consumed",
    ),
    row(
        "GET",
        "/serverinfo",
        NONE,
        "Client::server_info",
        &[],
        "not rate limited",
    ),
    row("GET", "/stats", NONE, "Client::stats", &["Api"], ""),
    row(
        "GET",
        "/recent",
        NONE,
        "Client::recent",
        &["Api"],
        "50 latest plays, with users",
    ),
    row(
        "GET",
        "/profile/{username}",
        NONE,
        "Client::profile",
        &["NotFound"],
        "10 latest plays",
    ),
    row(
        "GET",
        "/user",
        JWT,
        "Client::user",
        &["Unauthorized", "Api"],
        "holds the ingress key (`token`) and `ModifiedIP`",
    ),
    row(
        "PATCH",
        "/user",
        JWT,
        "Client::set_timezone",
        &["Unauthorized"],
        "always answers success",
    ),
    row(
        "PATCH",
        "/user",
        JWT,
        "Client::regenerate_ingress_key",
        &["Unauthorized"],
        "old keys stay cached up to 24 h",
    ),
    row(
        "PATCH",
        "/user",
        JWT,
        "Client::deactivate_account",
        &["Unauthorized"],
        "",
    ),
    row(
        "GET",
        "/user/{uuid}/scrobbles",
        JWT,
        "Client::user_scrobbles",
        &["Unauthorized", "Api"],
        "any user's 100 latest plays",
    ),
    row(
        "POST",
        "/user/navidrome",
        JWT,
        "Client::link_navidrome",
        &["Unauthorized", "Api"],
        "",
    ),
    row(
        "DELETE",
        "/user/navidrome",
        JWT,
        "Client::unlink_navidrome",
        &["Unauthorized", "Api"],
        "",
    ),
    row(
        "GET",
        "/user/spotify",
        JWT,
        "Client::spotify_client_id",
        &["Unauthorized", "Api"],
        "the app's client id, in a field named token",
    ),
    row(
        "DELETE",
        "/user/spotify",
        JWT,
        "Client::unlink_spotify",
        &["Unauthorized", "Api"],
        "",
    ),
    row(
        "GET",
        "/config",
        ADMIN,
        "Client::config",
        &["Unauthorized", "Forbidden"],
        "",
    ),
    row(
        "POST",
        "/config",
        ADMIN,
        "Client::update_config",
        &["Unauthorized", "Forbidden", "Api"],
        "values sent as strings",
    ),
    row(
        "POST",
        "/artists/{uuid}/upload",
        MODERATOR,
        "Client::upload_artist_image",
        &[
            "InvalidInput",
            "Unauthorized",
            "Forbidden",
            "NotFound",
            "Api",
        ],
        "multipart `file`, at most 10 MiB (checked before sending); heavy tier",
    ),
    row(
        "POST",
        "/albums/{uuid}/upload",
        MODERATOR,
        "Client::upload_album_image",
        &[
            "InvalidInput",
            "Unauthorized",
            "Forbidden",
            "NotFound",
            "Api",
        ],
        "multipart `file`, at most 10 MiB (checked before sending); heavy tier",
    ),
    row(
        "GET",
        "/artists/top/{uuid}",
        NONE,
        "Client::top_artists",
        &["Api"],
        "object keyed 1..N returned as an ordered list; uuid 0 = site-wide",
    ),
    row(
        "GET",
        "/artists/top/{uuid}/{days}",
        NONE,
        "Client::top_artists",
        &["Api"],
        "",
    ),
    row(
        "GET",
        "/tracks/top/{uuid}",
        NONE,
        "Client::top_tracks",
        &["Api"],
        "",
    ),
    row(
        "GET",
        "/tracks/top/{uuid}/{days}",
        NONE,
        "Client::top_tracks",
        &["Api"],
        "",
    ),
    row(
        "GET",
        "/artists/{uuid}",
        NONE,
        "Client::artist",
        &["NotFound"],
        "",
    ),
    row(
        "GET",
        "/albums/{uuid}",
        NONE,
        "Client::album",
        &["NotFound"],
        "",
    ),
    row(
        "GET",
        "/tracks/{uuid}",
        NONE,
        "Client::track",
        &["NotFound"],
        "",
    ),
    row(
        "GET",
        "/artists/{uuid}/top",
        NONE,
        "Client::artist_listeners",
        &["Api"],
        "top 10 listeners",
    ),
    row(
        "GET",
        "/albums/{uuid}/top",
        NONE,
        "Client::album_listeners",
        &["Api"],
        "",
    ),
    row(
        "GET",
        "/tracks/{uuid}/top",
        NONE,
        "Client::track_listeners",
        &["Api"],
        "",
    ),
    row(
        "GET",
        "/tracks/artist/{uuid}",
        NONE,
        "Client::artist_tracks",
        &["Api"],
        "",
    ),
    row(
        "GET",
        "/tracks/album/{uuid}",
        NONE,
        "Client::album_tracks",
        &["Api"],
        "",
    ),
    row(
        "POST",
        "/ingress/multiscrobbler",
        KEY,
        "Client::scrobble",
        &["InvalidInput", "Unauthorized", "Api"],
        "playDate RFC 3339; dedupe of the last title:album",
    ),
    row(
        "POST",
        "/ingress/jellyfin",
        KEY,
        "Client::jellyfin",
        &["InvalidInput", "Unauthorized", "Api"],
        "dedupe per device",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_complete_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for endpoint in ENDPOINTS {
            assert!(endpoint.path.starts_with('/'));
            assert!(endpoint.function.starts_with("Client::"));
            assert!(seen.insert((endpoint.method, endpoint.path, endpoint.function)));
        }
    }
}
