//! The REST API against the emulator: reads, the user's own record and links, admin config,
//! artists/albums/tracks and their top lists.

mod common;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use common::{PASSWORD, answer, api_error, password, signed_in};
use goscrobble_api::model::{ConfigUpdate, MultiScrobble};
use goscrobble_api::{AccessToken, ErrorKind, ExposeSecret, IngressKey, SITE_WIDE, Session};
use omniauth_types::{ClientSecret, Password, SecretKey, TokenScheme};

fn play(artist: &str, album: &str, track: &str, minutes_ago: i64) -> MultiScrobble {
    MultiScrobble::new(
        vec![artist.to_owned()],
        album,
        track,
        Utc::now() - TimeDelta::minutes(minutes_ago),
        200,
    )
}

#[tokio::test]
async fn server_info_and_stats() {
    let (_server, client, session) = signed_in().await;
    let info = client.server_info().await.unwrap();
    assert_eq!(info.version, "0.1.8");
    assert_eq!(info.registration_open(), Some(true));
    let key = client.ingress_key(&session).await.unwrap();
    client
        .scrobble(&key, &play("A", "B", "C", 1))
        .await
        .unwrap();
    let stats = client.stats().await.unwrap();
    assert_eq!(
        (stats.users, stats.scrobbles, stats.tracks, stats.artists),
        (1, 1, 1, 1)
    );
    assert!(stats.last_updated.is_some());
}

#[tokio::test]
async fn user_record_with_its_odd_names() {
    let (server, client, session) = signed_in().await;
    let user = client.user(&session).await.unwrap();
    let stored = server.user("alice").unwrap();
    assert_eq!(user.uuid, stored.uuid);
    assert_eq!(user.email, "alice@example.com");
    assert_eq!(user.modified_ip, "127.0.0.1", "read from ModifiedIP");
    assert_eq!(user.ingress_key.expose_secret(), stored.ingress_key);
    assert!(user.created_at.is_some());
    assert_eq!(user.timezone, "Pacific/Auckland");
    assert!(!format!("{user:?}").contains(&stored.ingress_key));
    // The JWT went as a bearer token.
    let sent = server.server().requests().to_path("/api/v1/user");
    assert!(
        sent[0]
            .header("authorization")
            .unwrap()
            .starts_with("Bearer ")
    );
    let agent = sent[0].header("user-agent").unwrap();
    assert!(agent.starts_with("goscrobble-api/"), "{agent}");
}

#[tokio::test]
async fn expired_and_forged_tokens_are_unauthorized() {
    let (server, client, session) = signed_in().await;
    let forged = Session::new(
        "goscrobble",
        session.user_id(),
        AccessToken::new("eyJhbGciOiJIUzUxMiJ9.e30.c2ln"),
        TokenScheme::Bearer,
    );
    let err = client.user(&forged).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    assert_eq!(err.message(), Some("Invalid JWT Token"));
    assert_eq!(err.status().unwrap().as_u16(), 401);
    server.advance(Duration::from_secs(1801));
    let err = client.user(&session).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
}

#[tokio::test]
async fn timezone_ingress_key_and_deactivation() {
    let (server, client, session) = signed_in().await;
    client
        .set_timezone(&session, "Europe/Berlin")
        .await
        .unwrap();
    assert_eq!(
        client.user(&session).await.unwrap().timezone,
        "Europe/Berlin"
    );
    // An unknown zone is silently ignored: the server still says success.
    client.set_timezone(&session, "not a zone").await.unwrap();
    assert_eq!(server.user("alice").unwrap().timezone, "Europe/Berlin");
    assert_eq!(
        client.set_timezone(&session, "").await.unwrap_err().kind(),
        &ErrorKind::InvalidInput
    );

    let old = client.ingress_key(&session).await.unwrap();
    client
        .scrobble(&old, &play("A", "B", "C", 3))
        .await
        .unwrap();
    let new = client.regenerate_ingress_key(&session).await.unwrap();
    assert_ne!(new.expose_secret(), old.expose_secret());
    assert_eq!(
        server.user("alice").unwrap().ingress_key,
        new.expose_secret()
    );
    // The old key was cached on use: it keeps working until the cache goes.
    client
        .scrobble(&old, &play("A", "B", "D", 2))
        .await
        .unwrap();
    server.flush_key_cache();
    let err = client
        .scrobble(&old, &play("A", "B", "E", 1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    client
        .scrobble(&new, &play("A", "B", "E", 1))
        .await
        .unwrap();

    client.deactivate_account(&session).await.unwrap();
    assert!(!server.user("alice").unwrap().active);
    let err = client.login("alice", &password()).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
    let err = client.user(&session).await.unwrap_err();
    assert_eq!(
        err.kind(),
        &api_error(200, "Failed to fetch user information")
    );
}

#[tokio::test]
async fn recent_profile_and_user_scrobbles() {
    let (server, client, session) = signed_in().await;
    let bob = server.add_user("bob", PASSWORD, "");
    // Empty lists arrive as null.
    assert!(client.recent().await.unwrap().items.is_empty());
    assert!(client.profile("alice").await.unwrap().scrobbles.is_empty());
    let key = client.ingress_key(&session).await.unwrap();
    client
        .scrobble(&key, &play("Artist", "Album", "Old", 10))
        .await
        .unwrap();
    client
        .scrobble(&key, &play("Artist", "Album", "New", 1))
        .await
        .unwrap();
    client
        .scrobble(
            &IngressKey::new(bob.ingress_key.clone()),
            &play("Other", "Else", "Bob's", 5),
        )
        .await
        .unwrap();

    let recent = client.recent().await.unwrap();
    assert_eq!(recent.items.len(), 3);
    assert_eq!(recent.meta.count, 3);
    assert_eq!(recent.items[0].track.name, "New");
    assert_eq!(recent.items[0].user.name, "alice");
    assert_eq!(recent.items[1].user.name, "bob");
    assert_eq!(recent.items[0].source, "multiscrobbler");

    let profile = client.profile("alice").await.unwrap();
    assert_eq!(profile.username, "alice");
    assert_eq!(profile.scrobbles.len(), 2);
    assert_eq!(
        profile.scrobbles[0].user.name, "",
        "user is filled only on /recent"
    );
    let err = client.profile("nobody").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::NotFound);
    assert_eq!(err.message(), Some("Invalid Username"));

    // Any signed-in user reads anyone's history.
    let bobs = client.user_scrobbles(&session, &bob.uuid).await.unwrap();
    assert_eq!(bobs.items.len(), 1);
    assert_eq!(bobs.items[0].artist.name, "Other");
    assert_eq!(bobs.items[0].album, "Else");
    let err = client
        .user_scrobbles(&session, "not-a-uuid")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &api_error(200, "Failed to fetch scrobbles"));
    answer(
        &server,
        "/recent",
        200,
        r#"{"error":"Failed to fetch scrobbles"}"#,
    );
    assert!(client.recent().await.is_err());
}

#[tokio::test]
async fn navidrome_and_spotify_links() {
    let (server, client, session) = signed_in().await;
    let navidrome_password = Password::new("navi-pass");
    let link = || {
        client.link_navidrome(
            &session,
            "https://music.example.com",
            "alice",
            &navidrome_password,
        )
    };
    link().await.unwrap();
    assert_eq!(
        client.user(&session).await.unwrap().navidrome_server,
        "https://music.example.com"
    );
    client.unlink_navidrome(&session).await.unwrap();
    assert_eq!(client.user(&session).await.unwrap().navidrome_server, "");
    server.set_navidrome_accepts(false);
    let err = link().await.unwrap_err();
    assert_eq!(
        err.kind(),
        &api_error(200, "Failed to validate credentials")
    );
    assert_eq!(
        client
            .link_navidrome(&session, "", "a", &navidrome_password)
            .await
            .unwrap_err()
            .kind(),
        &ErrorKind::InvalidInput
    );
    answer(
        &server,
        "/user/navidrome",
        200,
        r#"{"error":"Failed to save Navidome token"}"#,
    );
    assert!(
        client
            .link_navidrome(&session, "https://x.example", "a", &navidrome_password)
            .await
            .is_err()
    );

    assert_eq!(client.spotify_client_id(&session).await.unwrap(), None);
    server.set_config("SPOTIFY_API_ID", "spotify-app-id");
    assert_eq!(
        client.spotify_client_id(&session).await.unwrap().as_deref(),
        Some("spotify-app-id")
    );
    server.set_spotify_username("alice", "alice_on_spotify");
    assert_eq!(
        client.user(&session).await.unwrap().spotify_username,
        "alice_on_spotify"
    );
    client.unlink_spotify(&session).await.unwrap();
    assert_eq!(server.user("alice").unwrap().spotify_username, "");
}

#[tokio::test]
async fn admin_config() {
    let (server, client, session) = signed_in().await;
    let err = client.config(&session).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Forbidden);
    assert_eq!(err.message(), Some("User is not admin"));
    let err = client
        .update_config(&session, &ConfigUpdate::new().registration_enabled(false))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Forbidden);

    server.set_admin("alice", true);
    let update = ConfigUpdate::new()
        .registration_enabled(false)
        .spotify_api_id("app-id")
        .spotify_api_secret(ClientSecret::new("spotify-secret"))
        .lastfm_api_key(SecretKey::new("lastfm-key"));
    client.update_config(&session, &update).await.unwrap();
    let stored = server.config();
    assert_eq!(stored["REGISTRATION_ENABLED"], "0");
    assert_eq!(stored["SPOTIFY_API_SECRET"], "spotify-secret");
    let config = client.config(&session).await.unwrap();
    assert_eq!(config.registration_enabled, Some(false));
    assert_eq!(config.spotify_api_id.as_deref(), Some("app-id"));
    assert_eq!(config.lastfm_api_key.unwrap().expose_secret(), "lastfm-key");
    assert_eq!(
        client
            .update_config(&session, &ConfigUpdate::new())
            .await
            .unwrap_err()
            .kind(),
        &ErrorKind::InvalidInput
    );
    // Admin routes re-check the user: a token of a user the server no longer knows.
    answer(
        &server,
        "/config",
        401,
        "{\"error\":\"Invalid user UUID\"}\n",
    );
    assert_eq!(
        client.config(&session).await.unwrap_err().kind(),
        &ErrorKind::Unauthorized
    );
    server.server().faults().clear();
    answer(
        &server,
        "/config",
        200,
        r#"{"error":"Failed to update config value."}"#,
    );
    let err = client.update_config(&session, &update).await.unwrap_err();
    assert_eq!(
        err.kind(),
        &api_error(200, "Failed to update config value.")
    );
}

#[tokio::test]
async fn top_lists_come_back_in_rank_order() {
    let (server, client, session) = signed_in().await;
    let key = client.ingress_key(&session).await.unwrap();
    // Twelve artists, artist N played N times: ranks 1..12 put "A12" first and the server's
    // keys "1","10","11","12","2",… in string order.
    let mut minutes = 1000;
    for n in 1..=12 {
        for i in 0..n {
            minutes -= 1;
            client
                .scrobble(
                    &key,
                    &play(
                        &format!("A{n:02}"),
                        &format!("Album{n}"),
                        &format!("T{n}-{i}"),
                        minutes,
                    ),
                )
                .await
                .unwrap();
        }
    }
    let uuid = server.user("alice").unwrap().uuid;
    let top = client.top_artists(&uuid, None).await.unwrap();
    assert_eq!(top.len(), 12);
    let names: Vec<&str> = top.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names[..3], ["A12", "A11", "A10"]);
    assert_eq!(top[0].plays, 12);
    assert_eq!(top[11].plays, 1);
    assert_eq!(
        top.iter().map(|t| t.rank.unwrap()).collect::<Vec<_>>(),
        (1..=12).collect::<Vec<_>>()
    );
    let mine = client.top_tracks(&uuid, None).await.unwrap();
    assert_eq!(mine.len(), 14);
    assert_eq!(mine[0].rank, Some(1));
    // Site-wide, over a 7-day window.
    let tracks = client.top_tracks(SITE_WIDE, Some(7)).await.unwrap();
    assert_eq!(tracks.len(), 14, "at most 14");
    assert!(tracks.iter().all(|t| t.plays == 1));
    let err = client.top_artists("not-a-uuid", None).await.unwrap_err();
    assert_eq!(err.kind(), &api_error(200, "Failed to fetch top artist"));
    // A one-day window two days later holds nothing.
    server.advance(Duration::from_secs(86_400 * 2));
    assert!(client.top_artists(&uuid, Some(1)).await.unwrap().is_empty());
    let sent = server.server().requests().all();
    assert!(sent.iter().any(|r| r.path == "/api/v1/tracks/top/0/7"));
}

#[tokio::test]
async fn artists_albums_tracks_and_listeners() {
    let (server, client, session) = signed_in().await;
    let bob = server.add_user("bob", PASSWORD, "");
    let alice_key = client.ingress_key(&session).await.unwrap();
    let bob_key = IngressKey::new(bob.ingress_key);
    for (key, track, plays) in [
        (&alice_key, "One More Time", 3),
        (&alice_key, "Aerodynamic", 2),
        (&bob_key, "One More Time", 1),
    ] {
        let scrobble = play("Daft Punk", "Discovery", track, plays);
        client.scrobble(key, &scrobble).await.unwrap();
    }

    let recent = client.recent().await.unwrap();
    let artist_uuid = recent.items[0].artist.uuid.clone();
    let track_uuid = recent.items[0].track.uuid.clone();
    let artist = client.artist(&artist_uuid).await.unwrap();
    assert_eq!(artist.name, "Daft Punk");
    let track = client.track(&track_uuid).await.unwrap();
    assert_eq!(track.name, "One More Time");
    assert_eq!(track.length, 200);
    assert_eq!(track.artists[0].uuid, artist_uuid);
    let album = client.album(&track.albums[0].uuid).await.unwrap();
    assert_eq!(album.name, "Discovery");

    let listeners = client.artist_listeners(&artist_uuid).await.unwrap();
    assert_eq!(listeners.items.len(), 2);
    assert_eq!(listeners.items[0].user_name, "alice");
    assert_eq!(listeners.items[0].count, 2);
    let listeners = client.track_listeners(&track_uuid).await.unwrap();
    assert_eq!(listeners.items.iter().map(|l| l.count).sum::<u64>(), 2);
    let listeners = client.album_listeners(&album.uuid).await.unwrap();
    assert_eq!(listeners.meta.count, 2);
    let nobody = client
        .artist_listeners("00000000-0000-4000-8000-000000000000")
        .await
        .unwrap();
    assert!(nobody.items.is_empty(), "null items");

    let tracks = client.artist_tracks(&artist_uuid).await.unwrap();
    assert_eq!(tracks.len(), 2);
    assert!(tracks.iter().all(|t| t.plays == 0));
    assert_eq!(client.album_tracks(&album.uuid).await.unwrap().len(), 2);

    for err in [
        client
            .artist("00000000-0000-4000-8000-000000000000")
            .await
            .unwrap_err(),
        client.album("nope").await.unwrap_err(),
        client.track("nope").await.unwrap_err(),
    ] {
        assert_eq!(err.kind(), &ErrorKind::NotFound);
        assert_eq!(err.message(), Some("Invalid UUID"));
    }
    let err = client.album_listeners("nope").await.unwrap_err();
    assert_eq!(
        err.kind(),
        &api_error(200, "Failed to fetch combined scrobbles")
    );
}

#[tokio::test]
async fn the_light_tier_answers_429_with_message() {
    use omniauth_testkit::goscrobble::{GoScrobble, Tier, TierRate};
    let server = common::server_with(GoScrobble::builder().tier_rate(
        Tier::Light,
        TierRate {
            per_second: 0.001,
            burst: 2,
        },
    ))
    .await;
    let client = goscrobble_api::Client::builder()
        .base_url(server.base_url())
        .retry(omniauth_types::transport::RetryPolicy::none())
        .build()
        .unwrap();
    client.stats().await.unwrap();
    client.stats().await.unwrap();
    let err = client.stats().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::RateLimited { retry_after: None });
    assert_eq!(err.message(), Some("Too many requests"));
    // serverinfo has no limiter.
    client.server_info().await.unwrap();
}

#[tokio::test]
async fn the_remaining_documented_failures_are_never_success() {
    let (server, client, session) = signed_in().await;
    let uuid = server.user("alice").unwrap().uuid;
    let navidrome_password = Password::new("navi-pass");
    let cases: Vec<(&str, u16, &str)> = vec![
        ("/stats", 200, "Error fetching stats"),
        ("/user/navidrome", 200, "Invalid JSON"),
        ("/user/navidrome", 200, "Failed to unlink navidrome account"),
        ("/user/spotify", 200, "Failed to get Spotify ID"),
        ("/user/spotify", 200, "Failed to unlink spotify account"),
        ("/config", 400, "Invalid JSON"),
        ("/tracks/top/*", 200, "Failed to fetch top tracks"),
        ("/tracks/artist/*", 200, "Failed to fetch top tracks"),
        (
            "/ingress/multiscrobbler",
            200,
            "json: cannot unmarshal number into Go struct field MultiScrobblerRequest.album of type string",
        ),
    ];
    server.set_admin("alice", true);
    let key = client.ingress_key(&session).await.unwrap();
    for (index, (path, status, text)) in cases.into_iter().enumerate() {
        server.server().faults().clear();
        let body = if status == 200 {
            serde_json::json!({ "error": text }).to_string()
        } else {
            format!("{}\n", serde_json::json!({ "error": text }))
        };
        answer(&server, path, status, &body);
        let result = match index {
            0 => client.stats().await.map(drop),
            1 => {
                client
                    .link_navidrome(&session, "https://n.example", "a", &navidrome_password)
                    .await
            }
            2 => client.unlink_navidrome(&session).await,
            3 => client.spotify_client_id(&session).await.map(drop),
            4 => client.unlink_spotify(&session).await,
            5 => {
                client
                    .update_config(&session, &ConfigUpdate::new().registration_enabled(true))
                    .await
            }
            6 => client.top_tracks(&uuid, Some(3)).await.map(drop),
            7 => client.artist_tracks(&uuid).await.map(drop),
            _ => client.scrobble(&key, &play("A", "B", "C", 1)).await,
        };
        assert_eq!(
            result.unwrap_err().kind(),
            &api_error(status, text),
            "{path}"
        );
    }
}
