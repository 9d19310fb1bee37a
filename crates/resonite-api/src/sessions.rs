//! Sessions (hosted worlds): `GET /sessions` with its filters, `GET /sessions/{id}`.

use omniauth_types::{Error, Result};
use serde::Serialize;

use crate::SERVICE;
use crate::client::{Client, missing_id};
use crate::error::CallKind;
use crate::model::{SessionId, SessionInfo, UserId};

/// The filters of `GET /sessions`; unset ones are not sent (the server's defaults apply:
/// `minActiveUsers` 0, `includeEmptyHeadless` true).
///
/// ```
/// use resonite_api::SessionQuery;
///
/// let query = SessionQuery::new().name("club").min_active_users(2).include_ended(false);
/// assert_eq!(query.to_query_string(), "name=club&minActiveUsers=2&includeEnded=false");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct SessionQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    compatibility_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    universe_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_active_users: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_empty_headless: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_ended: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    include_incompatible: Option<bool>,
}

impl SessionQuery {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only sessions with this compatibility hash (joinable by that build).
    pub fn compatibility_hash(mut self, hash: impl Into<String>) -> Self {
        self.compatibility_hash = Some(hash.into());
        self
    }

    /// Sessions whose name matches.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sessions of a universe.
    pub fn universe_id(mut self, universe: impl Into<String>) -> Self {
        self.universe_id = Some(universe.into());
        self
    }

    /// Sessions hosted by this username.
    pub fn host_name(mut self, host: impl Into<String>) -> Self {
        self.host_name = Some(host.into());
        self
    }

    /// Sessions hosted by this user id.
    pub fn host_id(mut self, host: &UserId) -> Self {
        self.host_id = Some(host.as_str().to_owned());
        self
    }

    /// `hostId` when `host` starts with `U-`, else `hostName` (as `ReCon` does).
    pub fn host(self, host: &str) -> Self {
        if host.starts_with(UserId::PREFIX) {
            self.host_id(&UserId::new(host))
        } else {
            self.host_name(host)
        }
    }

    /// Sessions with at least this many active users.
    pub fn min_active_users(mut self, count: u32) -> Self {
        self.min_active_users = Some(count);
        self
    }

    /// Whether empty headless sessions are listed (server default: true).
    pub fn include_empty_headless(mut self, yes: bool) -> Self {
        self.include_empty_headless = Some(yes);
        self
    }

    /// Whether ended sessions are listed.
    pub fn include_ended(mut self, yes: bool) -> Self {
        self.include_ended = Some(yes);
        self
    }

    /// Whether sessions of other builds are listed.
    pub fn include_incompatible(mut self, yes: bool) -> Self {
        self.include_incompatible = Some(yes);
        self
    }

    /// The query string sent (URL-encoded).
    pub fn to_query_string(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

impl Client {
    /// Lists public sessions: `GET /sessions` (no auth).
    ///
    /// # Errors
    /// [`ErrorKind::RateLimited`](omniauth_types::ErrorKind::RateLimited), other answers of
    /// the server, decode and transport errors.
    #[tracing::instrument(skip_all)]
    pub async fn sessions(&self, query: &SessionQuery) -> Result<Vec<SessionInfo>> {
        let request = self.transport().get("/sessions").query(query);
        self.fetch(request, CallKind::Public).await
    }

    /// One session: `GET /sessions/{sessionId}` (no auth).
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`](omniauth_types::ErrorKind::NotFound) for an unknown or
    /// private session; [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput)
    /// for an id without the `S-` prefix.
    #[tracing::instrument(skip_all, fields(session_id = %id))]
    pub async fn session(&self, id: &SessionId) -> Result<SessionInfo> {
        if !id.has_expected_prefix() {
            return Err(Error::invalid_input("a session id starts with S-").with_service(SERVICE));
        }
        let request = self
            .transport()
            .get("/sessions/{sessionId}")
            .path_param("sessionId", id.as_str());
        let session: SessionInfo = self.fetch(request, CallKind::Public).await?;
        if session.session_id.as_str().is_empty() {
            return Err(missing_id("session"));
        }
        Ok(session)
    }
}
