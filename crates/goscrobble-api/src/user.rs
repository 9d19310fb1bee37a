//! The signed-in user: their record, settings, history, and linked services.

use omniauth_types::secret::serialize_exposed;
use omniauth_types::{Error, Password, Result, Session};
use serde::{Deserialize, Serialize};

use crate::auth::MessageAnswer;
use crate::model::{ScrobbleList, User};
use crate::{Client, IngressKey, SERVICE};

#[derive(Serialize)]
struct NavidromeBody<'a> {
    url: &'a str,
    username: &'a str,
    #[serde(serialize_with = "serialize_exposed")]
    password: &'a Password,
}

#[derive(Deserialize)]
struct SpotifyAnswer {
    #[serde(default)]
    token: Option<String>,
}

fn invalid(message: &str) -> Error {
    Error::invalid_input(message).with_service(SERVICE)
}

impl Client {
    /// `GET /user`: the session's account, with its ingress key.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized) for an expired or invalid
    /// JWT; [`ErrorKind::Api`](crate::ErrorKind::Api) (`Failed to fetch user information`,
    /// e.g. for a deactivated account).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn user(&self, session: &Session) -> Result<User> {
        self.api
            .get("/user")
            .auth(session)
            .sensitive_response()
            .send_json()
            .await
    }

    /// The session's ingress key (from `GET /user`), for [`Client::scrobble`] and
    /// [`Client::jellyfin`].
    ///
    /// # Errors
    /// As [`Client::user`].
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn ingress_key(&self, session: &Session) -> Result<IngressKey> {
        Ok(self.user(session).await?.ingress_key)
    }

    /// Sets the account's timezone (`PATCH /user {"timezone"}`). The server answers success
    /// whatever happens (an unknown zone is ignored): read [`Client::user`] to be sure.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for an empty name;
    /// [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized).
    #[tracing::instrument(skip_all, fields(service = SERVICE, timezone = timezone))]
    pub async fn set_timezone(&self, session: &Session, timezone: &str) -> Result<()> {
        if timezone.trim().is_empty() {
            return Err(invalid("a timezone name is required"));
        }
        self.patch_user(session, &serde_json::json!({ "timezone": timezone }))
            .await
    }

    /// Issues a new ingress key (`PATCH /user {"token"}`) and returns it. The server caches
    /// keys for 24 hours, so the old one may keep working that long.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized), or the errors of
    /// [`Client::user`], which reads the new key.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn regenerate_ingress_key(&self, session: &Session) -> Result<IngressKey> {
        self.patch_user(session, &serde_json::json!({ "token": "" }))
            .await?;
        self.ingress_key(session).await
    }

    /// Deactivates the account (`PATCH /user {"active"}`): it can no longer log in. Its JWT
    /// keeps passing the server's check until it expires.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn deactivate_account(&self, session: &Session) -> Result<()> {
        self.patch_user(session, &serde_json::json!({ "active": false }))
            .await
    }

    async fn patch_user(&self, session: &Session, body: &serde_json::Value) -> Result<()> {
        self.api
            .patch("/user")
            .auth(session)
            .json(body)
            .send_json::<MessageAnswer>()
            .await
            .map(drop)
    }

    /// `GET /user/{uuid}/scrobbles`: the 100 latest plays of any user (the server does not
    /// check the UUID against the session).
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized);
    /// [`ErrorKind::Api`](crate::ErrorKind::Api) (`Failed to fetch scrobbles`).
    #[tracing::instrument(skip_all, fields(service = SERVICE, user_uuid = user_uuid))]
    pub async fn user_scrobbles(&self, session: &Session, user_uuid: &str) -> Result<ScrobbleList> {
        self.api
            .get("/user/{uuid}/scrobbles")
            .path_param("uuid", user_uuid)
            .auth(session)
            .send_json()
            .await
    }

    /// Links a Navidrome server (`POST /user/navidrome`); the server checks the credentials
    /// with a Subsonic ping first.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for an empty field;
    /// [`ErrorKind::Api`](crate::ErrorKind::Api) (`Failed to validate credentials`, `Failed
    /// to save Navidome token`).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn link_navidrome(
        &self,
        session: &Session,
        url: &str,
        username: &str,
        password: &Password,
    ) -> Result<()> {
        if url.is_empty() || username.is_empty() || password.is_empty() {
            return Err(invalid("navidrome needs a url, a username and a password"));
        }
        self.api
            .post("/user/navidrome")
            .auth(session)
            .json(&NavidromeBody {
                url,
                username,
                password,
            })
            .send_json::<MessageAnswer>()
            .await
            .map(drop)
    }

    /// Unlinks Navidrome (`DELETE /user/navidrome`).
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized);
    /// [`ErrorKind::Api`](crate::ErrorKind::Api).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn unlink_navidrome(&self, session: &Session) -> Result<()> {
        self.api
            .delete("/user/navidrome")
            .auth(session)
            .send_json::<MessageAnswer>()
            .await
            .map(drop)
    }

    /// The server's Spotify app client id (`GET /user/spotify`, in a field named `token`),
    /// to start the Spotify link in a browser; `None` when the server has none.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized);
    /// [`ErrorKind::Api`](crate::ErrorKind::Api).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn spotify_client_id(&self, session: &Session) -> Result<Option<String>> {
        let answer: SpotifyAnswer = self
            .api
            .get("/user/spotify")
            .auth(session)
            .send_json()
            .await?;
        Ok(answer.token.filter(|id| !id.is_empty()))
    }

    /// Unlinks Spotify (`DELETE /user/spotify`).
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized);
    /// [`ErrorKind::Api`](crate::ErrorKind::Api).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn unlink_spotify(&self, session: &Session) -> Result<()> {
        self.api
            .delete("/user/spotify")
            .auth(session)
            .send_json::<MessageAnswer>()
            .await
            .map(drop)
    }
}
