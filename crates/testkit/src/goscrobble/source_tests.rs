//! The emulator against the server's Go source, point by point (issue 20), over loopback.

use base64::Engine as _;
use serde_json::{Value, json};

use super::{GoScrobble, Tier, TierRate};

const KEY_FREE: &str = "0b6f3c1e-8a5d-4c2a-9e57-2f1a8d3b4c5e";

async fn start() -> GoScrobble {
    GoScrobble::builder()
        .without_rate_limits()
        .start()
        .await
        .unwrap()
}

/// A client of its own: its own connection pool, so its own TCP connections.
fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn get(server: &GoScrobble, path: &str) -> Value {
    send(http().get(format!("{}{path}", server.base_url())))
        .await
        .1
}

async fn login(server: &GoScrobble, username: &str) -> String {
    let (_, body) = send(
        http()
            .post(format!("{}/login", server.base_url()))
            .body(json!({ "username": username, "password": "password1" }).to_string()),
    )
    .await;
    body["token"].as_str().expect("a token").to_owned()
}

fn claim(token: &str, name: &str) -> Value {
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.split('.').nth(1).unwrap())
        .unwrap();
    serde_json::from_slice::<Value>(&payload).unwrap()[name].clone()
}

async fn multi(
    server: &GoScrobble,
    key: &str,
    artists: &[&str],
    album: &str,
    track: &str,
) -> Value {
    let body = json!({ "artists": artists, "album": album, "track": track, "duration": 200 });
    let url = format!("{}/ingress/multiscrobbler?key={key}", server.base_url());
    send(http().post(url).body(body.to_string())).await.1
}

fn error(text: &str) -> Value {
    json!({ "error": text })
}

#[test]
fn rate_limit_buckets_are_per_peer_address() {
    use std::net::SocketAddr;
    let slow = TierRate {
        per_second: 0.001,
        burst: 2,
    };
    let server = GoScrobble::builder().tier_rate(Tier::Light, slow);
    let shared = super::state::Shared::new(server.config, true);
    let first: SocketAddr = "127.0.0.1:40001".parse().unwrap();
    let second: SocketAddr = "127.0.0.1:40002".parse().unwrap();
    assert!(shared.allow(Tier::Light, Some(first)));
    assert!(shared.allow(Tier::Light, Some(first)));
    assert!(
        !shared.allow(Tier::Light, Some(first)),
        "the first connection is spent"
    );
    // A new connection is a new `RemoteAddr`, so a new bucket, per tier.
    assert!(shared.allow(Tier::Light, Some(second)));
    assert!(shared.allow(Tier::Standard, Some(first)));
}

#[tokio::test]
async fn each_connection_draws_on_its_own_bucket() {
    // The server keys its limiter on `RemoteAddr` (ip:port): one connection's spent bucket
    // leaves another connection's full.
    let slow = TierRate {
        per_second: 0.001,
        burst: 2,
    };
    let server = GoScrobble::builder()
        .tier_rate(Tier::Light, slow)
        .start()
        .await
        .unwrap();
    let url = format!("{}/stats", server.base_url());
    let one = http();
    assert_eq!(send(one.get(&url)).await.0, 200);
    assert_eq!(send(one.get(&url)).await.0, 200);
    assert_eq!(
        send(one.get(&url)).await.0,
        429,
        "this connection's bucket is spent"
    );
    assert_eq!(
        server.server().connections_accepted(),
        1,
        "one kept-alive connection"
    );
    let two = http();
    assert_eq!(
        send(two.get(&url)).await.0,
        200,
        "a new connection, a new bucket"
    );
    assert_eq!(server.server().connections_accepted(), 2);
}

#[tokio::test]
async fn a_deactivated_account_can_neither_patch_nor_refresh() {
    let server = start().await;
    server.add_user("alice", "password1", "");
    let token = login(&server, "alice").await;
    let refresh = json!({ "token": claim(&token, "refresh_token") }).to_string();
    assert!(server.deactivate("alice"));
    let (status, body) = send(
        http()
            .patch(format!("{}/user", server.base_url()))
            .bearer_auth(&token)
            .body(r#"{"timezone":"UTC"}"#),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, error("Failed to fetch user information"))
    );
    let (_, body) = send(
        http()
            .post(format!("{}/refresh", server.base_url()))
            .body(refresh),
    )
    .await;
    assert_eq!(body, error("Invalid refresh token"));
    assert_eq!(
        server.refresh_token_count("alice"),
        1,
        "nothing was rotated"
    );
}

#[tokio::test]
async fn a_jellyfin_run_time_needs_three_fields() {
    let server = start().await;
    let alice = server.add_user("alice", "password1", "");
    let url = format!(
        "{}/ingress/jellyfin?key={}",
        server.base_url(),
        alice.ingress_key
    );
    for (index, run_time) in ["03:25", "00:03:25"].into_iter().enumerate() {
        let event = json!({
            "Name": format!("T{index}"), "Album": "A", "Artist": "R", "ItemType": "Audio",
            "RunTime": run_time,
        });
        let (_, body) = send(http().post(&url).body(event.to_string())).await;
        assert_eq!(body, json!({ "message": "success" }));
    }
    let plays = server.scrobbles_of("alice");
    let mut lengths = Vec::new();
    for play in &plays {
        lengths.push(get(&server, &format!("/tracks/{}", play.track)).await["length"].clone());
    }
    assert_eq!(lengths, [json!(0), json!(205)]);
}

#[tokio::test]
async fn a_malformed_artist_uuid_is_an_empty_artist() {
    let server = start().await;
    let empty =
        json!({ "uuid": "", "name": "", "desc": "", "img": "", "mbid": "", "spotify_id": "" });
    assert_eq!(get(&server, "/artists/not-a-uuid").await, empty);
    assert_eq!(
        get(&server, &format!("/artists/{KEY_FREE}")).await,
        error("Invalid UUID")
    );
    assert_eq!(
        get(&server, "/albums/not-a-uuid").await,
        error("Invalid UUID")
    );
    assert_eq!(
        get(&server, "/tracks/not-a-uuid").await,
        error("Invalid UUID")
    );
}

#[tokio::test]
async fn tracks_of_a_malformed_uuid_fail_as_top_tracks() {
    let server = start().await;
    for path in ["/tracks/artist/x", "/tracks/album/x"] {
        assert_eq!(
            get(&server, path).await,
            error("Failed to fetch top tracks"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_multi_scrobbler_takes_empty_fields() {
    let server = start().await;
    let alice = server.add_user("alice", "password1", "");
    let key = &alice.ingress_key;
    assert_eq!(
        multi(&server, key, &[], "A", "T").await,
        json!({ "message": "success" })
    );
    assert_eq!(
        multi(&server, key, &[""], "", "").await,
        json!({ "message": "success" })
    );
    assert_eq!(server.scrobbles_of("alice").len(), 2);
}

#[tokio::test]
async fn totals_are_what_the_server_counts() {
    let server = start().await;
    let alice = server.add_user("alice", "password1", "");
    let bob = server.add_user("bob", "password1", "");
    multi(&server, &alice.ingress_key, &["R"], "A", "T1").await;
    multi(&server, &alice.ingress_key, &["R"], "A", "T2").await;
    multi(&server, &alice.ingress_key, &["R"], "A", "T1").await;
    multi(&server, &bob.ingress_key, &["R"], "A", "T1").await;
    let plays = server.scrobbles_of("alice");
    let (t1, t2) = (&plays[0].track, &plays[1].track);
    let artist = get(&server, &format!("/tracks/{t1}")).await["artists"][0]["uuid"].clone();
    let artist = artist.as_str().unwrap();

    let recent = get(&server, "/recent").await;
    assert_eq!(
        recent["meta"],
        json!({ "count": 4, "total": 50, "page": 1 })
    );
    let token = login(&server, "alice").await;
    let (_, own) = send(
        http()
            .get(format!(
                "{}/user/{}/scrobbles",
                server.base_url(),
                alice.uuid
            ))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(own["meta"]["total"], 3);
    // Artist and album: every play; two listeners.
    let listeners = get(&server, &format!("/artists/{artist}/top")).await;
    assert_eq!(
        listeners["meta"],
        json!({ "count": 2, "total": 4, "page": 1 })
    );
    let album = &plays[0].album;
    assert_eq!(
        get(&server, &format!("/albums/{album}/top")).await["meta"]["total"],
        4
    );
    // A track: the first (track, user) group's plays, alice's 2 of T1.
    let track = get(&server, &format!("/tracks/{t1}/top")).await;
    assert_eq!(track["meta"], json!({ "count": 2, "total": 2, "page": 1 }));
    assert_eq!(
        get(&server, &format!("/tracks/{t2}/top")).await["meta"]["total"],
        1
    );
    // Nobody played it: the count query has no row.
    let unplayed = get(&server, &format!("/tracks/{KEY_FREE}/top")).await;
    assert_eq!(unplayed, error("Failed to fetch combined scrobbles"));
}

#[tokio::test]
async fn img_and_desc_are_filled_as_the_server_fills_them() {
    let server = start().await;
    let alice = server.add_user("alice", "password1", "");
    multi(&server, &alice.ingress_key, &["R"], "A", "T").await;
    let play = &server.scrobbles_of("alice")[0];
    let track = get(&server, &format!("/tracks/{}", play.track)).await;
    let artist = track["artists"][0]["uuid"].as_str().unwrap().to_owned();
    assert_eq!(
        track["img"],
        json!(play.album),
        "a track's img is its album's uuid"
    );
    assert_eq!(track["desc"], "");
    assert_eq!(track["albums"][0]["img"], "", "no image yet");

    assert!(server.set_description(&play.album, "the album"));
    assert!(server.set_image_status(&artist, "pending"));
    let track = get(&server, &format!("/tracks/{}", play.track)).await;
    assert_eq!(track["desc"], "the album");
    assert_eq!(
        get(&server, &format!("/artists/{artist}")).await["img"],
        "pending"
    );
    assert_eq!(server.run_image_resizer(), 1);
    assert_eq!(
        get(&server, &format!("/artists/{artist}")).await["img"],
        "complete"
    );

    let top = get(&server, &format!("/artists/top/{}", alice.uuid)).await;
    assert_eq!(
        top["artists"]["1"]["img"],
        json!(artist),
        "the artist's own uuid"
    );
    let top = get(&server, &format!("/tracks/top/{}", alice.uuid)).await;
    assert_eq!(
        top["tracks"]["1"]["img"],
        json!(play.album),
        "the album's uuid"
    );
    let of = get(&server, &format!("/tracks/artist/{artist}")).await;
    assert_eq!(of["tracks"]["1"]["img"], "");
}

#[tokio::test]
async fn uploads_fail_where_the_handlers_fail() {
    let server = start().await;
    let alice = server.add_user("alice", "password1", "");
    multi(&server, &alice.ingress_key, &["R"], "A", "T").await;
    let token = login(&server, "alice").await;
    let upload = |path: String, content_type: &'static str, body: &'static str| {
        http()
            .post(format!("{}{path}", server.base_url()))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
    };
    let form = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jpg\"\r\n\r\nJPEG\r\n--b--\r\n";
    let multipart = "multipart/form-data; boundary=b";
    let (status, body) = send(upload("/artists/bad/upload".into(), multipart, form)).await;
    assert_eq!(
        (status, body),
        (401, error("User is not moderator or administrator"))
    );
    server.set_moderator("alice", true);
    let (status, body) = send(upload("/artists/bad/upload".into(), multipart, form)).await;
    assert_eq!((status, body), (400, error("Error processing upload")));
    let (status, body) = send(upload("/albums/bad/upload".into(), multipart, form)).await;
    assert_eq!((status, body), (200, error("Invalid UUID")));
    let album = server.scrobbles_of("alice")[0].album.clone();
    let path = format!("/albums/{album}/upload");
    let (_, body) = send(upload(path.clone(), "image/jpeg", "JPEG")).await;
    assert_eq!(body, error("Error processing upload"));
    let (_, body) = send(upload(path, multipart, form)).await;
    assert_eq!(body, json!({ "message": "Successfully uploaded!" }));
    assert_eq!(server.uploaded_image(&album), Some(b"JPEG".to_vec()));
}
