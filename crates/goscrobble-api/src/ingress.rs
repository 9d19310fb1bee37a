//! Scrobble ingestion with the user's ingress key as `?key=` (not the JWT).

use omniauth_types::{Error, ExposeSecret, Result};

use crate::auth::MessageAnswer;
use crate::model::{JellyfinEvent, MultiScrobble};
use crate::{Client, IngressKey, SERVICE};

fn invalid(message: &str) -> Error {
    Error::invalid_input(message).with_service(SERVICE)
}

fn check_key(key: &IngressKey) -> Result<()> {
    if key.is_empty() {
        return Err(invalid("the ingress key is empty"));
    }
    Ok(())
}

impl Client {
    /// Posts a play the way multi-scrobbler does (`POST /ingress/multiscrobbler?key=`). The
    /// server answers success without recording a play that repeats the user's last
    /// `title:album`.
    ///
    /// The client refuses a play with no artist, an empty artist, album or track although
    /// the server takes one: it would record a track without a name (or a play without an
    /// artist), and GoScrobble has no endpoint that edits or deletes a scrobble.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for an empty key, no
    /// artist, an empty name, album or track; [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized)
    /// for a key the server refuses; [`ErrorKind::Api`](crate::ErrorKind::Api) for its
    /// other refusals.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn scrobble(&self, key: &IngressKey, play: &MultiScrobble) -> Result<()> {
        check_key(key)?;
        if play.artists.is_empty() || play.artists.iter().any(|a| a.trim().is_empty()) {
            return Err(invalid("a scrobble needs at least one artist, none empty"));
        }
        if play.album.trim().is_empty() || play.track.trim().is_empty() {
            return Err(invalid("a scrobble needs an album and a track"));
        }
        self.api
            .post("/ingress/multiscrobbler")
            .query(&[("key", key.expose_secret())])
            .json(play)
            .send_json::<MessageAnswer>()
            .await
            .map(drop)
    }

    /// Posts a Jellyfin webhook event (`POST /ingress/jellyfin?key=`). The server scrobbles
    /// it at the time it receives it, and skips a repeat of the last `title:album` of the
    /// same device.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for an empty key, name,
    /// album or artist; [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized);
    /// [`ErrorKind::Api`](crate::ErrorKind::Api) (`Media type not audio`, …).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn jellyfin(&self, key: &IngressKey, event: &JellyfinEvent) -> Result<()> {
        check_key(key)?;
        if event.name.trim().is_empty()
            || event.album.trim().is_empty()
            || event.artist.trim().is_empty()
        {
            return Err(invalid(
                "a jellyfin event needs a name, an album and an artist",
            ));
        }
        self.api
            .post("/ingress/jellyfin")
            .query(&[("key", key.expose_secret())])
            .json(event)
            .send_json::<MessageAnswer>()
            .await
            .map(drop)
    }
}
