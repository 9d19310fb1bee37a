//! The service behind the shared [`Authenticator`] trait.

use async_trait::async_trait;
use omniauth_types::{
    Authenticator, Capabilities, Credentials, Error, LoginOutcome, Result, Session,
};

use crate::SERVICE;
use crate::client::Client;
use crate::model::SessionPlatform;
use crate::wait::WaitOptions;

/// maillink as an [`Authenticator`]: `login` starts an email-link login and returns
/// [`LoginOutcome::ConfirmationPending`]; `register` signs in at once. The service has no
/// refresh, validation or logout, so those fail with
/// [`ErrorKind::Unsupported`](omniauth_types::ErrorKind::Unsupported), never silently.
///
/// ```
/// # fn main() -> omniauth_types::Result<()> {
/// use maillink_auth::{Client, MaillinkAuthenticator, SessionPlatform};
/// use omniauth_types::Authenticator;
///
/// let auth = MaillinkAuthenticator::new(Client::new("https://auth.example.com")?)
///     .with_platform(SessionPlatform::CLI);
/// assert_eq!(auth.service(), "maillink");
/// assert!(auth.capabilities().register && !auth.capabilities().refresh);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MaillinkAuthenticator {
    client: Client,
    platform: SessionPlatform,
    wait_options: WaitOptions,
}

impl MaillinkAuthenticator {
    /// An authenticator over `client`, naming sessions after this machine's OS.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            platform: SessionPlatform::current(),
            wait_options: WaitOptions::default(),
        }
    }

    /// The `session_platform` sent with logins and registrations.
    #[must_use]
    pub fn with_platform(mut self, platform: SessionPlatform) -> Self {
        self.platform = platform;
        self
    }

    /// How the pending logins it returns wait when asked to.
    #[must_use]
    pub fn with_wait_options(mut self, options: WaitOptions) -> Self {
        self.wait_options = options;
        self
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

#[async_trait]
impl Authenticator for MaillinkAuthenticator {
    fn service(&self) -> &'static str {
        SERVICE
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::NONE.with_register(true)
    }

    /// Needs the username and the account's email (a password is not used).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    async fn login(&self, credentials: &Credentials) -> Result<LoginOutcome> {
        let (Some(username), Some(email)) =
            (credentials.username_value(), credentials.email_value())
        else {
            return Err(Error::invalid_input(
                "maillink logs in with the username and the account's email",
            )
            .with_service(SERVICE));
        };
        let pending = self
            .client
            .start_login(username, email, &self.platform)
            .await?
            .with_wait_options(self.wait_options.clone());
        Ok(LoginOutcome::ConfirmationPending(pending.into()))
    }

    /// Needs the username; the email is optional (but needed for later logins).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    async fn register(&self, credentials: &Credentials) -> Result<LoginOutcome> {
        let Some(username) = credentials.username_value() else {
            return Err(Error::invalid_input("maillink registers a username").with_service(SERVICE));
        };
        let session = self
            .client
            .register(username, credentials.email_value(), &self.platform)
            .await?;
        Ok(LoginOutcome::Authenticated(session))
    }

    async fn refresh(&self, _session: &Session) -> Result<Session> {
        Err(Error::unsupported(SERVICE, "token refresh"))
    }

    async fn validate(&self, _session: &Session) -> Result<()> {
        Err(Error::unsupported(SERVICE, "session validation"))
    }

    async fn logout(&self, _session: &Session) -> Result<()> {
        Err(Error::unsupported(SERVICE, "logout"))
    }
}
