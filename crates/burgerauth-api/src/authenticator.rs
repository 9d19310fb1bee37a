//! [`Authenticator`] for Burgerauth: a password login yields the secret-key session.

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use omniauth_types::{
    Authenticator, Capabilities, Credentials, Error, LoginOutcome, Result, Session,
};

use crate::SERVICE;
use crate::client::{Client, Dialect};

/// The session extra that names the dialect a session was made with.
const DIALECT_EXTRA: &str = "dialect";

/// Burgerauth behind the common [`Authenticator`] trait.
///
/// - `login` / `register`: username and password → a [`Session`] holding the secret key
///   (no expiry; sent inside request bodies) and the dialect it was made with.
/// - `validate`: `/api/secretkeyloggedin` (1.3) or `/api/userinfo` (1.2).
/// - `logout`: removes this session where the server can (1.2); on 1.3 it fails with
///   `Unsupported` because the server cannot (see [`Client::logout`]).
/// - `refresh`: `Unsupported` — secret keys do not expire, and no dialect refreshes them.
///
/// Which dialect: [`new`](Self::new) speaks the client's; [`detecting`](Self::detecting)
/// asks the server (`/api/version`) on the first login or registration. Either way a call
/// that takes a [`Session`] speaks the dialect stored in it (extra `"dialect"`), so a
/// session made on a 1.2 server keeps working after the process restarts.
///
/// ```no_run
/// use burgerauth_api::{BurgerauthAuthenticator, Client};
/// use omniauth_types::{Authenticator as _, Credentials, LoginOutcome, Password};
///
/// # async fn run() -> omniauth_types::Result<()> {
/// let auth = BurgerauthAuthenticator::detecting(Client::new("https://auth.example.org")?);
/// let credentials = Credentials::username("alice").with_password(Password::new("hunter22"));
/// if let LoginOutcome::Authenticated(session) = auth.login(&credentials).await? {
///     println!("dialect {:?}", session.extra("dialect"));
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BurgerauthAuthenticator {
    client: Client,
    /// `None`: the client's dialect is the one; `Some`: detected once, on first contact.
    detected: Option<Arc<OnceLock<Dialect>>>,
}

impl BurgerauthAuthenticator {
    /// Wraps a client and speaks its dialect (see [`ClientBuilder::dialect`](crate::ClientBuilder::dialect)).
    pub fn new(client: Client) -> Self {
        Self {
            client,
            detected: None,
        }
    }

    /// Wraps a client and detects the server's dialect on the first login or registration
    /// (one `GET /api/version`, remembered by this authenticator and its clones).
    pub fn detecting(client: Client) -> Self {
        Self {
            client,
            detected: Some(Arc::new(OnceLock::new())),
        }
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The dialect new sessions are made with: the client's, or the detected one (`None`
    /// while a detecting authenticator has not contacted the server yet).
    pub fn dialect(&self) -> Option<Dialect> {
        match &self.detected {
            None => Some(self.client.dialect()),
            Some(cell) => cell.get().copied(),
        }
    }

    /// The client for a new session, detecting the dialect first when asked to.
    async fn client_for_new_session(&self) -> Result<Client> {
        let Some(cell) = &self.detected else {
            return Ok(self.client.clone());
        };
        let dialect = if let Some(dialect) = cell.get() {
            *dialect
        } else {
            // Two first calls at once may both ask; the server gives both one answer.
            let detected = self.client.detect().await?;
            *cell.get_or_init(|| detected)
        };
        Ok(self.client.with_dialect(dialect))
    }

    /// The client for calls on `session`: the dialect it was made with, else the default.
    fn client_for(&self, session: &Session) -> Client {
        let dialect = session
            .extra(DIALECT_EXTRA)
            .and_then(Dialect::from_name)
            .or_else(|| self.dialect());
        match dialect {
            Some(dialect) => self.client.with_dialect(dialect),
            None => self.client.clone(),
        }
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

    /// `logout` is offered on 1.2, and while a detecting authenticator does not know the
    /// dialect yet (its `logout` on a 1.3 session then fails with `Unsupported`).
    fn capabilities(&self) -> Capabilities {
        Capabilities::NONE
            .with_validate(true)
            .with_register(true)
            .with_logout(self.dialect().is_none_or(|d| d == Dialect::V1_2))
    }

    async fn login(&self, credentials: &Credentials) -> Result<LoginOutcome> {
        let password = credentials.require_password(SERVICE)?;
        let client = self.client_for_new_session().await?;
        let session = client.login(username(credentials)?, password).await?;
        Ok(LoginOutcome::Authenticated(session))
    }

    async fn register(&self, credentials: &Credentials) -> Result<LoginOutcome> {
        let password = credentials.require_password(SERVICE)?;
        let client = self.client_for_new_session().await?;
        let session = client.signup(username(credentials)?, password).await?;
        Ok(LoginOutcome::Authenticated(session))
    }

    async fn refresh(&self, _session: &Session) -> Result<Session> {
        Err(Error::unsupported(
            SERVICE,
            "session refresh (secret keys do not expire; sign in again after a server restart)",
        ))
    }

    async fn validate(&self, session: &Session) -> Result<()> {
        self.client_for(session).userinfo_or_check(session).await
    }

    async fn logout(&self, session: &Session) -> Result<()> {
        self.client_for(session).logout(session).await
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
