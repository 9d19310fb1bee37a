//! Creating an account: `POST /auth/registration`.

use omniauth_types::{Error, Result, Session};

use crate::client::Client;
use crate::error::{Call, from_answer};
use crate::model::{RegistrationRequest, SessionPlatform, decode_session_token};
use crate::{SERVICE, session_for};

/// The registration route.
pub(crate) const REGISTER_ROUTE: &str = "/auth/registration";

impl Client {
    /// Creates an account and signs it in at once (no email confirmation).
    ///
    /// `email` is optional, but an account registered **without** one can never use the
    /// email-link login on another device: the email is where the link goes.
    ///
    /// The session has no expiry (the service does not say how long tokens last).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for an empty
    /// username or an email without `@` (nothing is sent);
    /// [`ErrorKind::AccountExists`](omniauth_types::ErrorKind::AccountExists) for a taken
    /// username; `Api`, `Decode` or `Transport` otherwise. Never sent twice.
    #[tracing::instrument(skip_all, fields(service = SERVICE, route = REGISTER_ROUTE))]
    pub async fn register(
        &self,
        username: &str,
        email: Option<&str>,
        platform: &SessionPlatform,
    ) -> Result<Session> {
        check_username(username)?;
        if let Some(email) = email {
            check_email(email)?;
        }
        let body = RegistrationRequest {
            username,
            email,
            session_platform: platform.as_str(),
        };
        let response = self
            .transport()
            .post(REGISTER_ROUTE)
            .json(&body)
            .login()
            .send_raw()
            .await?;
        if let Some(err) = from_answer(Call::Register, &response) {
            return Err(err);
        }
        let token = decode_session_token(&response)?;
        tracing::debug!("registered");
        Ok(session_for(self, username, platform, token))
    }
}

/// Refuses an empty (or blank) username before anything is sent.
pub(crate) fn check_username(username: &str) -> Result<()> {
    if username.trim().is_empty() {
        return Err(Error::invalid_input("the username must not be empty").with_service(SERVICE));
    }
    Ok(())
}

/// Refuses an email that cannot be one (no `@`) before anything is sent.
pub(crate) fn check_email(email: &str) -> Result<()> {
    if !email.contains('@') {
        return Err(Error::invalid_input("the email has no @").with_service(SERVICE));
    }
    Ok(())
}
