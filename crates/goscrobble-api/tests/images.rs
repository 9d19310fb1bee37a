//! What `img`, `desc` and `meta.total` hold, read from the emulator over loopback.

mod common;

use chrono::Utc;
use goscrobble_api::ErrorKind;
use goscrobble_api::model::{ImageSize, ImageStatus, MultiScrobble};
use goscrobble_api::uuid::Uuid;

use common::signed_in;

fn play(track: &str) -> MultiScrobble {
    MultiScrobble::new(vec!["Artist".to_owned()], "Album", track, Utc::now(), 200)
}

#[tokio::test]
async fn a_malformed_artist_uuid_is_not_found() {
    let (_server, client, _session) = signed_in().await;
    // The server answers 200 with an artist of empty fields.
    let err = client.artist("not-a-uuid").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::NotFound);
    let unknown = Uuid::new_v4().to_string();
    let err = client.artist(&unknown).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::NotFound);
}

#[tokio::test]
async fn img_and_desc_say_what_the_server_stores() {
    let (server, client, session) = signed_in().await;
    let key = client.ingress_key(&session).await.unwrap();
    client.scrobble(&key, &play("One")).await.unwrap();
    let stored = &server.scrobbles_of("alice")[0];
    let album = Uuid::parse_str(&stored.album).unwrap();

    let track = client.track(&stored.track).await.unwrap();
    assert_eq!(track.album_uuid, Some(album));
    assert_eq!(track.desc, "");
    assert_eq!(track.albums[0].img, ImageStatus::Missing);
    let artist_id = track.artists[0].uuid.clone();

    server.set_description(&stored.album, "liner notes");
    server.set_image_status(&artist_id, "pending");
    assert_eq!(
        client.track(&stored.track).await.unwrap().desc,
        "liner notes"
    );
    assert_eq!(
        client.artist(&artist_id).await.unwrap().img,
        ImageStatus::Pending
    );
    server.run_image_resizer();
    let artist = client.artist(&artist_id).await.unwrap();
    assert!(artist.img.is_ready());
    server.set_image_status(&stored.album, "none");
    assert_eq!(
        client.album(&stored.album).await.unwrap().img,
        ImageStatus::NotAvailable
    );

    let user = server.user("alice").unwrap().uuid;
    let top = client.top_artists(&user, None).await.unwrap();
    assert_eq!(top[0].image_uuid, Uuid::parse_str(&artist_id).ok());
    let top = client.top_tracks(&user, None).await.unwrap();
    assert_eq!(top[0].image_uuid, Some(album));
    let of = client.artist_tracks(&artist_id).await.unwrap();
    assert_eq!(of[0].image_uuid, None);

    let url = client.image_url(album, ImageSize::Px300);
    assert_eq!(url.path(), format!("/img/{album}_300px.jpg"));
    assert_eq!(url.host_str(), Some("127.0.0.1"));
}

#[tokio::test]
async fn totals_are_the_server_counts() {
    let (server, client, session) = signed_in().await;
    let key = client.ingress_key(&session).await.unwrap();
    for track in ["One", "Two", "One"] {
        client.scrobble(&key, &play(track)).await.unwrap();
    }
    let recent = client.recent().await.unwrap();
    assert_eq!((recent.meta.count, recent.meta.total), (3, 50));
    let uuid = server.user("alice").unwrap().uuid;
    let own = client.user_scrobbles(&session, &uuid).await.unwrap();
    assert_eq!((own.meta.count, own.meta.total), (3, 3));
    let album = server.scrobbles_of("alice")[0].album.clone();
    let listeners = client.album_listeners(&album).await.unwrap();
    assert_eq!((listeners.meta.count, listeners.meta.total), (1, 3));
}
