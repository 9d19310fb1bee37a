//! Scrobble ingestion with the ingress key: both payloads, dedupe, and every failure.

mod common;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::{answer, answer_error, api_error, signed_in};
use goscrobble_api::model::{JellyfinEvent, MultiScrobble};
use goscrobble_api::{ErrorKind, ExposeSecret, IngressKey};
use omniauth_types::reqwest;

fn play(track: &str) -> MultiScrobble {
    MultiScrobble::new(
        vec!["Daft Punk".into(), "Romanthony".into()],
        "Discovery",
        track,
        Utc.with_ymd_and_hms(2024, 5, 1, 12, 30, 0).unwrap(),
        320,
    )
}

#[tokio::test]
async fn a_multiscrobbler_play_is_recorded_with_its_date() {
    let (server, client, session) = signed_in().await;
    let key = client.ingress_key(&session).await.unwrap();
    client.scrobble(&key, &play("One More Time")).await.unwrap();
    let stored = server.scrobbles_of("alice");
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].time,
        Utc.with_ymd_and_hms(2024, 5, 1, 12, 30, 0).unwrap()
    );
    assert_eq!(stored[0].source, "multiscrobbler");
    // The key went as ?key=, no JWT, with the server's field names.
    let sent = server
        .server()
        .requests()
        .to_path("/api/v1/ingress/multiscrobbler");
    assert_eq!(
        sent[0].query.as_deref(),
        Some(format!("key={}", key.expose_secret()).as_str())
    );
    assert!(sent[0].header("authorization").is_none());
    let body = sent[0].json().unwrap();
    assert_eq!(body["playDate"], "2024-05-01T12:30:00Z");
    assert_eq!(body["artists"][1], "Romanthony");
    assert_eq!(body["duration"], 320);
    // The track has both artists.
    let recent = client.recent().await.unwrap();
    let track = client.track(&recent.items[0].track.uuid).await.unwrap();
    assert_eq!(track.artists.len(), 2);
}

#[tokio::test]
async fn a_repeat_of_the_last_play_succeeds_without_a_new_scrobble() {
    let (server, client, session) = signed_in().await;
    let key = client.ingress_key(&session).await.unwrap();
    client.scrobble(&key, &play("One More Time")).await.unwrap();
    client.scrobble(&key, &play("One More Time")).await.unwrap();
    assert_eq!(server.scrobbles_of("alice").len(), 1);
    client.scrobble(&key, &play("Aerodynamic")).await.unwrap();
    client.scrobble(&key, &play("One More Time")).await.unwrap();
    assert_eq!(server.scrobbles_of("alice").len(), 3);
}

#[tokio::test]
async fn a_jellyfin_event_is_recorded_and_deduped_per_device() {
    let (server, client, session) = signed_in().await;
    let key = client.ingress_key(&session).await.unwrap();
    let event = JellyfinEvent::audio("Aerodynamic", "Discovery", "Daft Punk", "living-room")
        .with_run_time(Duration::from_secs(212))
        .with_musicbrainz("mb-track", "mb-album", "mb-artist");
    client.jellyfin(&key, &event).await.unwrap();
    client.jellyfin(&key, &event).await.unwrap();
    assert_eq!(
        server.scrobbles_of("alice").len(),
        1,
        "same device: deduped"
    );
    let mut other = event.clone();
    other.device_id = "kitchen".into();
    client.jellyfin(&key, &other).await.unwrap();
    let stored = server.scrobbles_of("alice");
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].source, "jellyfin");
    let track = client.track(&stored[0].track).await.unwrap();
    assert_eq!(track.length, 212);
    assert_eq!(track.mbid, "mb-track");
    let body = server
        .server()
        .requests()
        .to_path("/api/v1/ingress/jellyfin")[0]
        .json()
        .unwrap();
    assert_eq!(body["RunTime"], "00:03:32");
    assert_eq!(body["Provider_musicbrainzartist"], "mb-artist");
}

#[tokio::test]
async fn a_jellyfin_event_that_is_not_audio_is_refused() {
    let (server, client, session) = signed_in().await;
    let key = client.ingress_key(&session).await.unwrap();
    let mut event = JellyfinEvent::audio("Some Film", "-", "-", "tv");
    event.item_type = "Movie".into();
    let err = client.jellyfin(&key, &event).await.unwrap_err();
    assert_eq!(err.kind(), &api_error(200, "Media type not audio"));
    assert_eq!(
        err.status().unwrap().as_u16(),
        200,
        "a 200 that is an error"
    );
    assert!(server.scrobbles_of("alice").is_empty());
}

#[tokio::test]
async fn ingress_key_failures_are_unauthorized() {
    let (server, client, _session) = signed_in().await;
    let err = client
        .scrobble(&IngressKey::new("wrong-key"), &play("X"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    assert_eq!(err.message(), Some("Invalid Token"));
    assert_eq!(err.status().unwrap().as_u16(), 401);
    assert!(!err.to_string().contains("wrong-key"));
    let err = client
        .scrobble(&IngressKey::new(""), &play("X"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    for text in ["No key parameter provided", "A token is required"] {
        server.server().faults().clear();
        answer(
            &server,
            "/ingress/jellyfin",
            401,
            &format!("{{\"error\":\"{text}\"}}\n"),
        );
        let event = JellyfinEvent::audio("a", "b", "c", "d");
        let err = client
            .jellyfin(&IngressKey::new("k"), &event)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Unauthorized);
        assert_eq!(err.message(), Some(text));
    }
}

#[tokio::test]
async fn the_emulator_speaks_the_server_conventions_on_the_wire() {
    // Raw requests, as any client would send them, to see the exact answers.
    let (server, client, session) = signed_in().await;
    let key = client.ingress_key(&session).await.unwrap();
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", server.base_url());

    let answer = http
        .post(url("/ingress/multiscrobbler"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    assert_eq!(
        answer.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(answer.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        answer.text().await.unwrap(),
        "{\"error\":\"No key parameter provided\"}\n"
    );

    let answer = http
        .post(url(&format!(
            "/ingress/multiscrobbler?key={}",
            key.expose_secret()
        )))
        .body(r#"{"artists":["A"],"album":"B","track":"C","playDate":1700000000,"duration":5}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("parsing time"),
        "{body}"
    );

    let answer = http
        .post(url(&format!(
            "/ingress/jellyfin?key={}",
            key.expose_secret()
        )))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    assert_eq!(answer.text().await.unwrap(), r#"{"error":"Invalid JSON"}"#);

    let answer = http
        .post(url("/login"))
        .body("{\"username\":")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    assert_eq!(
        answer.text().await.unwrap(),
        "{\"error\":\"unexpected EOF\"}\n"
    );

    let answer = http.get(url("/nothing/here")).send().await.unwrap();
    assert_eq!(answer.status(), 404);
    assert_eq!(answer.text().await.unwrap(), "404 page not found\n");

    let answer = http
        .post(url("/register"))
        .json(&serde_json::json!({"username": "x", "password": "12345678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(
        answer.text().await.unwrap(),
        r#"{"message":"User created succesfully. You may now login"}"#
    );
    assert!(server.user("x").is_some());
}

#[tokio::test]
async fn plays_without_names_are_refused_before_sending() {
    let (server, client, session) = signed_in().await;
    let key = client.ingress_key(&session).await.unwrap();
    let mut no_artist = play("X");
    no_artist.artists.clear();
    let mut no_album = play("X");
    no_album.album.clear();
    // The multi-scrobbler route would record these (nothing can delete a scrobble later).
    for bad in [no_artist, no_album, play("")] {
        let err = client.scrobble(&key, &bad).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    }
    assert_eq!(common::posts(&server, "/ingress/multiscrobbler"), 0);
    let err = client
        .jellyfin(&key, &JellyfinEvent::audio("a", "", "c", "d"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    // What the server would say instead.
    for text in [
        "Missing artist data",
        "Missing album data",
        "Missing track data",
        "Failed to map track",
    ] {
        answer_error(&server, "/ingress/jellyfin", text);
        let err = client
            .jellyfin(&key, &JellyfinEvent::audio("a", "b", "c", "d"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), &api_error(200, text));
    }
}
