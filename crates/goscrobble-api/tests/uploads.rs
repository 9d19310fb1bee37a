//! Image uploads of moderators, against the emulator over loopback.

mod common;

use chrono::Utc;
use goscrobble_api::model::{ImageStatus, MultiScrobble};
use goscrobble_api::uuid::Uuid;
use goscrobble_api::{Client, ErrorKind, MAX_IMAGE_BYTES, Session};
use omniauth_testkit::goscrobble::GoScrobble;

use common::{posts, signed_in};

/// Alice, a moderator, with one play: the artist's and the album's UUIDs.
async fn moderator() -> (GoScrobble, Client, Session, Uuid, Uuid) {
    let (server, client, session) = signed_in().await;
    server.set_moderator("alice", true);
    let key = client.ingress_key(&session).await.unwrap();
    let play = MultiScrobble::new(vec!["Artist".to_owned()], "Album", "Track", Utc::now(), 200);
    client.scrobble(&key, &play).await.unwrap();
    let stored = server.scrobbles_of("alice")[0].clone();
    let track = client.track(&stored.track).await.unwrap();
    let artist = Uuid::parse_str(&track.artists[0].uuid).unwrap();
    let album = Uuid::parse_str(&stored.album).unwrap();
    (server, client, session, artist, album)
}

#[tokio::test]
async fn a_moderator_uploads_and_the_image_is_pending() {
    let (server, client, session, artist, album) = moderator().await;
    // The largest image the client sends (10 MiB), far over axum's default body limit.
    let image: Vec<u8> = (0..=250_u8).cycle().take(MAX_IMAGE_BYTES).collect();
    client
        .upload_artist_image(&session, artist, image.clone())
        .await
        .unwrap();
    assert_eq!(server.uploaded_image(&artist.to_string()), Some(image));
    let shown = client.artist(&artist.to_string()).await.unwrap();
    assert_eq!(shown.img, ImageStatus::Pending);

    client
        .upload_album_image(&session, album, b"\xff\xd8\xff jpeg".to_vec())
        .await
        .unwrap();
    server.run_image_resizer();
    assert!(
        client
            .album(&album.to_string())
            .await
            .unwrap()
            .img
            .is_ready()
    );
}

#[tokio::test]
async fn sizes_are_checked_before_anything_is_sent() {
    let (server, client, session, artist, album) = moderator().await;
    let err = client
        .upload_artist_image(&session, artist, vec![0; MAX_IMAGE_BYTES + 1])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    let err = client
        .upload_album_image(&session, album, Vec::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    assert_eq!(posts(&server, &format!("/artists/{artist}/upload")), 0);
    assert_eq!(posts(&server, &format!("/albums/{album}/upload")), 0);
}

#[tokio::test]
async fn moderator_errors_are_mapped() {
    let (server, client, session, artist, album) = moderator().await;
    let unknown = Uuid::new_v4();
    let err = client
        .upload_album_image(&session, unknown, vec![1])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::NotFound);
    let err = client
        .upload_artist_image(&session, unknown, vec![1])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::NotFound);

    server.set_moderator("alice", false);
    let err = client
        .upload_artist_image(&session, artist, vec![1])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Forbidden);
    assert_eq!(
        err.message(),
        Some("User is not moderator or administrator")
    );
    // An admin may too.
    server.set_admin("alice", true);
    client
        .upload_album_image(&session, album, vec![1])
        .await
        .unwrap();
    // A deactivated account's token no longer names a user.
    server.deactivate("alice");
    let err = client
        .upload_album_image(&session, album, vec![1])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    assert_eq!(server.uploaded_image(&album.to_string()), Some(vec![1]));
}
