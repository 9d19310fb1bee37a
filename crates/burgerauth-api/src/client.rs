//! The client: one transport, one dialect, the token keys it has fetched.

use std::fmt;
use std::sync::{Arc, RwLock};

use omniauth_types::transport::{Transport, TransportOptions};
use omniauth_types::{
    AccessToken, Error, ExposeSecret as _, Result, SecretKey, Session, TokenScheme,
};

use crate::SERVICE;
use crate::tokens::Jwk;

/// Which Burgerauth server the client speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Dialect {
    /// The Go server 1.3 (the last one): Argon2id passwords, hashcash signup, `GET /api/auth`,
    /// EdDSA-signed JWTs.
    #[default]
    V1_3,
    /// The Python server 1.2 of the service doc: SHA3-512×128 passwords, `GET /api/auth`
    /// with the key in cookie `key` (`POST /api/auth` on builds before May 2024, which also
    /// say "Version 1.2"), opaque access tokens, HS256 id tokens that clients cannot verify.
    V1_2,
}

impl Dialect {
    /// `"1.3"` or `"1.2"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1_3 => "1.3",
            Self::V1_2 => "1.2",
        }
    }

    /// Reads a dialect name as [`as_str`](Self::as_str) writes it (`"1.2"`, `"1.3"`), as
    /// stored with each session; `None` for anything else.
    ///
    /// ```
    /// use burgerauth_api::Dialect;
    ///
    /// assert_eq!(Dialect::from_name("1.2"), Some(Dialect::V1_2));
    /// assert_eq!(Dialect::from_name(Dialect::V1_3.as_str()), Some(Dialect::V1_3));
    /// assert_eq!(Dialect::from_name("2.0"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim() {
            "1.3" => Some(Self::V1_3),
            "1.2" => Some(Self::V1_2),
            _ => None,
        }
    }

    /// Reads the version string of `/api/version` (`Burgerauth Version 1.2`); `None` for
    /// anything else.
    pub fn from_version(text: &str) -> Option<Self> {
        Self::from_name(text.trim().strip_prefix("Burgerauth Version ")?)
    }
}

/// An async Burgerauth client for one deployment (Burgerauth is self-hosted: every client
/// takes a base URL).
///
/// Cheap to clone, `Send + Sync`, and holds no session: calls that need one take a
/// [`Session`] (from [`Client::login`], [`Client::signup`] or [`Client::session_for_key`]).
#[derive(Clone)]
pub struct Client {
    pub(crate) transport: Transport,
    pub(crate) dialect: Dialect,
    pub(crate) issuer: String,
    pub(crate) keys: Arc<RwLock<Option<Vec<Jwk>>>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.transport.base_url().as_str())
            .field("dialect", &self.dialect)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A 1.3 client for the deployment at `base_url`, with the defaults.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for a base URL
    /// that is not `https` (or `http` to loopback).
    pub fn new(base_url: impl AsRef<str>) -> Result<Self> {
        Self::builder().base_url(base_url).build()
    }

    /// All the options.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The dialect this client speaks.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The same client speaking `dialect` (shares the connection pool).
    #[must_use]
    pub fn with_dialect(&self, dialect: Dialect) -> Self {
        Self {
            dialect,
            ..self.clone()
        }
    }

    /// The base URL.
    pub fn base_url(&self) -> &url::Url {
        self.transport.base_url()
    }

    /// The issuer (`iss`) id tokens must carry: the builder's, or the base URL without a
    /// trailing slash.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// A [`Session`] for a secret key obtained elsewhere (a stored key, the `session` claim of
    /// a verified token). No user id is known: it is left empty.
    pub fn session_for_key(&self, key: &SecretKey) -> Session {
        Session::new(
            SERVICE,
            "",
            AccessToken::new(key.expose_secret()),
            TokenScheme::InRequest,
        )
        .with_extra("dialect", self.dialect.as_str())
    }

    pub(crate) fn key_of(session: &Session) -> Result<SecretKey> {
        let key = session.access_token().expose_secret();
        if key.is_empty() {
            return Err(
                Error::invalid_input("the session holds no secret key").with_service(SERVICE)
            );
        }
        Ok(SecretKey::new(key))
    }
}

/// Options of a [`Client`].
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    transport: TransportOptions,
    dialect: Dialect,
    issuer: Option<String>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            transport: TransportOptions::default()
                .user_agent(concat!("burgerauth-api/", env!("CARGO_PKG_VERSION"))),
            dialect: Dialect::default(),
            issuer: None,
        }
    }
}

impl ClientBuilder {
    /// The deployment's base URL (required), e.g. `https://auth.example.org`.
    pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
        self.base_url = Some(url.as_ref().to_owned());
        self
    }

    omniauth_types::transport_setters! { transport:
        /// Sends through this `reqwest` client. Build it with redirects disabled: the
        /// authorization step reads the server's 302 itself.
        http_client,
        /// The `User-Agent` (default `burgerauth-api/<version>`). The server records it as the
        /// session's device.
        user_agent,
        /// The time a request may take (default 30 s).
        timeout,
        /// How long one call may take in all, retries and `Retry-After` waits included (default
        /// 60 s); a wait past it fails the call at once.
        deadline,
        /// The retry policy for idempotent requests (logins are never retried).
        retry,
        /// A client-side rate limit (the server has none).
        rate_limit,
        /// Allows `http://` to a host that is not loopback (tokens in clear text: don't).
        allow_insecure_http,
    }

    /// The dialect (default 1.3); see [`Client::detect`].
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// The issuer id tokens must carry (the server's config `URL`), when it differs from the
    /// base URL.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) without a usable
    /// base URL.
    pub fn build(self) -> Result<Client> {
        let base_url = self
            .base_url
            .ok_or_else(|| Error::invalid_input("a base url is required").with_service(SERVICE))?;
        let transport = Transport::builder(SERVICE, &base_url)?
            .options(&self.transport)
            .error_decoder(crate::error::decode_error)
            .build()?;
        let issuer = self.issuer.unwrap_or_else(|| {
            transport
                .base_url()
                .as_str()
                .trim_end_matches('/')
                .to_owned()
        });
        Ok(Client {
            transport,
            dialect: self.dialect,
            issuer,
            keys: Arc::new(RwLock::new(None)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_name_dialects() {
        assert_eq!(
            Dialect::from_version("Burgerauth Version 1.3"),
            Some(Dialect::V1_3)
        );
        assert_eq!(
            Dialect::from_version("Burgerauth Version 1.2\n"),
            Some(Dialect::V1_2)
        );
        assert_eq!(Dialect::from_version("Burgerauth Version 2.0"), None);
        assert_eq!(Dialect::from_version("<html>"), None);
    }

    #[test]
    fn clients_are_send_sync_clone_and_need_a_base_url() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<Client>();
        assert!(Client::builder().build().is_err());
        let client = Client::new("https://auth.example.org/").unwrap();
        assert_eq!(client.issuer(), "https://auth.example.org");
        assert_eq!(client.with_dialect(Dialect::V1_2).dialect(), Dialect::V1_2);
        assert!(Client::new("http://auth.example.org").is_err());
    }
}
