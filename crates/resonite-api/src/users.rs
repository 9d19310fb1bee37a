//! Users: by id, by username, and search.

use omniauth_types::{Error, Result, Session};
use serde::Serialize;

use crate::SERVICE;
use crate::client::{Client, check_session, missing_id};
use crate::error::CallKind;
use crate::model::{Profile, User, UserId, UserStatus};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ByUsername {
    by_username: bool,
}

#[derive(Serialize)]
struct Search<'a> {
    name: &'a str,
}

fn require_user_id(id: &UserId) -> Result<()> {
    if id.has_expected_prefix() {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "a user id starts with U- (to look a user up by name, use user_by_username)",
        )
        .with_service(SERVICE))
    }
}

fn require_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        Err(Error::invalid_input("the name is empty").with_service(SERVICE))
    } else {
        Ok(())
    }
}

impl Client {
    /// A user by id: `GET /users/{userId}` (no auth).
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`](omniauth_types::ErrorKind::NotFound) for an unknown user;
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for an id
    /// without `U-`.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    pub async fn user(&self, id: &UserId) -> Result<User> {
        require_user_id(id)?;
        let request = self
            .transport()
            .get("/users/{userId}")
            .path_param("userId", id.as_str());
        let user: User = self.fetch(request, CallKind::Public).await?;
        if user.id.as_str().is_empty() {
            return Err(missing_id("user"));
        }
        Ok(user)
    }

    /// The signed-in user, with the fields only oneself sees (`email`, …):
    /// `GET /users/{me}` sent with the session's authorization.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](omniauth_types::ErrorKind::Unauthorized) for an expired
    /// or revoked token (when the server refuses it rather than answering the public view).
    #[tracing::instrument(skip_all, fields(user_id = session.user_id()))]
    pub async fn me(&self, session: &Session) -> Result<User> {
        check_session(session)?;
        let request = self
            .transport()
            .get("/users/{userId}")
            .path_param("userId", session.user_id())
            .auth(session);
        let user: User = self
            .fetch(request, crate::error::CallKind::Authenticated)
            .await?;
        if user.id.as_str().is_empty() {
            return Err(missing_id("user"));
        }
        Ok(user)
    }

    /// A user by exact username: `GET /users/{name}?byUsername=true` (no auth; the name is
    /// encoded as one path segment).
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`](omniauth_types::ErrorKind::NotFound) when nobody has it.
    #[tracing::instrument(skip_all)]
    pub async fn user_by_username(&self, username: &str) -> Result<User> {
        require_name(username)?;
        let request = self
            .transport()
            .get("/users/{username}")
            .path_param("username", username)
            .query(&ByUsername { by_username: true });
        let user: User = self.fetch(request, CallKind::Public).await?;
        if user.id.as_str().is_empty() {
            return Err(missing_id("user"));
        }
        Ok(user)
    }

    /// Users whose name contains `name`: `GET /users?name=` (no auth; URL-encoded, unlike
    /// `resonite_rs`).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for an empty
    /// name; the server's answers.
    #[tracing::instrument(skip_all)]
    pub async fn search_users(&self, name: &str) -> Result<Vec<User>> {
        require_name(name)?;
        let request = self.transport().get("/users").query(&Search { name });
        self.fetch(request, CallKind::Public).await
    }

    /// A user's status over REST: `GET /users/{userId}/status` (no auth; `ReCon` reads it).
    /// Someone invisible or never seen reads as `Offline`.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`](omniauth_types::ErrorKind::NotFound) for an unknown user;
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for an id
    /// without `U-`.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    pub async fn user_status(&self, id: &UserId) -> Result<UserStatus> {
        require_user_id(id)?;
        let request = self
            .transport()
            .get("/users/{userId}/status")
            .path_param("userId", id.as_str());
        self.fetch(request, CallKind::Public).await
    }

    /// Replaces the signed-in user's profile: `PUT /users/{me}/profile` with the whole
    /// profile object (SUD: fields left out are cleared, so read it first and change it).
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](omniauth_types::ErrorKind::Unauthorized) for a dead
    /// token; the server's answers.
    #[tracing::instrument(skip_all, fields(user_id = session.user_id()))]
    pub async fn update_profile(&self, session: &Session, profile: &Profile) -> Result<()> {
        check_session(session)?;
        let request = self
            .transport()
            .put("/users/{userId}/profile")
            .path_param("userId", session.user_id())
            .json(profile)
            .auth(session);
        self.exchange(request, CallKind::Authenticated)
            .await
            .map(drop)
    }
}
