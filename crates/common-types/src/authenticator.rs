//! The one interface every service's login implements, so the facade can treat them alike.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::secret::{Password, TotpCode};
use crate::session::Session;

/// What a user signs in with. Services take the parts they need and refuse, with
/// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), a login missing a part they
/// require.
///
/// ```
/// use omniauth_types::{Credentials, Password, TotpCode};
///
/// let creds = Credentials::username("alice")
///     .with_password(Password::new("correct horse"))
///     .with_totp(TotpCode::new("123456"));
/// assert_eq!(creds.username_or_email(), Some("alice"));
/// assert!(!format!("{creds:?}").contains("horse"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    username: Option<String>,
    email: Option<String>,
    password: Option<Password>,
    totp: Option<TotpCode>,
}

impl Credentials {
    /// Credentials naming the user by username.
    pub fn username(username: impl Into<String>) -> Self {
        Self {
            username: Some(username.into()),
            ..Self::default()
        }
    }

    /// Credentials naming the user by email.
    pub fn email(email: impl Into<String>) -> Self {
        Self {
            email: Some(email.into()),
            ..Self::default()
        }
    }

    /// Adds (or replaces) the username.
    #[must_use]
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Adds (or replaces) the email.
    #[must_use]
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Adds the password.
    #[must_use]
    pub fn with_password(mut self, password: Password) -> Self {
        self.password = Some(password);
        self
    }

    /// Adds a TOTP or recovery code for an account with a second factor.
    #[must_use]
    pub fn with_totp(mut self, code: TotpCode) -> Self {
        self.totp = Some(code);
        self
    }

    /// The username, when given.
    pub fn username_value(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The email, when given.
    pub fn email_value(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The username if given, else the email: what services that take either log in with.
    pub fn username_or_email(&self) -> Option<&str> {
        self.username.as_deref().or(self.email.as_deref())
    }

    /// The password, when given.
    pub fn password(&self) -> Option<&Password> {
        self.password.as_ref()
    }

    /// The second-factor code, when given.
    pub fn totp(&self) -> Option<&TotpCode> {
        self.totp.as_ref()
    }

    /// The password, or [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) naming
    /// the service that needs one.
    ///
    /// # Errors
    /// When no password was given.
    pub fn require_password(&self, service: &'static str) -> Result<&Password> {
        self.password.as_ref().ok_or_else(|| {
            Error::invalid_input(format!("{service} needs a password")).with_service(service)
        })
    }
}

/// Whether a login finished, needs a second factor, or waits for the user elsewhere.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoginOutcome {
    /// Signed in.
    Authenticated(Session),
    /// The account has a second factor: log in again with [`Credentials::with_totp`].
    SecondFactorRequired,
    /// The user must confirm elsewhere (follow an email link); poll or wait for it.
    ConfirmationPending(PendingLogin),
}

impl LoginOutcome {
    /// The session, if signed in.
    pub fn into_session(self) -> Option<Session> {
        match self {
            Self::Authenticated(session) => Some(session),
            _ => None,
        }
    }
}

/// The answer of one poll of a pending login.
#[allow(clippy::large_enum_variant)] // Answered a few times a minute: boxing would only burden callers.
#[derive(Debug)]
#[non_exhaustive]
pub enum PollStatus {
    /// The user confirmed: here is the session.
    Ready(Session),
    /// Not confirmed yet; poll again later.
    Pending,
}

/// A service's half-finished login that waits for the user, behind [`PendingLogin`].
///
/// Implemented by service crates; users hold a [`PendingLogin`].
#[async_trait]
pub trait PendingConfirmation: Send + Sync + fmt::Debug {
    /// When the server stops accepting the confirmation.
    fn expires_at(&self) -> Option<DateTime<Utc>>;

    /// What the user has to do, e.g. "follow the link sent to a…@example.com". Holds no secret.
    fn instructions(&self) -> String;

    /// Asks the server once whether the user confirmed.
    ///
    /// # Errors
    /// [`ErrorKind::Expired`](crate::ErrorKind::Expired) after the deadline; others as the
    /// service maps them.
    async fn poll_once(&self) -> Result<PollStatus>;

    /// Polls until confirmed or expired, with the service's schedule.
    ///
    /// # Errors
    /// [`ErrorKind::Expired`](crate::ErrorKind::Expired) when nobody confirmed in time.
    async fn wait(&self) -> Result<Session>;
}

/// A login waiting for the user to confirm it elsewhere. Poll it, or wait for it; dropping it
/// stops waiting (the server keeps the request until it expires).
pub struct PendingLogin {
    inner: Box<dyn PendingConfirmation>,
}

impl PendingLogin {
    /// Wraps a service's pending login.
    pub fn new(inner: impl PendingConfirmation + 'static) -> Self {
        Self {
            inner: Box::new(inner),
        }
    }

    /// When the server stops accepting the confirmation.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.inner.expires_at()
    }

    /// What the user has to do.
    pub fn instructions(&self) -> String {
        self.inner.instructions()
    }

    /// Asks the server once.
    ///
    /// # Errors
    /// See [`PendingConfirmation::poll_once`].
    pub async fn poll_once(&self) -> Result<PollStatus> {
        self.inner.poll_once().await
    }

    /// Waits for the confirmation.
    ///
    /// # Errors
    /// See [`PendingConfirmation::wait`].
    pub async fn wait(&self) -> Result<Session> {
        self.inner.wait().await
    }
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

/// Which of the optional operations a service really performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[allow(clippy::struct_excessive_bools)] // Four independent yes/no facts.
#[non_exhaustive]
pub struct Capabilities {
    /// `refresh` obtains a new token (or extends the old one).
    pub refresh: bool,
    /// `validate` asks the server.
    pub validate: bool,
    /// `logout` ends the session on the server.
    pub logout: bool,
    /// `register` creates accounts.
    pub register: bool,
}

impl Capabilities {
    /// Every operation supported.
    pub const ALL: Self = Self {
        refresh: true,
        validate: true,
        logout: true,
        register: true,
    };
    /// No optional operation supported.
    pub const NONE: Self = Self {
        refresh: false,
        validate: false,
        logout: false,
        register: false,
    };

    /// Sets `refresh`.
    #[must_use]
    pub const fn with_refresh(mut self, yes: bool) -> Self {
        self.refresh = yes;
        self
    }

    /// Sets `validate`.
    #[must_use]
    pub const fn with_validate(mut self, yes: bool) -> Self {
        self.validate = yes;
        self
    }

    /// Sets `logout`.
    #[must_use]
    pub const fn with_logout(mut self, yes: bool) -> Self {
        self.logout = yes;
        self
    }

    /// Sets `register`.
    #[must_use]
    pub const fn with_register(mut self, yes: bool) -> Self {
        self.register = yes;
        self
    }
}

/// Signing in to one service, the same way for all of them. Dyn-safe:
/// `Box<dyn Authenticator>` is what the facade hands around.
///
/// An operation a service cannot do fails with
/// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported), never silently.
#[async_trait]
pub trait Authenticator: Send + Sync + fmt::Debug {
    /// The service's name (`resonite`, `burgerauth`, `goscrobble`, `maillink`).
    fn service(&self) -> &'static str;

    /// Which optional operations really reach the server.
    fn capabilities(&self) -> Capabilities;

    /// Starts (and where possible finishes) a login.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidCredentials`](crate::ErrorKind::InvalidCredentials),
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for missing parts, and the
    /// transport's errors.
    async fn login(&self, credentials: &Credentials) -> Result<LoginOutcome>;

    /// Creates an account (and signs in where the service does so).
    ///
    /// # Errors
    /// [`ErrorKind::AccountExists`](crate::ErrorKind::AccountExists), or
    /// [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) by default.
    async fn register(&self, credentials: &Credentials) -> Result<LoginOutcome> {
        let _ = credentials;
        Err(Error::unsupported(self.service(), "registration"))
    }

    /// Returns a session with a fresh (or extended) token.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized) when the server refuses:
    /// log in again.
    async fn refresh(&self, session: &Session) -> Result<Session>;

    /// Checks with the server that the session still works.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized) when it does not.
    async fn validate(&self, session: &Session) -> Result<()>;

    /// Ends the session on the server.
    ///
    /// # Errors
    /// The transport's errors, or [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported).
    async fn logout(&self, session: &Session) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccessToken, ErrorKind, TokenScheme};

    #[derive(Debug)]
    struct Fixed;

    #[async_trait]
    impl Authenticator for Fixed {
        fn service(&self) -> &'static str {
            "fixed"
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities::NONE.with_validate(true)
        }
        async fn login(&self, credentials: &Credentials) -> Result<LoginOutcome> {
            credentials.require_password("fixed")?;
            let user = credentials.username_or_email().unwrap_or_default();
            Ok(LoginOutcome::Authenticated(Session::new(
                "fixed",
                user,
                AccessToken::new("t"),
                TokenScheme::Bearer,
            )))
        }
        async fn refresh(&self, _: &Session) -> Result<Session> {
            Err(Error::unsupported("fixed", "token refresh"))
        }
        async fn validate(&self, _: &Session) -> Result<()> {
            Ok(())
        }
        async fn logout(&self, _: &Session) -> Result<()> {
            Err(Error::unsupported("fixed", "logout"))
        }
    }

    #[tokio::test]
    async fn the_trait_is_dyn_safe_and_defaults_say_unsupported() {
        let auth: Box<dyn Authenticator> = Box::new(Fixed);
        let err = auth.login(&Credentials::username("a")).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        let creds = Credentials::email("a@b.c").with_password(Password::new("pw-secret"));
        let session = auth.login(&creds).await.unwrap().into_session().unwrap();
        assert_eq!(session.user_id(), "a@b.c");
        let err = auth.register(&creds).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Unsupported);
        assert!(err.to_string().contains("registration"));
        assert!(!format!("{creds:?}").contains("pw-secret"));
    }

    #[test]
    fn capabilities_compose() {
        let caps = Capabilities::NONE.with_refresh(true).with_logout(true);
        assert!(caps.refresh && caps.logout && !caps.validate && !caps.register);
        assert!(!Capabilities::ALL.with_register(false).register);
    }
}
