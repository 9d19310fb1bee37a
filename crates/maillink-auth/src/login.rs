//! Starting a login on another device: `POST /auth/login`.

use std::time::Instant;

use chrono::{DateTime, Utc};
use omniauth_types::{Error, Result};

use crate::SERVICE;
use crate::client::Client;
use crate::error::{Call, from_answer};
use crate::model::{AuthId, LoginRequest, LoginStarted, SessionPlatform, decode_login_started};
use crate::pending::PendingLogin;
use crate::registration::{check_email, check_username};
use crate::schedule::time_left;

/// The login route.
pub(crate) const LOGIN_ROUTE: &str = "/auth/login";

impl Client {
    /// Starts a login: the server emails `email` a link, and the returned [`PendingLogin`]
    /// polls until the user follows it ([`PendingLogin::wait`]) or asks once
    /// ([`PendingLogin::poll_once`]).
    ///
    /// Only accounts registered with an email can log in this way, and `email` must be that
    /// address. The login's deadline is the server's `expiration_date`, measured against the
    /// server's own clock (the answer's `Date` header) so that a skewed local clock does not
    /// shorten or stretch it, and capped at [`Client::max_login_wait`].
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for an empty
    /// username or an email without `@` (nothing is sent);
    /// [`ErrorKind::NotFound`](omniauth_types::ErrorKind::NotFound) when the server knows no
    /// such account (assumed `404`); `RateLimited`, `Api`, `Decode` or `Transport`
    /// otherwise. Never sent twice: each attempt sends an email.
    #[tracing::instrument(skip_all, fields(service = SERVICE, route = LOGIN_ROUTE))]
    pub async fn start_login(
        &self,
        username: &str,
        email: &str,
        platform: &SessionPlatform,
    ) -> Result<PendingLogin> {
        check_username(username)?;
        check_email(email)?;
        let body = LoginRequest {
            username,
            email,
            session_platform: platform.as_str(),
        };
        let response = self
            .transport()
            .post(LOGIN_ROUTE)
            .json(&body)
            .login()
            .send_raw()
            .await?;
        if let Some(err) = from_answer(Call::Login, &response) {
            return Err(err);
        }
        let LoginStarted {
            expires_at,
            auth_id,
        } = decode_login_started(&response)?;
        let left = time_left(
            expires_at,
            response.date(),
            Utc::now(),
            self.max_login_wait(),
        );
        tracing::debug!(expires_at = %expires_at, time_left = ?left, "login started");
        Ok(PendingLogin::new(
            self.clone(),
            auth_id,
            username.to_owned(),
            Some(email.to_owned()),
            platform.clone(),
            expires_at,
            Instant::now() + left,
        ))
    }

    /// Takes up a login started elsewhere (another process kept its `auth_id` and
    /// `expiration_date`). The deadline comes from the local clock.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for an empty
    /// username or an `auth_id` that is not UUID-shaped: such an id is never sent.
    pub fn resume_login(
        &self,
        username: &str,
        auth_id: AuthId,
        expires_at: DateTime<Utc>,
        platform: &SessionPlatform,
    ) -> Result<PendingLogin> {
        check_username(username)?;
        if !auth_id.is_uuid_shaped() {
            return Err(
                Error::invalid_input("the auth_id is not a uuid: it is not sent")
                    .with_service(SERVICE),
            );
        }
        let left = time_left(expires_at, None, Utc::now(), self.max_login_wait());
        Ok(PendingLogin::new(
            self.clone(),
            auth_id,
            username.to_owned(),
            None,
            platform.clone(),
            expires_at,
            Instant::now() + left,
        ))
    }
}
