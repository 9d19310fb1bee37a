//! Login, refresh (with its fallback), registration and password reset.

use omniauth_types::secret::serialize_exposed;
use omniauth_types::{AccessToken, Error, ErrorKind, Password, RefreshToken, Result, Session};
use serde::{Deserialize, Serialize};

use crate::jwt::session_from_token;
use crate::rules as user_rules;
use crate::{Client, ResetToken, SERVICE};

#[derive(Serialize)]
struct LoginBody<'a> {
    username: &'a str,
    #[serde(serialize_with = "serialize_exposed")]
    password: &'a Password,
}

#[derive(Serialize)]
struct RegisterBody<'a> {
    username: &'a str,
    #[serde(serialize_with = "serialize_exposed")]
    password: &'a Password,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
}

#[derive(Serialize)]
struct RefreshBody<'a> {
    #[serde(serialize_with = "serialize_exposed")]
    token: &'a RefreshToken,
}

#[derive(Serialize)]
struct EmailBody<'a> {
    email: &'a str,
}

#[derive(Serialize)]
struct ResetBody<'a> {
    #[serde(serialize_with = "serialize_exposed")]
    token: &'a ResetToken,
    #[serde(serialize_with = "serialize_exposed")]
    password: &'a Password,
}

#[derive(Serialize)]
struct CheckBody<'a> {
    #[serde(serialize_with = "serialize_exposed")]
    token: &'a ResetToken,
}

#[derive(Deserialize)]
struct TokenAnswer {
    token: AccessToken,
}

#[derive(Deserialize)]
pub(crate) struct MessageAnswer {
    #[allow(dead_code)] // Required so that a 200 without it is not taken for success.
    pub(crate) message: String,
}

#[derive(Deserialize)]
struct ValidAnswer {
    #[serde(default)]
    valid: bool,
}

/// What a failed refresh tells: a refusal as one (log in again), any other error as it is. Out
/// of line, as the transport's failure paths are: the refresh that succeeds skips its code.
#[cold]
#[inline(never)]
fn refresh_error(err: Error) -> Error {
    if err.kind() != &ErrorKind::Unauthorized {
        return err;
    }
    let server = err.message().unwrap_or("refused");
    Error::new(ErrorKind::Unauthorized)
        .with_service(SERVICE)
        .with_status(err.status().map_or(200, |s| s.as_u16()))
        .with_message(format!(
            "the server refused the refresh token ({server}); refresh is broken on many \
             goscrobble servers: log in again"
        ))
}

fn invalid(message: &str) -> Error {
    Error::invalid_input(message).with_service(SERVICE)
}

impl Client {
    /// Logs in with a username, or an email (any name holding `@` is looked up as one), and
    /// builds the [`Session`] from the JWT's claims.
    ///
    /// The server hashes with bcrypt cost 16: a login takes seconds. It is sent once, never
    /// retried.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for an empty name or password;
    /// [`ErrorKind::InvalidCredentials`] for an unknown user or a wrong password (the server
    /// does not tell them apart); [`ErrorKind::Expired`] when the server issues tokens with
    /// `exp == iat` (its `JWT_EXPIRY` is unset); [`ErrorKind::RateLimited`].
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn login(&self, username_or_email: &str, password: &Password) -> Result<Session> {
        if username_or_email.trim().is_empty() {
            return Err(invalid("a username or email is required"));
        }
        if password.is_empty() {
            return Err(invalid("a password is required"));
        }
        let answer: TokenAnswer = self
            .api
            .post("/login")
            .json(&LoginBody {
                username: username_or_email,
                password,
            })
            .login()
            .send_json()
            .await?;
        session_from_token(answer.token)
    }

    /// Trades the session's refresh token for a new JWT (`POST /refresh`); the server
    /// rotates it, so the old session's refresh token stops working.
    ///
    /// **Refresh fails on most real servers** (their refresh rows expire when inserted, spec
    /// §2.3): expect [`ErrorKind::Unauthorized`] and log in again, or use
    /// [`Client::refresh_or_login`].
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`] with a message saying a new login is needed, when the
    /// session has no refresh token or the server refuses it.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn refresh(&self, session: &Session) -> Result<Session> {
        let Some(token) = session.refresh_token() else {
            return Err(Error::new(ErrorKind::Unauthorized)
                .with_service(SERVICE)
                .with_message("the session has no refresh token: log in again"));
        };
        let answer = self
            .api
            .post("/refresh")
            .json(&RefreshBody { token })
            .login()
            .send_json::<TokenAnswer>()
            .await;
        match answer {
            Ok(answer) => session_from_token(answer.token),
            Err(err) => Err(refresh_error(err)),
        }
    }

    /// Refreshes the session, and when the server refuses, logs in again with the password:
    /// what a client of GoScrobble has to do (spec §2.3).
    ///
    /// # Errors
    /// The login's errors when the refresh was refused; the refresh's other errors
    /// (transport, rate limit) as they are.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn refresh_or_login(
        &self,
        session: &Session,
        username_or_email: &str,
        password: &Password,
    ) -> Result<Session> {
        match self.refresh(session).await {
            Err(err) if err.kind() == &ErrorKind::Unauthorized => {
                tracing::debug!("refresh refused, logging in again");
                self.login(username_or_email, password).await
            }
            other => other,
        }
    }

    /// Creates an account (`POST /register`); log in afterwards. The server's rules are
    /// checked first: a password of at least 8 bytes, a username of 1 to 64 characters from
    /// `[a-zA-Z0-9_.]`. Leave out the email on servers without network (its check needs a
    /// live MX lookup).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for a rule broken; [`ErrorKind::Unsupported`] when the
    /// server has registration disabled; [`ErrorKind::AccountExists`];
    /// [`ErrorKind::Api`] (status 200) for the server's other refusals, such as `Invalid
    /// email address`.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn register(
        &self,
        username: &str,
        password: &Password,
        email: Option<&str>,
    ) -> Result<()> {
        user_rules::check_username(username)?;
        user_rules::check_password(password)?;
        let email = email.filter(|e| !e.is_empty());
        if email.is_some_and(|e| !e.contains('@')) {
            return Err(invalid("the email address has no @"));
        }
        let result = self
            .heavy
            .post("/register")
            .json(&RegisterBody {
                username,
                password,
                email,
            })
            .login()
            .send_json::<MessageAnswer>()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if err.kind() == &ErrorKind::Unsupported => {
                Err(err.with_message("registration is currently disabled on this server"))
            }
            Err(err) => Err(err),
        }
    }

    /// Asks the server to email a password-reset token (`POST /sendreset`).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for an empty email; [`ErrorKind::NotFound`] when no
    /// account has it (`Invalid Email`); [`ErrorKind::Api`] when sending the mail failed (the
    /// token was stored anyway).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn send_reset(&self, email: &str) -> Result<()> {
        if email.trim().is_empty() {
            return Err(invalid("an email is required"));
        }
        self.heavy
            .post("/sendreset")
            .json(&EmailBody { email })
            .send_json::<MessageAnswer>()
            .await
            .map(drop)
    }

    /// Whether a reset token is valid (`POST /resetpassword` with the token alone).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for an empty token; transport and rate-limit errors.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn check_reset_token(&self, token: &ResetToken) -> Result<bool> {
        if token.is_empty() {
            return Err(invalid("the reset token is empty"));
        }
        let answer: ValidAnswer = self
            .heavy
            .post("/resetpassword")
            .json(&CheckBody { token })
            .send_json()
            .await?;
        Ok(answer.valid)
    }

    /// Sets a new password with a reset token (`POST /resetpassword`). The server does not
    /// consume the token.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for an empty token or a password under 8 bytes;
    /// [`ErrorKind::Expired`] for a token the server does not know (`Invalid Token`).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn reset_password(&self, token: &ResetToken, password: &Password) -> Result<()> {
        if token.is_empty() {
            return Err(invalid("the reset token is empty"));
        }
        user_rules::check_password(password)?;
        self.heavy
            .post("/resetpassword")
            .json(&ResetBody { token, password })
            .login()
            .send_json::<MessageAnswer>()
            .await
            .map(drop)
    }
}
