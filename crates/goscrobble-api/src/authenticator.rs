//! [`Authenticator`] for GoScrobble: password login, refresh, validation through `GET /user`.

use async_trait::async_trait;
use omniauth_types::{
    Authenticator, Capabilities, Credentials, Error, LoginOutcome, Result, Session,
};

use crate::{Client, SERVICE};

/// GoScrobble behind the common [`Authenticator`] trait.
///
/// - `login`: username or email and password.
/// - `register`: the username (required), the email when given, then a login.
/// - `refresh`: `POST /refresh`; refused on most real servers with
///   [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized), whose message says to log
///   in again.
/// - `validate`: `GET /user`.
/// - `logout`: **the server has none**; the JWT stays valid until its `exp`. `logout` answers
///   [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) saying so: forget the session
///   locally (delete it from the token store).
#[derive(Debug, Clone)]
pub struct GoScrobbleAuthenticator {
    client: Client,
}

impl GoScrobbleAuthenticator {
    /// An authenticator over `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The client inside.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl Client {
    /// This client as an [`Authenticator`].
    pub fn authenticator(&self) -> GoScrobbleAuthenticator {
        GoScrobbleAuthenticator::new(self.clone())
    }
}

fn name_of(credentials: &Credentials) -> Result<&str> {
    credentials
        .username_or_email()
        .filter(|name| !name.is_empty())
        .ok_or_else(|| {
            Error::invalid_input("goscrobble needs a username or an email").with_service(SERVICE)
        })
}

#[async_trait]
impl Authenticator for GoScrobbleAuthenticator {
    fn service(&self) -> &'static str {
        SERVICE
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::NONE
            .with_refresh(true)
            .with_validate(true)
            .with_register(true)
    }

    async fn login(&self, credentials: &Credentials) -> Result<LoginOutcome> {
        let password = credentials.require_password(SERVICE)?;
        let session = self.client.login(name_of(credentials)?, password).await?;
        Ok(LoginOutcome::Authenticated(session))
    }

    async fn register(&self, credentials: &Credentials) -> Result<LoginOutcome> {
        let password = credentials.require_password(SERVICE)?;
        let username = credentials.username_value().ok_or_else(|| {
            Error::invalid_input("goscrobble registration needs a username").with_service(SERVICE)
        })?;
        self.client
            .register(username, password, credentials.email_value())
            .await?;
        let session = self.client.login(username, password).await?;
        Ok(LoginOutcome::Authenticated(session))
    }

    async fn refresh(&self, session: &Session) -> Result<Session> {
        self.client.refresh(session).await
    }

    async fn validate(&self, session: &Session) -> Result<()> {
        self.client.user(session).await.map(drop)
    }

    async fn logout(&self, _session: &Session) -> Result<()> {
        Err(Error::unsupported(SERVICE, "logout").with_message(
            "goscrobble has no logout: the token stays valid until it expires; forget the \
             session locally",
        ))
    }
}
