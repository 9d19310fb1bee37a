//! A login waiting for the user to follow the link: `GET /auth/session/{auth_id}`.

use std::fmt;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use omniauth_types::{
    Error, ErrorKind, ExposeSecret, PendingConfirmation, PollStatus, Result, Session,
};

use crate::client::Client;
use crate::error::{Call, from_answer};
use crate::model::{AuthId, SessionPlatform, decode_session_token};
use crate::schedule::Answer;
use crate::wait::{self, WaitOptions};
use crate::{SERVICE, session_for};

/// The poll route. Logs show this template, never the filled path (which holds the id).
pub(crate) const POLL_ROUTE: &str = "/auth/session/{auth_id}";

/// A login the server emailed a link for. Ask once with [`poll_once`](Self::poll_once), or
/// wait with [`wait`](Self::wait).
///
/// It holds the `auth_id`, a credential until it expires (whoever polls it after the
/// confirmation gets the session), so its `Debug` shows neither the id nor the full email.
/// There is no way to cancel a login on the server: dropping this (or a `wait` future)
/// stops polling, and the id stays valid on the server until its expiry.
pub struct PendingLogin {
    client: Client,
    auth_id: AuthId,
    username: String,
    email: Option<String>,
    platform: SessionPlatform,
    expires_at: DateTime<Utc>,
    deadline: Instant,
    wait_options: WaitOptions,
}

impl PendingLogin {
    pub(crate) fn new(
        client: Client,
        auth_id: AuthId,
        username: String,
        email: Option<String>,
        platform: SessionPlatform,
        expires_at: DateTime<Utc>,
        deadline: Instant,
    ) -> Self {
        Self {
            client,
            auth_id,
            username,
            email,
            platform,
            expires_at,
            deadline,
            wait_options: WaitOptions::default(),
        }
    }

    /// The options [`PendingConfirmation::wait`] uses (the `Authenticator` path, which
    /// cannot pass any). [`PendingLogin::wait`] takes its own.
    #[must_use]
    pub fn with_wait_options(mut self, options: WaitOptions) -> Self {
        self.wait_options = options;
        self
    }

    /// The login's id. A credential: keep it out of logs.
    pub fn auth_id(&self) -> &AuthId {
        &self.auth_id
    }

    /// The account.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// Where the link went, when known.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The platform the session will be named after.
    pub fn platform(&self) -> &SessionPlatform {
        &self.platform
    }

    /// When the server stops accepting the confirmation (its `expiration_date`, its clock).
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// The local, monotonic instant the login is given up at.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Time left until the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline
            .saturating_duration_since(self.wait_options.now())
    }

    /// What the user has to do. Names the email only in part.
    pub fn instructions(&self) -> String {
        let until = self
            .expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        match &self.email {
            Some(email) => format!(
                "follow the link sent to {} before {until} (only a link you asked for)",
                mask_email(email)
            ),
            None => format!(
                "follow the link emailed for {} before {until} (only a link you asked for)",
                self.username
            ),
        }
    }

    /// Asks the server once whether the user followed the link.
    ///
    /// # Errors
    /// [`ErrorKind::Expired`] when the answer is still "not authorized" at or after the
    /// deadline; [`ErrorKind::RateLimited`] for a `429`; `InvalidInput` for an id that is
    /// not UUID-shaped (not sent); `Api`, `Decode`, `Transport` otherwise. A success is
    /// assumed single-use: if its answer is lost, the next polls say "not authorized".
    #[tracing::instrument(skip_all, fields(service = SERVICE, route = POLL_ROUTE))]
    pub async fn poll_once(&self) -> Result<PollStatus> {
        match self.poll().await? {
            Answer::Ready(session) => Ok(PollStatus::Ready(session)),
            Answer::Pending(message) if self.wait_options.now() >= self.deadline => {
                Err(wait::expired(self.expires_at, None, 0, message.as_deref()))
            }
            Answer::Pending(_) => Ok(PollStatus::Pending),
        }
    }

    /// Polls until the user follows the link, then returns the session.
    ///
    /// Waits one interval before the first poll; a `429` slows polling down for good (and
    /// its `Retry-After` is honoured); a 5xx, a timeout or a reset backs off exponentially;
    /// any other answer ends the wait with its error. When the deadline comes, one last poll,
    /// then [`ErrorKind::Expired`]. Cancel-safe: drop the future to stop.
    ///
    /// # Errors
    /// [`ErrorKind::Expired`] when nobody confirmed in time; the mapped error of any answer
    /// that is neither pending nor transient.
    #[tracing::instrument(skip_all, fields(service = SERVICE, route = POLL_ROUTE))]
    pub async fn wait(&self, options: WaitOptions) -> Result<Session> {
        wait::run(self.deadline, self.expires_at, &options, || self.poll()).await
    }

    async fn poll(&self) -> Result<Answer> {
        if !self.auth_id.is_uuid_shaped() {
            return Err(
                Error::invalid_input("the auth_id is not a uuid: it is not sent")
                    .with_service(SERVICE),
            );
        }
        // Not idempotent: with a single-use server, a second send can lose the token.
        let response = self
            .client
            .transport()
            .get(POLL_ROUTE)
            .path_param("auth_id", self.auth_id.expose_secret())
            .redact(&self.auth_id)
            .idempotent(false)
            .sensitive_response()
            .send_raw()
            .await?;
        match from_answer(Call::Poll, &response) {
            None => {
                let token = decode_session_token(&response)?;
                tracing::debug!("login confirmed");
                Ok(Answer::Ready(session_for(
                    &self.client,
                    &self.username,
                    &self.platform,
                    token,
                )))
            }
            Some(err) if err.kind() == &ErrorKind::Pending => {
                Ok(Answer::Pending(err.message().map(str::to_owned)))
            }
            Some(err) => Err(err),
        }
    }
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("auth_id", &self.auth_id)
            .field("username", &self.username)
            .field("email", &self.email.as_deref().map(mask_email))
            .field("platform", &self.platform)
            .field("expires_at", &self.expires_at)
            .field("remaining", &self.remaining())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl PendingConfirmation for PendingLogin {
    fn expires_at(&self) -> Option<DateTime<Utc>> {
        Some(self.expires_at)
    }

    fn instructions(&self) -> String {
        Self::instructions(self)
    }

    async fn poll_once(&self) -> Result<PollStatus> {
        Self::poll_once(self).await
    }

    async fn wait(&self) -> Result<Session> {
        Self::wait(self, self.wait_options.clone()).await
    }
}

impl From<PendingLogin> for omniauth_types::PendingLogin {
    fn from(pending: PendingLogin) -> Self {
        Self::new(pending)
    }
}

/// `alice@example.com` → `a…@example.com`: enough to recognise, not to harvest.
fn mask_email(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let first = local.chars().next().map(String::from).unwrap_or_default();
            format!("{first}…@{domain}")
        }
        None => "…".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_masked() {
        assert_eq!(mask_email("alice@example.com"), "a…@example.com");
        assert_eq!(mask_email("é@x"), "é…@x");
        assert_eq!(mask_email("@x"), "…@x");
        assert_eq!(mask_email("nope"), "…");
    }
}
