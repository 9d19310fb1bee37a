//! Public reads: server info, statistics, recent plays, profiles.

use omniauth_types::{Error, Result};

use crate::model::{Profile, ScrobbleList, ServerInfo, Stats};
use crate::{Client, SERVICE};

impl Client {
    /// `GET /serverinfo`: the version and whether registration is open. Not rate limited.
    ///
    /// # Errors
    /// Transport and decode errors.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn server_info(&self) -> Result<ServerInfo> {
        self.api.get("/serverinfo").send_json().await
    }

    /// `GET /stats`: site-wide counts (cached by the server for about 5 minutes).
    ///
    /// # Errors
    /// [`ErrorKind::Api`](crate::ErrorKind::Api) (`Error fetching stats`), transport and
    /// decode errors.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn stats(&self) -> Result<Stats> {
        self.api.get("/stats").send_json().await
    }

    /// `GET /recent`: the 50 latest plays of everyone, with their users.
    ///
    /// # Errors
    /// [`ErrorKind::Api`](crate::ErrorKind::Api) (`Failed to fetch scrobbles`), transport
    /// and decode errors.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn recent(&self) -> Result<ScrobbleList> {
        self.api.get("/recent").send_json().await
    }

    /// `GET /profile/{username}`: a public profile with the 10 latest plays.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for an empty name;
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) (`Invalid Username`).
    #[tracing::instrument(skip_all, fields(service = SERVICE, username = username))]
    pub async fn profile(&self, username: &str) -> Result<Profile> {
        if username.is_empty() {
            return Err(Error::invalid_input("a username is required").with_service(SERVICE));
        }
        self.api
            .get("/profile/{username}")
            .path_param("username", username)
            .send_json()
            .await
    }
}
