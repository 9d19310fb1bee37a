//! The client: one transport to one deployment, shared by every account.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use omniauth_types::transport::{Transport, TransportOptions};
use omniauth_types::url::Url;
use omniauth_types::{Error, Result, TokenScheme};

use crate::SERVICE;

/// The longest a login is waited for by default, whatever the server's `expiration_date`
/// says: 15 minutes.
pub const DEFAULT_MAX_LOGIN_WAIT: Duration = Duration::from_secs(15 * 60);

/// A client of one maillink deployment. Cheap to clone, `Send + Sync`, and holds no session:
/// one client serves any number of accounts.
///
/// ```
/// # fn main() -> omniauth_types::Result<()> {
/// let client = maillink_auth::Client::new("https://auth.example.com")?;
/// assert_eq!(client.base_url().as_str(), "https://auth.example.com/");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    token_scheme: TokenScheme,
    max_login_wait: Duration,
}

impl Client {
    /// A client of the deployment at `base_url` (a path in it is kept), with the defaults.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for a base URL
    /// that is not `https` (or `http` to a loopback host).
    pub fn new(base_url: impl AsRef<str>) -> Result<Self> {
        Self::builder().base_url(base_url).build()
    }

    /// A builder for the other options.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL every route is joined to.
    pub fn base_url(&self) -> &Url {
        self.inner.transport.base_url()
    }

    /// How session tokens are sent on later calls (default `Authorization: Bearer`).
    pub fn token_scheme(&self) -> &TokenScheme {
        &self.inner.token_scheme
    }

    /// The longest a login is waited for, whatever the server's expiry says.
    pub fn max_login_wait(&self) -> Duration {
        self.inner.max_login_wait
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.inner.transport)
            .field("token_scheme", &self.inner.token_scheme)
            .field("max_login_wait", &self.inner.max_login_wait)
            .finish()
    }
}

/// Options of a [`Client`].
///
/// ```
/// # fn main() -> omniauth_types::Result<()> {
/// use maillink_auth::Client;
/// use omniauth_types::TokenScheme;
/// use std::time::Duration;
///
/// let client = Client::builder()
///     .base_url("https://auth.example.com/api")
///     .timeout(Duration::from_secs(10))
///     .token_scheme(TokenScheme::Header { name: "X-Session-Token".into() })
///     .max_login_wait(Duration::from_secs(300))
///     .build()?;
/// assert_eq!(client.max_login_wait(), Duration::from_secs(300));
/// # Ok(()) }
/// ```
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    transport: TransportOptions,
    token_scheme: TokenScheme,
    max_login_wait: Duration,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            transport: TransportOptions::default()
                .user_agent(concat!("maillink-auth/", env!("CARGO_PKG_VERSION"))),
            token_scheme: TokenScheme::Bearer,
            max_login_wait: DEFAULT_MAX_LOGIN_WAIT,
        }
    }
}

impl ClientBuilder {
    /// The deployment's base URL (required). The service is self-hosted: there is no default.
    pub fn base_url(mut self, base_url: impl AsRef<str>) -> Self {
        self.base_url = Some(base_url.as_ref().to_owned());
        self
    }

    omniauth_types::transport_setters! { transport:
        /// Sends through this `reqwest` client (proxies, custom roots). Build it with redirects
        /// disabled.
        http_client,
        /// The `User-Agent` (default `maillink-auth/<version>`).
        user_agent,
        /// How long one request may take, answer included (default 30 s).
        timeout,
        /// How long one call may take in all, retries and `Retry-After` waits included (default
        /// 60 s); a wait past it fails the call at once.
        deadline,
        /// The transport's retry policy. Registration and login are never sent twice, and the
        /// poll is retried by [`PendingLogin::wait`](crate::PendingLogin::wait)'s own schedule,
        /// so this only governs connections that could not be made.
        retry,
        /// A client-side rate limit every request waits for (default: none).
        rate_limit,
        /// Allows `http://` to a host that is not loopback (off by default).
        allow_insecure_http,
    }

    /// How the session token is sent on later calls. The service's documentation does not
    /// say; the default is `Authorization: Bearer <token>`.
    pub fn token_scheme(mut self, scheme: TokenScheme) -> Self {
        self.token_scheme = scheme;
        self
    }

    /// The longest a login is waited for, whatever the server's `expiration_date` says
    /// (default 15 minutes).
    pub fn max_login_wait(mut self, wait: Duration) -> Self {
        self.max_login_wait = wait;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) without a base
    /// URL or with one the transport refuses.
    pub fn build(self) -> Result<Client> {
        let base_url = self.base_url.ok_or_else(|| {
            Error::invalid_input("a base url is required (the service is self-hosted)")
                .with_service(SERVICE)
        })?;
        let transport = Transport::builder(SERVICE, base_url)?
            .options(&self.transport)
            .error_decoder(crate::error::decode_any)
            .build()?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                token_scheme: self.token_scheme,
                max_login_wait: self.max_login_wait,
            }),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("transport", &self.transport)
            .field("token_scheme", &self.token_scheme)
            .field("max_login_wait", &self.max_login_wait)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omniauth_types::ErrorKind;

    #[test]
    fn clients_are_send_sync_and_cheap_to_clone() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<Client>();
    }

    #[test]
    fn a_base_url_is_required_and_checked() {
        let err = Client::builder().build().unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        assert!(err.to_string().contains("base url is required"), "{err}");
        let err = Client::new("http://auth.example.com").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        let client = Client::new("http://127.0.0.1:3000/base").unwrap();
        assert_eq!(client.base_url().path(), "/base");
        assert_eq!(client.token_scheme(), &TokenScheme::Bearer);
        assert_eq!(client.max_login_wait(), DEFAULT_MAX_LOGIN_WAIT);
        assert!(format!("{client:?}").contains("127.0.0.1"));
    }
}
