//! Artists, albums, tracks and their top lists (all public).

use omniauth_types::{Error, ErrorKind, Result};

use crate::model::music::{TopArtistsAnswer, TopTracksAnswer};
use crate::model::{Album, Artist, TopEntry, TopListeners, Track};
use crate::{Client, SERVICE};

/// The UUID that asks the top lists for the whole site (MySQL servers only).
pub const SITE_WIDE: &str = "0";

impl Client {
    /// A user's top artists (`GET /artists/top/{uuid}[/{days}]`), most played first, at most
    /// 14. `user_uuid` [`SITE_WIDE`] asks for the whole site; `days` limits the window.
    ///
    /// # Errors
    /// [`ErrorKind::Api`](crate::ErrorKind::Api) (`Failed to fetch top artist`).
    #[tracing::instrument(skip_all, fields(service = SERVICE, user_uuid = user_uuid, days = ?days))]
    pub async fn top_artists(&self, user_uuid: &str, days: Option<u32>) -> Result<Vec<TopEntry>> {
        let request = match days {
            Some(days) => self
                .api
                .get("/artists/top/{uuid}/{days}")
                .path_param("days", days.to_string()),
            None => self.api.get("/artists/top/{uuid}"),
        };
        let answer: TopArtistsAnswer = request.path_param("uuid", user_uuid).send_json().await?;
        Ok(answer.artists)
    }

    /// A user's top tracks (`GET /tracks/top/{uuid}[/{days}]`), as [`Client::top_artists`].
    ///
    /// # Errors
    /// [`ErrorKind::Api`](crate::ErrorKind::Api).
    #[tracing::instrument(skip_all, fields(service = SERVICE, user_uuid = user_uuid, days = ?days))]
    pub async fn top_tracks(&self, user_uuid: &str, days: Option<u32>) -> Result<Vec<TopEntry>> {
        let request = match days {
            Some(days) => self
                .api
                .get("/tracks/top/{uuid}/{days}")
                .path_param("days", days.to_string()),
            None => self.api.get("/tracks/top/{uuid}"),
        };
        let answer: TopTracksAnswer = request.path_param("uuid", user_uuid).send_json().await?;
        Ok(answer.tracks)
    }

    /// `GET /artists/{uuid}`.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) for an unknown UUID (`Invalid
    /// UUID`) and for a malformed one, which the server answers with an artist of empty fields
    /// (its database refuses the text as a UUID, and that error is dropped).
    #[tracing::instrument(skip_all, fields(service = SERVICE, uuid = uuid))]
    pub async fn artist(&self, uuid: &str) -> Result<Artist> {
        let artist: Artist = self
            .api
            .get("/artists/{uuid}")
            .path_param("uuid", uuid)
            .send_json()
            .await?;
        if artist.uuid.is_empty() {
            return Err(Error::new(ErrorKind::NotFound)
                .with_service(SERVICE)
                .with_status(200)
                .with_message("no artist with this uuid"));
        }
        Ok(artist)
    }

    /// `GET /albums/{uuid}`.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) (`Invalid UUID`).
    #[tracing::instrument(skip_all, fields(service = SERVICE, uuid = uuid))]
    pub async fn album(&self, uuid: &str) -> Result<Album> {
        self.api
            .get("/albums/{uuid}")
            .path_param("uuid", uuid)
            .send_json()
            .await
    }

    /// `GET /tracks/{uuid}`, with its artists and albums.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) (`Invalid UUID`).
    #[tracing::instrument(skip_all, fields(service = SERVICE, uuid = uuid))]
    pub async fn track(&self, uuid: &str) -> Result<Track> {
        self.api
            .get("/tracks/{uuid}")
            .path_param("uuid", uuid)
            .send_json()
            .await
    }

    /// `GET /artists/{uuid}/top`: the artist's top 10 listeners.
    ///
    /// # Errors
    /// [`ErrorKind::Api`](crate::ErrorKind::Api) (`Failed to fetch combined scrobbles`).
    #[tracing::instrument(skip_all, fields(service = SERVICE, uuid = uuid))]
    pub async fn artist_listeners(&self, uuid: &str) -> Result<TopListeners> {
        self.api
            .get("/artists/{uuid}/top")
            .path_param("uuid", uuid)
            .send_json()
            .await
    }

    /// `GET /albums/{uuid}/top`: the album's top 10 listeners.
    ///
    /// # Errors
    /// [`ErrorKind::Api`](crate::ErrorKind::Api).
    #[tracing::instrument(skip_all, fields(service = SERVICE, uuid = uuid))]
    pub async fn album_listeners(&self, uuid: &str) -> Result<TopListeners> {
        self.api
            .get("/albums/{uuid}/top")
            .path_param("uuid", uuid)
            .send_json()
            .await
    }

    /// `GET /tracks/{uuid}/top`: the track's top 10 listeners.
    ///
    /// # Errors
    /// [`ErrorKind::Api`](crate::ErrorKind::Api).
    #[tracing::instrument(skip_all, fields(service = SERVICE, uuid = uuid))]
    pub async fn track_listeners(&self, uuid: &str) -> Result<TopListeners> {
        self.api
            .get("/tracks/{uuid}/top")
            .path_param("uuid", uuid)
            .send_json()
            .await
    }

    /// `GET /tracks/artist/{uuid}`: the artist's tracks (`plays` is 0 in this list).
    ///
    /// # Errors
    /// [`ErrorKind::Api`](crate::ErrorKind::Api).
    #[tracing::instrument(skip_all, fields(service = SERVICE, uuid = uuid))]
    pub async fn artist_tracks(&self, uuid: &str) -> Result<Vec<TopEntry>> {
        let answer: TopTracksAnswer = self
            .api
            .get("/tracks/artist/{uuid}")
            .path_param("uuid", uuid)
            .send_json()
            .await?;
        Ok(answer.tracks)
    }

    /// `GET /tracks/album/{uuid}`: the album's tracks.
    ///
    /// # Errors
    /// [`ErrorKind::Api`](crate::ErrorKind::Api).
    #[tracing::instrument(skip_all, fields(service = SERVICE, uuid = uuid))]
    pub async fn album_tracks(&self, uuid: &str) -> Result<Vec<TopEntry>> {
        let answer: TopTracksAnswer = self
            .api
            .get("/tracks/album/{uuid}")
            .path_param("uuid", uuid)
            .send_json()
            .await?;
        Ok(answer.tracks)
    }
}
