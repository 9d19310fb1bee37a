//! [`Authenticator`] for Burgerauth: a password login yields the secret-key session.

use async_trait::async_trait;
use omniauth_types::{
    Authenticator, Capabilities, Credentials, Error, LoginOutcome, Result, Session,
};

use crate::SERVICE;
use crate::client::{Client, Dialect};

/// Burgerauth behind the common [`Authenticator`] trait.
///
/// - `login` / `register`: username and password → a [`Session`] holding the secret key
///   (no expiry; sent inside request bodies).
/// - `validate`: `/api/secretkeyloggedin` (1.3) or `/api/userinfo` (1.2).
/// - `logout`: removes this session where the server can (1.2); on 1.3 it fails with
///   `Unsupported` because the server cannot (see [`Client::logout`]).
/// - `refresh`: `Unsupported` — secret keys do not expire, and no dialect refreshes them.
#[derive(Debug, Clone)]
pub struct BurgerauthAuthenticator {
    client: Client,
}

impl BurgerauthAuthenticator {
    /// Wraps a client.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

fn username(credentials: &Credentials) -> Result<&str> {
    credentials.username_value().ok_or_else(|| {
        Error::invalid_input("burgerauth signs in by username").with_service(SERVICE)
    })
}

#[async_trait]
impl Authenticator for BurgerauthAuthenticator {
    fn service(&self) -> &'static str {
        SERVICE
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::NONE
            .with_validate(true)
            .with_register(true)
            .with_logout(self.client.dialect() == Dialect::V1_2)
    }

    async fn login(&self, credentials: &Credentials) -> Result<LoginOutcome> {
        let password = credentials.require_password(SERVICE)?;
        let session = self.client.login(username(credentials)?, password).await?;
        Ok(LoginOutcome::Authenticated(session))
    }

    async fn register(&self, credentials: &Credentials) -> Result<LoginOutcome> {
        let password = credentials.require_password(SERVICE)?;
        let session = self.client.signup(username(credentials)?, password).await?;
        Ok(LoginOutcome::Authenticated(session))
    }

    async fn refresh(&self, _session: &Session) -> Result<Session> {
        Err(Error::unsupported(
            SERVICE,
            "session refresh (secret keys do not expire; sign in again after a server restart)",
        ))
    }

    async fn validate(&self, session: &Session) -> Result<()> {
        self.client.userinfo_or_check(session).await
    }

    async fn logout(&self, session: &Session) -> Result<()> {
        self.client.logout(session).await
    }
}

impl Client {
    /// `validate`: a dead key is `Unauthorized`.
    async fn userinfo_or_check(&self, session: &Session) -> Result<()> {
        if self.is_logged_in(session).await? {
            Ok(())
        } else {
            Err(Error::new(omniauth_types::ErrorKind::Unauthorized)
                .with_service(SERVICE)
                .with_message("the server no longer knows this session (a restart forgets them all): sign in again"))
        }
    }
}
