//! [`Client`] and its builder: one HTTP transport per rate tier, no session inside.

use std::num::NonZeroU32;
use std::time::Duration;

use omniauth_types::transport::{RateLimit, Transport, TransportOptions};
use omniauth_types::{Error, Result};

use crate::SERVICE;
use crate::error::decode_error;

/// The server's heavy tier (register, sendreset, resetpassword): 0.25 requests a second in
/// bursts of 2, counted per connection.
pub fn heavy_tier() -> RateLimit {
    RateLimit::every(Duration::from_secs(4))
        .unwrap_or_else(|| RateLimit::per_minute(NonZeroU32::MIN))
        .with_burst(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN))
}

/// An async client of one GoScrobble server (self-hosted: every client takes the base URL,
/// API under `/api/v1`).
///
/// Cheap to clone, `Send + Sync`, and holds no session: calls that need one take
/// `&Session`, so one client serves many accounts.
///
/// ```no_run
/// # async fn run() -> goscrobble_api::Result<()> {
/// use goscrobble_api::{Client, Password};
///
/// let client = Client::new("https://scrobble.example.com/api/v1")?;
/// let session = client.login("alice", &Password::new("correct horse")).await?;
/// let me = client.user(&session).await?;
/// println!("{} scrobbles into {}", me.username, me.timezone);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    /// Everything but the heavy tier.
    pub(crate) api: Transport,
    /// register, sendreset, resetpassword: behind the heavy-tier limiter.
    pub(crate) heavy: Transport,
}

impl Client {
    /// A client of the server at `base_url` (with its `/api/v1`), with the default options.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a base URL that is not
    /// `https` (or `http` to loopback).
    pub fn new(base_url: impl Into<String>) -> Result<Self> {
        Self::builder().base_url(base_url).build()
    }

    /// Options beyond the base URL.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL every route is joined to.
    pub fn base_url(&self) -> &omniauth_types::url::Url {
        self.api.base_url()
    }
}

/// Builds a [`Client`].
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    /// Everything but the heavy tier's rate limit, which [`Self::heavy_rate_limit`] sets.
    transport: TransportOptions,
    heavy_rate_limit: Option<RateLimit>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            transport: TransportOptions::default()
                .user_agent(concat!("goscrobble-api/", env!("CARGO_PKG_VERSION"))),
            heavy_rate_limit: Some(heavy_tier()),
        }
    }
}

impl ClientBuilder {
    /// The server's API base, e.g. `https://scrobble.example.com/api/v1` (required).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    omniauth_types::transport_setters! { transport:
        /// Sends through this `reqwest` client (build it without redirects).
        http_client,
        /// The `User-Agent` (default `goscrobble-api/<version>`).
        user_agent,
        /// How long a request may take (default 30 s, enough for the server's bcrypt cost 16,
        /// which makes login and register take seconds).
        timeout,
        /// How long one call may take in all, retries and `Retry-After` waits included (default
        /// 60 s); a wait past it fails the call at once.
        deadline,
        /// The retry policy (default:
        /// [`RetryPolicy::default`](omniauth_types::transport::RetryPolicy::default); logins are
        /// never retried).
        retry,
        /// A client-side limit for every call outside the heavy tier (default: none; the
        /// server's standard and light tiers allow 5 and 10 requests a second).
        rate_limit,
        /// Allows `http://` to a host that is not loopback (tokens then cross the network in
        /// clear text).
        allow_insecure_http,
    }

    /// The limit of the heavy tier (register, sendreset, resetpassword). By default the
    /// server's own, [`heavy_tier`]: 2 at once, then one every 4 s. `None` sends at once.
    pub fn heavy_rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.heavy_rate_limit = limit;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) without a base URL or for
    /// one the transport refuses; [`ErrorKind::Transport`](crate::ErrorKind::Transport) when
    /// the HTTP client cannot be built.
    pub fn build(self) -> Result<Client> {
        let base_url = self.base_url.ok_or_else(|| {
            Error::invalid_input("a goscrobble client needs the server's base url")
                .with_service(SERVICE)
        })?;
        let transport = |options: &TransportOptions| {
            Transport::builder(SERVICE, &base_url)?
                .options(options)
                .error_decoder(decode_error)
                .build()
        };
        let api = transport(&self.transport)?;
        // The heavy tier shares the api's connection pool; only its limiter differs.
        let heavy = self.transport.http_client(api.http_client().clone());
        let heavy = match self.heavy_rate_limit {
            Some(limit) => heavy.rate_limit(limit),
            None => heavy.no_rate_limit(),
        };
        Ok(Client {
            heavy: transport(&heavy)?,
            api,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omniauth_types::ErrorKind;

    #[test]
    fn clients_are_send_sync_clone() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<Client>();
    }

    #[test]
    fn a_base_url_is_required_and_checked() {
        let err = Client::builder().build().unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        let err = Client::new("http://scrobble.example.com/api/v1").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        let client = Client::new("https://scrobble.example.com/api/v1").unwrap();
        assert_eq!(client.base_url().path(), "/api/v1");
        assert_eq!(heavy_tier().burst(), 2);
    }
}
