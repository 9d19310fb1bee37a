//! The one send path of every service crate.
//!
//! A service crate builds one [`Transport`] from its `ClientBuilder` and sends every call
//! through [`Transport::request`]: base-URL joining that keeps a base path, JSON and form
//! bodies, the session's auth header, timeouts, the user agent, a response size cap, retries
//! with jittered backoff that honour `Retry-After`, an optional client-side rate limit, a
//! `tracing` span per request, and the service's [`ErrorDecoder`].
//!
//! ```no_run
//! # async fn run() -> omniauth_types::Result<()> {
//! use omniauth_types::transport::Transport;
//!
//! #[derive(serde::Deserialize)]
//! struct ServerInfo { version: String }
//!
//! let transport = Transport::builder("goscrobble", "https://scrobble.example/api/v1")?.build()?;
//! let info: ServerInfo = transport.get("/serverinfo").send_json().await?;
//! println!("{}", info.version);
//! # Ok(()) }
//! ```

mod cause;
mod limit;
mod options;
mod redact;
mod request;
mod response;
mod retry;

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use http::Method;
use url::Url;

use crate::error::{Error, Result};

pub(crate) use cause::chain as cause_chain;
pub use limit::RateLimit;
pub use options::TransportOptions;
pub use redact::REDACTED;
pub(crate) use redact::Redactor;
pub use request::RequestBuilder;
pub use response::{ErrorDecoder, Response, default_error};
pub use retry::{RetryPolicy, Sleeper, TokioSleeper, parse_retry_after, retryable_status};

/// The default cap on a response body: 4 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// The default time a request may take, answer included: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time a whole call may take, retries and their waits included: 60 s.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

/// A service's HTTP transport. Cheap to clone: clones share the connection pool and the
/// rate limiter.
#[derive(Clone)]
pub struct Transport {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) service: &'static str,
    pub(crate) base_url: Url,
    pub(crate) http: reqwest::Client,
    /// Whether the client is known not to follow redirects; secrets go only through such a
    /// client.
    pub(crate) redirects_refused: bool,
    pub(crate) user_agent: http::HeaderValue,
    pub(crate) timeout: Duration,
    pub(crate) deadline: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) max_response_bytes: usize,
    pub(crate) decoder: Arc<dyn ErrorDecoder>,
}

impl Transport {
    /// Starts building the transport of `service` at `base_url` (a path in it is kept:
    /// `https://host/api/v1` + `/users` is `https://host/api/v1/users`).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) when `base_url` is not an
    /// absolute `http`/`https` URL.
    pub fn builder(service: &'static str, base_url: impl AsRef<str>) -> Result<TransportBuilder> {
        let base_url = Url::parse(base_url.as_ref()).map_err(|err| {
            Error::invalid_input(format!("invalid base url: {err}")).with_service(service)
        })?;
        Ok(TransportBuilder::new(service, base_url))
    }

    /// The service's name.
    pub fn service(&self) -> &'static str {
        self.inner.service
    }

    /// The base URL every route is joined to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The underlying `reqwest` client (for protocols the transport does not speak).
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The user agent sent with every request.
    pub fn user_agent(&self) -> &http::HeaderValue {
        &self.inner.user_agent
    }

    /// The client-side rate limit every request waits for, `None` without one.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        self.inner.rate_limit.as_ref()
    }

    /// A request to `route`, a path template relative to the base URL whose `{name}` parts
    /// are filled by [`RequestBuilder::path_param`]. The template, never the filled path or
    /// the query, is what logs show.
    pub fn request(&self, method: Method, route: &'static str) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, route)
    }

    /// A `GET` of `route`.
    pub fn get(&self, route: &'static str) -> RequestBuilder {
        self.request(Method::GET, route)
    }

    /// A `POST` to `route`.
    pub fn post(&self, route: &'static str) -> RequestBuilder {
        self.request(Method::POST, route)
    }

    /// A `PATCH` of `route`.
    pub fn patch(&self, route: &'static str) -> RequestBuilder {
        self.request(Method::PATCH, route)
    }

    /// A `PUT` to `route`.
    pub fn put(&self, route: &'static str) -> RequestBuilder {
        self.request(Method::PUT, route)
    }

    /// A `DELETE` of `route`.
    pub fn delete(&self, route: &'static str) -> RequestBuilder {
        self.request(Method::DELETE, route)
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("service", &self.inner.service)
            .field("base_url", &self.inner.base_url.as_str())
            .field("timeout", &self.inner.timeout)
            .field("deadline", &self.inner.deadline)
            .field("retry", &self.inner.retry)
            .field("rate_limit", &self.inner.rate_limit)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Transport`]. Every service crate's `ClientBuilder` hands its
/// [`TransportOptions`] here.
#[must_use]
pub struct TransportBuilder {
    service: &'static str,
    base_url: Url,
    options: TransportOptions,
    max_response_bytes: usize,
    decoder: Arc<dyn ErrorDecoder>,
}

impl TransportBuilder {
    fn new(service: &'static str, base_url: Url) -> Self {
        Self {
            service,
            base_url,
            options: TransportOptions::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            decoder: Arc::new(default_error),
        }
    }

    /// Replaces every option [`TransportOptions`] holds (client, user agent, timeout, retry,
    /// rate limit, insecure http) with those of `options`, set or default.
    ///
    /// ```
    /// # fn main() -> omniauth_types::Result<()> {
    /// use omniauth_types::transport::{Transport, TransportOptions};
    /// use std::time::Duration;
    ///
    /// let options = TransportOptions::default().user_agent("my-app/1.0");
    /// let transport = Transport::builder("example", "https://api.example.com")?
    ///     .timeout(Duration::from_secs(5))
    ///     .options(&options)
    ///     .build()?;
    /// assert_eq!(transport.user_agent(), "my-app/1.0");
    /// assert!(format!("{transport:?}").contains("30s"), "the options' default timeout");
    /// # Ok(()) }
    /// ```
    pub fn options(mut self, options: &TransportOptions) -> Self {
        self.options = options.clone();
        self
    }

    crate::transport_setters! { options:
        /// Sends through this `reqwest` client (for proxies, custom TLS roots). Build it with
        /// `redirect(reqwest::redirect::Policy::none())`: through a client that follows
        /// redirects, a request carrying a secret (a login, an auth header, a secret body
        /// field) is refused with `InvalidInput` before it is sent, since a redirect would
        /// carry its headers and, for 307/308, its body to wherever the server points.
        http_client,
        /// The `User-Agent` header; by default `omniauth-types/<version>`, and service crates
        /// set their own name and version.
        user_agent,
        /// How long a request may take, answer included (default 30 s). Requests can override
        /// it.
        timeout,
        /// How long a call may take in all, retries and their waits included (default 60 s).
        deadline,
        /// The retry policy (default: [`RetryPolicy::default`]).
        retry,
        /// A client-side rate limit every request waits for (default: none).
        rate_limit,
        /// Allows `http://` to a host that is not loopback. Off by default: tokens would cross
        /// the network in clear text.
        allow_insecure_http,
    }

    /// The largest response body accepted (default 4 MiB); a larger one is an
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) error.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The service's error decoder (default: [`default_error`]).
    pub fn error_decoder(mut self, decoder: impl ErrorDecoder) -> Self {
        self.decoder = Arc::new(decoder);
        self
    }

    /// Builds the transport.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a base URL that is not
    /// `http`/`https`, has a query or credentials, or is `http://` to a non-loopback host
    /// without [`allow_insecure_http`](Self::allow_insecure_http);
    /// [`ErrorKind::Transport`](crate::ErrorKind::Transport) when the HTTP client cannot be
    /// built.
    pub fn build(self) -> Result<Transport> {
        let service = self.service;
        let options = self.options;
        let invalid = |message: String| Error::invalid_input(message).with_service(service);
        let url = &self.base_url;
        match url.scheme() {
            "https" => {}
            "http" if options.allow_insecure_http || is_loopback(url) => {}
            "http" => {
                return Err(invalid(format!(
                    "refusing http:// to {}: use https, or allow insecure http explicitly",
                    url.host_str().unwrap_or("")
                )));
            }
            other => return Err(invalid(format!("unsupported base url scheme {other:?}"))),
        }
        if url.cannot_be_a_base() || url.host_str().is_none() {
            return Err(invalid("the base url needs a host".into()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(
                "the base url must not have a query or fragment".into(),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("the base url must not hold credentials".into()));
        }
        if options.deadline.is_zero() || options.timeout.is_zero() {
            return Err(invalid(
                "the timeout and the deadline must not be zero".into(),
            ));
        }
        let user_agent = options
            .user_agent
            .unwrap_or_else(|| concat!("omniauth-types/", env!("CARGO_PKG_VERSION")).to_owned());
        let user_agent = http::HeaderValue::try_from(user_agent)
            .map_err(|_| invalid("the user agent is not a valid header value".into()))?;
        let (http, redirects_refused) = match options.http_client {
            Some(client) => {
                let refuses = refuses_redirects(&client);
                (client, refuses)
            }
            None => (
                reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .connect_timeout(Duration::from_secs(10))
                    .build()
                    .map_err(|err| Error::transport(err).with_service(service))?,
                true,
            ),
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                service,
                base_url: self.base_url,
                http,
                redirects_refused,
                user_agent,
                timeout: options.timeout,
                deadline: options.deadline,
                retry: options.retry,
                rate_limit: options.rate_limit,
                max_response_bytes: self.max_response_bytes,
                decoder: self.decoder,
            }),
        })
    }
}

impl fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("service", &self.service)
            .field("base_url", &self.base_url.as_str())
            .finish_non_exhaustive()
    }
}

/// Whether `client` is built with `redirect(Policy::none())`. reqwest offers no accessor: its
/// `Debug` names a policy other than the default, and `Policy(None)` is the one that follows
/// nothing. Anything else, an unknown form included, counts as following: a secret is then
/// refused rather than sent where a redirect may take it (a test pins the form).
fn refuses_redirects(client: &reqwest::Client) -> bool {
    let debug = format!("{client:?}");
    [
        "redirect_policy: \"Policy(None)\"",
        "redirect_policy: Policy(None)",
    ]
    .iter()
    .any(|form| debug.contains(form))
}

/// Whether the URL's host is on this machine (`localhost`, 127.0.0.0/8, `::1`).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => {
            domain.eq_ignore_ascii_case("localhost")
                || domain.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn build(url: &str) -> Result<Transport> {
        Transport::builder("test", url)?.build()
    }

    #[test]
    fn http_is_refused_off_loopback_unless_allowed() {
        assert!(build("http://127.0.0.1:9/").is_ok());
        assert!(build("http://127.8.0.1/").is_ok());
        assert!(build("http://localhost:3000/api").is_ok());
        assert!(build("http://[::1]:80/").is_ok());
        assert!(build("https://example.com/").is_ok());
        let err = build("http://example.com/").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        assert!(err.to_string().contains("refusing http://"), "{err}");
        assert!(build("http://192.168.1.2/").is_err());
        let allowed = Transport::builder("test", "http://example.com/")
            .unwrap()
            .allow_insecure_http(true)
            .build();
        assert!(allowed.is_ok());
    }

    #[test]
    fn odd_base_urls_are_refused() {
        for url in [
            "ftp://example.com/",
            "https://example.com/?a=b",
            "https://u:p@example.com/",
            "mailto:a@b.c",
        ] {
            let err = build(url).unwrap_err();
            assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{url}");
            assert!(!err.to_string().contains(":p@"));
        }
        assert_eq!(
            Transport::builder("test", "not a url").unwrap_err().kind(),
            &ErrorKind::InvalidInput
        );
    }

    #[test]
    fn only_a_client_that_follows_no_redirect_is_trusted_with_secrets() {
        let none = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let limited = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .unwrap();
        assert!(refuses_redirects(&none), "{none:?}");
        assert!(!refuses_redirects(&limited));
        assert!(!refuses_redirects(&reqwest::Client::new()));
    }

    #[test]
    fn transports_are_send_sync_and_cheap_to_clone() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<Transport>();
        let transport = build("https://example.com/base").unwrap();
        assert!(!format!("{transport:?}").is_empty());
        assert_eq!(transport.clone().base_url().path(), "/base");
    }
}
