//! The transport options every service client offers, kept and set in one place.

use std::fmt;
use std::time::Duration;

use super::{DEFAULT_DEADLINE, DEFAULT_TIMEOUT, RateLimit, RetryPolicy};

/// The options of a [`Transport`](super::Transport) that every service's `ClientBuilder`
/// offers: the `reqwest` client, the user agent, the timeout, the deadline, the retry policy,
/// the client-side rate limit and the insecure-http switch.
///
/// A `ClientBuilder` holds one of these, with its service's defaults (its own user agent, a
/// rate limit where the service needs one), forwards its setters to it (see
/// [`transport_setters!`](crate::transport_setters)) and hands it to
/// [`TransportBuilder::options`](super::TransportBuilder::options) when it builds.
///
/// ```
/// # fn main() -> omniauth_types::Result<()> {
/// use omniauth_types::transport::{RetryPolicy, Transport, TransportOptions};
/// use std::time::Duration;
///
/// let options = TransportOptions::default()
///     .user_agent("my-app/1.0")
///     .timeout(Duration::from_secs(10))
///     .retry(RetryPolicy::none());
/// let transport = Transport::builder("example", "https://api.example.com")?
///     .options(&options)
///     .build()?;
/// assert_eq!(transport.user_agent(), "my-app/1.0");
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct TransportOptions {
    pub(super) http_client: Option<reqwest::Client>,
    pub(super) user_agent: Option<String>,
    pub(super) timeout: Duration,
    pub(super) deadline: Duration,
    pub(super) retry: RetryPolicy,
    pub(super) rate_limit: Option<RateLimit>,
    pub(super) allow_insecure_http: bool,
}

impl Default for TransportOptions {
    /// A client built by the transport, the user agent `omniauth-types/<version>`, 30 s a
    /// try and 60 s a call, [`RetryPolicy::default`], no rate limit, `https` only off
    /// loopback.
    fn default() -> Self {
        Self {
            http_client: None,
            user_agent: None,
            timeout: DEFAULT_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
            retry: RetryPolicy::default(),
            rate_limit: None,
            allow_insecure_http: false,
        }
    }
}

impl TransportOptions {
    /// Sends through this `reqwest` client (for proxies, custom TLS roots) instead of one the
    /// transport builds. Build it with `redirect(reqwest::redirect::Policy::none())`: through a
    /// client that follows redirects, every request carrying a secret (a login, an auth
    /// header, a secret body field) is refused with `InvalidInput` before it is sent.
    ///
    /// ```
    /// use omniauth_types::reqwest;
    /// use omniauth_types::transport::TransportOptions;
    ///
    /// let http = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .build()
    ///     .unwrap();
    /// let options = TransportOptions::default().http_client(http);
    /// assert!(format!("{options:?}").contains("custom"));
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The `User-Agent` header (default `omniauth-types/<version>`; service crates start
    /// from their own name and version).
    ///
    /// ```
    /// use omniauth_types::transport::TransportOptions;
    ///
    /// let options = TransportOptions::default().user_agent("my-app/1.0");
    /// assert!(format!("{options:?}").contains("my-app/1.0"));
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// How long a request may take, answer included (default 30 s). Requests can override it.
    ///
    /// ```
    /// use omniauth_types::transport::TransportOptions;
    /// use std::time::Duration;
    ///
    /// let options = TransportOptions::default().timeout(Duration::from_secs(5));
    /// assert!(format!("{options:?}").contains("5s"));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long one call may take in all (default 60 s): every try, the waits between them
    /// (`Retry-After` included) and the client-side rate limit. A try gets at most what is
    /// left of it; a wait that would pass it is not waited: the call fails at once (a `429`
    /// as `RateLimited` with the server's wait).
    ///
    /// ```
    /// use omniauth_types::transport::TransportOptions;
    /// use std::time::Duration;
    ///
    /// let options = TransportOptions::default().deadline(Duration::from_secs(20));
    /// assert!(format!("{options:?}").contains("deadline: 20s"));
    /// ```
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]; a login is never sent twice).
    ///
    /// ```
    /// use omniauth_types::transport::{RetryPolicy, TransportOptions};
    ///
    /// let options = TransportOptions::default().retry(RetryPolicy::none());
    /// assert!(format!("{options:?}").contains("max_retries: 0"));
    /// ```
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// A client-side rate limit every request waits for (default: none).
    ///
    /// ```
    /// use omniauth_types::transport::{RateLimit, TransportOptions};
    /// use std::num::NonZeroU32;
    ///
    /// let limit = RateLimit::per_second(NonZeroU32::new(5).unwrap());
    /// let options = TransportOptions::default().rate_limit(limit);
    /// assert!(format!("{options:?}").contains("RateLimit"));
    /// ```
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// No client-side rate limit (a server's `429` answers are still handled by the retry
    /// policy).
    ///
    /// ```
    /// use omniauth_types::transport::{RateLimit, TransportOptions};
    /// use std::num::NonZeroU32;
    ///
    /// let limit = RateLimit::per_second(NonZeroU32::new(5).unwrap());
    /// let options = TransportOptions::default().rate_limit(limit).no_rate_limit();
    /// assert!(format!("{options:?}").contains("rate_limit: None"));
    /// ```
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }

    /// Allows `http://` to a host that is not loopback. Off by default: tokens would cross
    /// the network in clear text.
    ///
    /// ```
    /// # fn main() -> omniauth_types::Result<()> {
    /// use omniauth_types::transport::{Transport, TransportOptions};
    ///
    /// let options = TransportOptions::default().allow_insecure_http(true);
    /// let transport = Transport::builder("example", "http://intranet.example")?
    ///     .options(&options)
    ///     .build()?;
    /// assert_eq!(transport.base_url().scheme(), "http");
    /// # Ok(()) }
    /// ```
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }
}

impl fmt::Debug for TransportOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A `reqwest::Client`'s own Debug lists its proxies, which may hold credentials.
        f.debug_struct("TransportOptions")
            .field("http_client", &self.http_client.as_ref().map(|_| "custom"))
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish()
    }
}

/// Writes the setters of a builder that keeps its transport options in a
/// [`TransportOptions`](crate::transport::TransportOptions) field, each forwarding to the
/// [`TransportOptions`](crate::transport::TransportOptions) setter of the same name.
///
/// Inside an `impl` block of a by-value builder, name the field, then the setters wanted,
/// each with its documentation (written for the builder's own users: its defaults, what its
/// service does with the option). The setters are `http_client(reqwest::Client)`,
/// `user_agent(impl Into<String>)`, `timeout(Duration)`, `deadline(Duration)`, `retry(RetryPolicy)`,
/// `rate_limit(RateLimit)`, `no_rate_limit()` and `allow_insecure_http(bool)`; each takes and
/// returns the builder.
///
/// ```
/// use omniauth_types::transport::{TransportOptions, RetryPolicy};
/// use std::time::Duration;
///
/// #[derive(Default)]
/// pub struct ClientBuilder {
///     transport: TransportOptions,
/// }
///
/// impl ClientBuilder {
///     omniauth_types::transport_setters! { transport:
///         /// How long one request may take (default 30 s).
///         timeout,
///         /// How failed requests are retried.
///         retry,
///     }
/// }
///
/// let builder = ClientBuilder::default()
///     .timeout(Duration::from_secs(3))
///     .retry(RetryPolicy::none());
/// assert!(format!("{:?}", builder.transport).contains("3s"));
/// ```
#[macro_export]
macro_rules! transport_setters {
    (@setter $field:ident [$($doc:tt)*] http_client) => {
        $($doc)*
        pub fn http_client(mut self, client: $crate::reqwest::Client) -> Self {
            self.$field = self.$field.http_client(client);
            self
        }
    };
    (@setter $field:ident [$($doc:tt)*] user_agent) => {
        $($doc)*
        pub fn user_agent(
            mut self,
            user_agent: impl ::core::convert::Into<::std::string::String>,
        ) -> Self {
            self.$field = self.$field.user_agent(user_agent);
            self
        }
    };
    (@setter $field:ident [$($doc:tt)*] timeout) => {
        $($doc)*
        pub fn timeout(mut self, timeout: ::core::time::Duration) -> Self {
            self.$field = self.$field.timeout(timeout);
            self
        }
    };
    (@setter $field:ident [$($doc:tt)*] deadline) => {
        $($doc)*
        pub fn deadline(mut self, deadline: ::core::time::Duration) -> Self {
            self.$field = self.$field.deadline(deadline);
            self
        }
    };
    (@setter $field:ident [$($doc:tt)*] retry) => {
        $($doc)*
        pub fn retry(mut self, retry: $crate::transport::RetryPolicy) -> Self {
            self.$field = self.$field.retry(retry);
            self
        }
    };
    (@setter $field:ident [$($doc:tt)*] rate_limit) => {
        $($doc)*
        pub fn rate_limit(mut self, limit: $crate::transport::RateLimit) -> Self {
            self.$field = self.$field.rate_limit(limit);
            self
        }
    };
    (@setter $field:ident [$($doc:tt)*] no_rate_limit) => {
        $($doc)*
        pub fn no_rate_limit(mut self) -> Self {
            self.$field = self.$field.no_rate_limit();
            self
        }
    };
    (@setter $field:ident [$($doc:tt)*] allow_insecure_http) => {
        $($doc)*
        pub fn allow_insecure_http(mut self, allow: bool) -> Self {
            self.$field = self.$field.allow_insecure_http(allow);
            self
        }
    };
    ($field:ident: $($(#[$attr:meta])* $setter:ident),+ $(,)?) => {
        $($crate::transport_setters!(@setter $field [$(#[$attr])*] $setter);)+
    };
}
