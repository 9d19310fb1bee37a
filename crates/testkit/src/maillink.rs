//! Emulator of the email-link login service (`maillink`): registration, login start, and the
//! session route a client polls until the user follows the link in the email.
//!
//! Written from `specs/maillink.md` and the service's wiki page "How to use authentication",
//! the only public documentation of the service (its server source is not public). What the
//! page documents is reproduced exactly; everything else is an **assumption**, listed below
//! and configurable where a test may want the other answer.
//!
//! # Documented behaviour (reproduced exactly)
//!
//! | request | answer |
//! |---|---|
//! | `POST /auth/registration` `{"username", "email"?, "session_platform"}` | `200 {"session_token": "…"}`: signed in at once, no email confirmation |
//! | `POST /auth/login` `{"username", "email", "session_platform"}` | `200 {"expiration_date": <unix seconds>, "auth_id": "<uuid>"}`, and an email with a link goes out |
//! | `GET /auth/session/{auth_id}` before the link was followed | `400 {"error": "The auth id is invalid, expired, or not yet authorized"}` |
//! | `GET /auth/session/{auth_id}` after the link was followed | `200 {"session_token": "…"}` |
//!
//! The 400 body is the same for an unknown, a malformed, an expired, an unconfirmed and an
//! already used id ([`PENDING_ERROR`]): only the client's deadline tells them apart.
//!
//! # Assumptions (not documented by the service)
//!
//! - **Session tokens** are 256 random bytes in URL-safe base64 with padding (344
//!   characters ending in `==`), the length and alphabet of the wiki's example token.
//! - **Login lifetime**: `expiration_date` is 10 minutes after the login started
//!   ([`MaillinkBuilder::login_lifetime`]).
//! - **Single use**: the token is handed out by the first poll after the confirmation; later
//!   polls of the same id get the 400 again ([`MaillinkBuilder::single_use`] turns this off).
//! - **Confirmation link**: `GET /auth/confirm/{auth_id}` ([`CONFIRM_ROUTE`]), invented and
//!   testkit-only. It answers `200` (`text/html`) when it confirmed a pending login, else
//!   the 400 above. [`Maillink::confirm`] does the same without HTTP.
//! - **Errors beyond the documented one** use the documented shape `{"error": "<text>"}`:
//!   a taken username → `409` [`USERNAME_TAKEN`]; an email already used by another account →
//!   `409` [`EMAIL_TAKEN`]; a login for an unknown user, for an account without an email, or
//!   with an email that does not match → `404` [`USER_NOT_FOUND`]; a body that is not a JSON
//!   object with the fields as strings, an empty username, or an email without `@` → `400`
//!   [`INVALID_BODY`].
//! - **Matching**: usernames are compared exactly; emails ignoring ASCII case.
//! - **`session_platform`** is required (both documented requests send it), any string is
//!   accepted and stored as given.
//! - **Success status** is `200` for registration, login and the successful poll.
//! - **`Date`**: every answer carries the emulated server clock in its `Date` header, which
//!   [`MaillinkBuilder::clock_skew`] can move away from the machine's clock (to test that a
//!   client cancels the skew) and [`Maillink::advance_clock`] moves on (to expire logins
//!   without waiting).
//! - **Restart** ([`Maillink::restart`]): pending logins and sessions are lost, accounts
//!   kept; an `auth_id` from before is then as unknown as a never-issued one.
//! - **Rate limits**: none of its own; inject them with the fault layer
//!   ([`TestServer::faults`]).
//! - **No other route**: no logout, refresh or session listing is documented, so none is
//!   emulated; the token is never checked by any route.

mod routes;
mod state;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::TestServer;

pub use state::{LoginState, SentEmail};

use state::{Config, Shared};

/// The documented 400 body's message, for an unknown, expired, unconfirmed or used `auth_id`.
pub const PENDING_ERROR: &str = "The auth id is invalid, expired, or not yet authorized";
/// Assumed message of the `409` for a taken username.
pub const USERNAME_TAKEN: &str = "Username already taken";
/// Assumed message of the `409` for an email another account uses.
pub const EMAIL_TAKEN: &str = "Email already used by another account";
/// Assumed message of the `404` for a login nobody can confirm (unknown user, no email, or a
/// different email).
pub const USER_NOT_FOUND: &str = "User not found";
/// Assumed message of the `400` for a body the server cannot read.
pub const INVALID_BODY: &str = "Invalid request body";
/// The invented, testkit-only route the link in the email points to.
pub const CONFIRM_ROUTE: &str = "/auth/confirm/{auth_id}";
/// The default time a login can be confirmed in (assumed): 10 minutes.
pub const DEFAULT_LOGIN_LIFETIME: Duration = Duration::from_secs(600);

/// A running maillink emulator. Dropping it stops the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
/// use omniauth_testkit::maillink::Maillink;
///
/// let maillink = Maillink::start().await?;
/// maillink.add_account("alice", Some("alice@example.com"));
/// assert!(maillink.base_url().starts_with("http://127.0.0.1:"));
/// assert!(maillink.outbox().is_empty());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Maillink {
    server: TestServer,
    shared: Arc<Shared>,
}

impl Maillink {
    /// Starts an emulator with the default options.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        Self::builder().start().await
    }

    /// Options: login lifetime, single use, clock skew, base path, automatic confirmation.
    pub fn builder() -> MaillinkBuilder {
        MaillinkBuilder::default()
    }

    /// The base URL to build a client with (`http://127.0.0.1:PORT` plus the base path).
    pub fn base_url(&self) -> &str {
        self.server.base_url()
    }

    /// The server: its request log and fault switchboard.
    pub fn server(&self) -> &TestServer {
        &self.server
    }

    /// Creates an account directly, as if it had registered (with no session).
    pub fn add_account(&self, username: &str, email: Option<&str>) {
        self.shared.add_account(username, email);
    }

    /// Follows the link of a pending login, as the user would: `true` when the login was
    /// pending and not expired, and is now confirmed.
    pub fn confirm(&self, auth_id: &str) -> bool {
        self.shared.confirm(auth_id)
    }

    /// Confirms the login of the last email sent, if any is still pending.
    pub fn confirm_last(&self) -> bool {
        self.outbox()
            .last()
            .is_some_and(|email| self.confirm(&email.auth_id))
    }

    /// Makes a login expire now, whatever its state.
    pub fn expire(&self, auth_id: &str) -> bool {
        self.shared.expire(auth_id)
    }

    /// Where a login stands, `None` for an id the server never issued.
    pub fn login_state(&self, auth_id: &str) -> Option<LoginState> {
        self.shared.login_state(auth_id)
    }

    /// How many times the session route was polled with this id.
    pub fn poll_count(&self, auth_id: &str) -> u32 {
        self.shared.poll_count(auth_id)
    }

    /// Every confirmation email "sent", oldest first.
    pub fn outbox(&self) -> Vec<SentEmail> {
        self.shared.outbox()
    }

    /// The username a session token belongs to, `None` for a token never issued.
    pub fn token_owner(&self, token: &str) -> Option<String> {
        self.shared.token_owner(token)
    }

    /// The `session_platform` each session of `username` was opened with, oldest first.
    pub fn sessions_of(&self, username: &str) -> Vec<String> {
        self.shared.sessions_of(username)
    }

    /// The emulated server's clock: the machine's, moved by the clock skew and by
    /// [`advance_clock`](Self::advance_clock). Login deadlines and the `Date` header use it.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.now()
    }

    /// Moves the server's clock by `secs` (negative: back), on top of the builder's
    /// [`clock_skew`](MaillinkBuilder::clock_skew): a login whose `expiration_date` the
    /// clock passes is expired, as if the time had gone by.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use omniauth_testkit::maillink::Maillink;
    ///
    /// let maillink = Maillink::start().await?;
    /// let before = maillink.now();
    /// maillink.advance_clock(3_600);
    /// assert!(maillink.now() >= before + chrono::TimeDelta::seconds(3_600));
    /// # Ok(()) }
    /// ```
    pub fn advance_clock(&self, secs: i64) {
        self.shared.advance_clock(secs);
    }

    /// A restart of the service: every connection is cut, the port refuses connections
    /// for a moment, then serves again on the same address. Pending logins and sessions are
    /// lost, accounts kept (an assumption: the service's source is not public). A poll of
    /// a login started before answers the documented 400 until the client's deadline. The
    /// outbox (mail already delivered), the request log and the clock go on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use omniauth_testkit::maillink::Maillink;
    ///
    /// let maillink = Maillink::start().await?;
    /// maillink.add_account("alice", Some("alice@example.com"));
    /// maillink.restart().await?;
    /// assert!(maillink.sessions_of("alice").is_empty());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// When the port cannot be bound again (another process took it meanwhile).
    pub async fn restart(&self) -> std::io::Result<()> {
        self.server.stop().await;
        self.forget_restart_state();
        self.server.resume()
    }

    /// The state half of [`restart`](Self::restart), for the control API, which answers
    /// before it cuts the connections.
    pub(crate) fn forget_restart_state(&self) {
        self.shared.restart();
    }
}

/// Options of a [`Maillink`] emulator.
#[derive(Debug, Clone)]
#[must_use]
pub struct MaillinkBuilder {
    config: Config,
    base_path: String,
    addr: std::net::SocketAddr,
}

impl Default for MaillinkBuilder {
    fn default() -> Self {
        Self {
            config: Config {
                login_lifetime: DEFAULT_LOGIN_LIFETIME,
                single_use: true,
                clock_skew: TimeDelta::zero(),
                confirm_after_polls: None,
            },
            base_path: String::new(),
            addr: crate::server::LOOPBACK_ANY_PORT,
        }
    }
}

impl MaillinkBuilder {
    /// How long a login can be confirmed (default 10 minutes). `expiration_date` is in whole
    /// seconds, rounded up, so a sub-second lifetime still ends a second later at most.
    pub fn login_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.login_lifetime = lifetime;
        self
    }

    /// Whether the session token is handed out only once (default `true`).
    pub fn single_use(mut self, single_use: bool) -> Self {
        self.config.single_use = single_use;
        self
    }

    /// Moves the server's clock (`expiration_date` and the `Date` header) by this much,
    /// positive for a server clock ahead of the machine's.
    pub fn clock_skew(mut self, skew: TimeDelta) -> Self {
        self.config.clock_skew = skew;
        self
    }

    /// Confirms every login by itself once it was polled `polls` times: the poll after the
    /// `polls`-th gets the token (a user who clicks after a while).
    pub fn confirm_after_polls(mut self, polls: u32) -> Self {
        self.config.confirm_after_polls = Some(polls);
        self
    }

    /// Serves the API under this path (`/api`), as a deployment behind a prefix would.
    pub fn base_path(mut self, path: impl Into<String>) -> Self {
        self.base_path = path.into();
        self
    }

    /// Binds this address instead of a free loopback port (port `0`: a free one), for a
    /// server on a fixed port. A non-loopback address exposes the emulator to the network.
    pub fn bind(mut self, addr: std::net::SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Starts the emulator on a free loopback port (or the one given to `bind`).
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start(self) -> std::io::Result<Maillink> {
        let base_path = self.base_path.trim_end_matches('/').to_owned();
        let shared = Arc::new(Shared::new(self.config));
        let app = routes::router(shared.clone(), &base_path);
        let server = TestServer::launch(app, self.addr, &base_path).await?;
        shared.set_origin(server.base_url());
        Ok(Maillink { server, shared })
    }
}
