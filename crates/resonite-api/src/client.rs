//! The client: one transport to the API, shared by every account.

use std::fmt;
use std::num::NonZeroU32;

use omniauth_types::transport::{RateLimit, RequestBuilder, Response, Transport, TransportOptions};
use omniauth_types::url::Url;
use omniauth_types::{Error, Result, Session};
use serde::de::DeserializeOwned;

use crate::error::{self, CallKind};
use crate::{DEFAULT_BASE_URL, SERVICE};

/// The default client-side limit: 12 requests a minute, in bursts of up to 5 (what
/// `resonite_rs` does; the server's own limits are undocumented but real).
pub fn default_rate_limit() -> RateLimit {
    RateLimit::per_minute(NonZeroU32::new(12).unwrap_or(NonZeroU32::MIN))
        .with_burst(NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN))
}

/// A client of the Resonite API. Cheap to clone (clones share the connection pool and the
/// rate limiter), `Send + Sync`, and holds no session: calls that need one take `&Session`.
///
/// ```
/// # fn main() -> omniauth_types::Result<()> {
/// let client = resonite_api::Client::new("https://api.resonite.com")?;
/// assert_eq!(client.base_url().as_str(), "https://api.resonite.com/");
/// assert_eq!(client.rate_limit().map(|l| l.burst()), Some(5));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    transport: Transport,
}

impl Client {
    /// A client of the API at `base_url` (a path in it is kept), with the defaults.
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
        self.transport.base_url()
    }

    /// The client-side rate limit, `None` when disabled.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        self.transport.rate_limit()
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Sends `request`, maps a failed answer for `call`, and decodes a success as JSON.
    pub(crate) async fn fetch<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        call: CallKind,
    ) -> Result<T> {
        self.exchange(request, call)
            .await?
            .json()
            .map_err(|err| err.with_service(SERVICE))
    }

    /// Sends `request` and maps a failed answer for `call`.
    pub(crate) async fn exchange(
        &self,
        request: RequestBuilder,
        call: CallKind,
    ) -> Result<Response> {
        let response = request.send_raw().await?;
        match error::map_error(&response, call) {
            Some(err) => Err(err),
            None => Ok(response),
        }
    }
}

/// The error for a successful answer that lacks what makes it one (an id): a body of
/// another shape that the lenient models would otherwise read as an empty object.
pub(crate) fn missing_id(what: &str) -> Error {
    Error::decode(Some(http::StatusCode::OK), b"")
        .with_service(SERVICE)
        .with_message(format!("the answer holds no {what} id"))
}

/// Refuses a session of another service, or one without a user id.
pub(crate) fn check_session(session: &Session) -> Result<()> {
    if session.service() != SERVICE {
        return Err(Error::invalid_input(format!(
            "a {} session cannot be used with resonite",
            session.service()
        ))
        .with_service(SERVICE));
    }
    if session.user_id().is_empty() {
        return Err(Error::invalid_input("the session has no user id").with_service(SERVICE));
    }
    Ok(())
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.transport)
            .finish()
    }
}

/// Options of a [`Client`].
///
/// ```
/// # fn main() -> omniauth_types::Result<()> {
/// use resonite_api::Client;
/// use std::time::Duration;
///
/// let client = Client::builder()
///     .timeout(Duration::from_secs(10))
///     .user_agent("my-app/1.0")
///     .no_rate_limit()
///     .build()?;
/// assert!(client.rate_limit().is_none());
/// assert_eq!(client.base_url().as_str(), "https://api.resonite.com/");
/// # Ok(()) }
/// ```
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    transport: TransportOptions,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            transport: TransportOptions::default()
                .user_agent(concat!("resonite-api/", env!("CARGO_PKG_VERSION")))
                .rate_limit(default_rate_limit()),
        }
    }
}

impl ClientBuilder {
    /// The API's base URL (default [`DEFAULT_BASE_URL`]).
    pub fn base_url(mut self, base_url: impl AsRef<str>) -> Self {
        self.base_url = Some(base_url.as_ref().to_owned());
        self
    }

    omniauth_types::transport_setters! { transport:
        /// Sends through this `reqwest` client (proxies, custom roots). Build it with redirects
        /// disabled.
        http_client,
        /// The `User-Agent` (default `resonite-api/<version>`).
        user_agent,
        /// How long one request may take, answer included (default 30 s).
        timeout,
        /// How long one call may take in all, retries and `Retry-After` waits included (default
        /// 60 s); a wait past it fails the call at once.
        deadline,
        /// How failed requests are retried (default
        /// [`RetryPolicy::default`](omniauth_types::transport::RetryPolicy::default); a login is
        /// never sent twice).
        retry,
        /// The client-side rate limit (default [`default_rate_limit`]: 12 a minute, burst 5).
        rate_limit,
        /// No client-side rate limit (the server's 429s are still handled).
        no_rate_limit,
        /// Allows `http://` to a host that is not loopback (off by default).
        allow_insecure_http,
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for a bad base
    /// URL or user agent; [`ErrorKind::Transport`](omniauth_types::ErrorKind::Transport)
    /// when the HTTP client cannot be built.
    pub fn build(self) -> Result<Client> {
        let base_url = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let transport = Transport::builder(SERVICE, base_url)?
            .options(&self.transport)
            .error_decoder(error::transport_decoder)
            .build()?;
        Ok(Client { transport })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("transport", &self.transport)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_are_send_sync_clone() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<Client>();
    }

    #[test]
    fn the_default_limit_is_twelve_a_minute_burst_five() {
        let client = Client::builder().build().unwrap();
        assert_eq!(client.rate_limit().unwrap().burst(), 5);
        let debug = format!("{:?}", client.rate_limit().unwrap());
        assert!(debug.contains("5s"), "{debug}");
    }
}
