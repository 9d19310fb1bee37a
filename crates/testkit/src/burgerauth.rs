//! Emulator of a self-hosted Burgerauth server, in three builds: the Go server 1.3 (the last
//! one, the default), the Python `hectabit-oauth2` 1.2 HEAD build (`GET /api/auth` with the
//! secret key in cookie `key`), and the older Python build that also says "Version 1.2" but
//! takes `POST /api/auth`.
//!
//! Written from `specs/burgerauth.md`, point by point:
//!
//! - **Accounts** are stored by the client-side password hash (the server never sees the
//!   password) with a `migrated` flag; signup on 1.3 needs a 20-bit SHA-1 hashcash stamp
//!   (`1:20:YYMMDD:signup:I love Burgerauth!!:<salt>:<counter>`), recorded as spent *before*
//!   it is checked; a stamp with fewer than five fields drops the connection (the Go server
//!   panics with no recovery middleware).
//! - **Sessions** are 512-character `[A-Za-z0-9]` secret keys (1024 hex characters on 1.2),
//!   with no expiry; [`Burgerauth::restart`] drops them with the pending codes and spent
//!   stamps, as a restart of the real server does (users and apps persist).
//! - **OAuth2**: apps with a client secret, one pending code per user, PKCE (`S256`, `plain`)
//!   or secret redemption, `EdDSA` (Ed25519) JWTs with a JWKS and a discovery document served
//!   as `text/html`; on 1.2, `GET /api/auth` answering 302 (HEAD) or `POST /api/auth`
//!   answering the code (the POST-era build), 1024-hex access and refresh tokens and HS256
//!   id tokens, a discovery document with hard-coded `auth.hectabit.org` URLs and no JWKS.
//! - **Replies**: the exact status codes, content types and bodies of the recordings
//!   (`shared/recordings/burgerauth-*`, held against this emulator by a recorded-traffic
//!   test) and of spec §0: `{"error": …}` on 1.3, `text/plain` on `/api/auth`, 404 `404 page
//!   not found` for a wrong method; on 1.2 `{}` bodies typed `application/json`, `500 {}`
//!   for a dead secret key, a wrong method or a missing field; `null` lists, `"true"`
//!   strings; CORS headers on every answer, `OPTIONS` answered 200.
//!
//! Routes: on 1.3 the JSON API (`/api/signup`, `/api/login`, `/api/changepassword`,
//! `/api/userinfo`, `/api/secretkeyloggedin`, `/api/newauth`, `/api/listauth`,
//! `/api/deleteauth`, `/api/deleteaccount`, `/api/sessions/list`, `/api/sessions/remove`,
//! `/api/listusers` (broken, as on the server), `/api/version`, `/api/servicename`,
//! `/api/uniqueid`, `/api/loggedin`, `/api/aeskeyshare`), OAuth (`GET /api/auth`,
//! `POST /api/tokenauth`, `GET /userinfo`, `/.well-known/jwks.json`,
//! `/.well-known/openid-configuration`) and the pages `/login`, `/signup`, `/app` as stubs;
//! other HTML pages answer 404. On 1.2 the routes of the service doc, with `GET /api/auth`
//! ([`Dialect::V1_2`]) or `POST /api/auth` ([`Dialect::V1_2Post`]).
//!
//! By default ([`Behaviour::Real`]) the emulator plays the real servers' known bugs (spec
//! §0): on 1.3 the username lookup compares the *stored name lowercased* with the name as
//! sent (so `Alice` logs in only as `alice`, `ALICE` can sign up next to `Alice`, and a
//! signup with an uppercase letter binds its key to user id 0), and a code can be redeemed
//! by any registered client; on 1.2 a code is never used up (a replay answers the same
//! access token), the refresh token is never stored (refreshing fails), and a dead secret
//! key answers `500 {}`. [`Behaviour::Documented`] (set with
//! [`BurgerauthBuilder::behaviour`]) is the server its docs describe: case-insensitive
//! names, codes bound to their client and used up once, working 1.2 refresh tokens, and
//! `401 {}` for a dead 1.2 key.
//!
//! # Assumptions (where the spec is silent)
//! - `POST /api/changepassword` with `migration: true` marks the account migrated.
//! - A stamp that does not have exactly seven fields (but at least five) is an
//!   `Invalid hashcash stamp`.
//! - `/api/sessions/remove` only removes sessions of the caller's own account.
//! - 1.2 codes are not limited to one per user.
//! - 1.3: the redirect URI comparison "after appending a trailing `/` to both" is read as
//!   making sure both end in one `/` (so `…/cb` and `…/cb/` match). 1.2 compares the
//!   URL-quoted redirect URI exactly (a trailing `/` differs).
//! - The issuer (`iss`, config `URL`) is the emulator's base URL unless set with
//!   [`BurgerauthBuilder::issuer`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
//! use omniauth_testkit::Behaviour;
//! use omniauth_testkit::burgerauth::{Burgerauth, Dialect};
//!
//! let server = Burgerauth::builder()
//!     .dialect(Dialect::V1_2)
//!     .behaviour(Behaviour::Real) // the default: the real server, bugs included
//!     .start()
//!     .await?;
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//! server.add_user("alice", "0f".repeat(64), false);
//! assert_eq!(server.user("alice").map(|u| u.migrated), Some(false));
//! # Ok(()) }
//! ```

// Handlers answer early with a finished response, as gin handlers do.
#![allow(clippy::result_large_err, clippy::struct_field_names)]

mod go;
mod go_oauth;
mod hashcash;
mod keys;
mod python;
mod python_oauth;
mod state;
mod wire;

use std::sync::Arc;

use crate::{Behaviour, TestServer};

pub use hashcash::{STAMP_BITS, STAMP_RESOURCE, STAMP_TAG};
pub use state::UserSnapshot;

use state::Emu;

/// Which server build the emulator plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Dialect {
    /// The Go server 1.3 (HEAD `7758c8f`, 2024-08-05, the last one).
    #[default]
    V1_3,
    /// The Python `hectabit-oauth2` 1.2 HEAD build (`b451473`, 2024-04-20): `GET /api/auth`
    /// with the secret key in cookie `key`, answering a 302; a `POST` gets Quart's HTML 405.
    V1_2,
    /// The older Python build (`b9b02d5`, 2024-04-17) that also says "Version 1.2" but takes
    /// `POST /api/auth` JSON `{secretKey, appId, code, codemethod}` and answers the code as
    /// the body; a `GET` there gets `500 {}`.
    V1_2Post,
}

impl Dialect {
    /// Whether this is one of the Python 1.2 builds.
    pub const fn is_python(self) -> bool {
        matches!(self, Self::V1_2 | Self::V1_2Post)
    }
}

/// Options of a [`Burgerauth`] emulator.
#[derive(Debug, Clone)]
#[must_use]
pub struct BurgerauthBuilder {
    dialect: Dialect,
    behaviour: Behaviour,
    issuer: Option<String>,
    clock_offset_secs: i64,
    service_name: String,
    key_id: String,
    token_lifetime_secs: i64,
    addr: std::net::SocketAddr,
}

impl Default for BurgerauthBuilder {
    fn default() -> Self {
        Self {
            dialect: Dialect::V1_3,
            behaviour: Behaviour::Real,
            issuer: None,
            clock_offset_secs: 0,
            service_name: "Burgerauth".to_owned(),
            key_id: "burgerauth".to_owned(),
            token_lifetime_secs: 2_592_000,
            addr: crate::server::LOOPBACK_ANY_PORT,
        }
    }
}

impl BurgerauthBuilder {
    /// The dialect (default 1.3).
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// The real server, bugs included ([`Behaviour::Real`], the default), or the one its docs
    /// describe ([`Behaviour::Documented`]); see the module docs for what differs.
    pub fn behaviour(mut self, behaviour: Behaviour) -> Self {
        self.behaviour = behaviour;
        self
    }

    /// Runs the server's clock this many seconds ahead of (or, negative, behind) the real one:
    /// it dates accounts, signs tokens and judges hashcash stamps. Replaying traffic recorded
    /// on another day sets it to the recording's date.
    pub fn clock_offset_secs(mut self, seconds: i64) -> Self {
        self.clock_offset_secs = seconds;
        self
    }

    /// The issuer (config `URL`) put in tokens and the discovery document; by default the
    /// emulator's base URL.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The name `/api/servicename` answers (config `IDENTIFIER`, default `Burgerauth`).
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = name.into();
        self
    }

    /// The JWKS `kid` (config `KEY_ID`, default `burgerauth`). Token headers always say
    /// `burgerauth`, as the real server's do.
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.key_id = kid.into();
        self
    }

    /// Seconds from `iat` to `exp` of 1.3 tokens (default 30 days). Negative values issue
    /// tokens that are already expired.
    pub fn token_lifetime_secs(mut self, seconds: i64) -> Self {
        self.token_lifetime_secs = seconds;
        self
    }

    /// Binds this address instead of a free loopback port (port `0`: a free one), for a
    /// server on a fixed port. A non-loopback address exposes the emulator to the network.
    pub fn bind(mut self, addr: std::net::SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Starts the emulator on a loopback port.
    ///
    /// # Errors
    /// When no port can be bound or no key can be generated.
    pub async fn start(self) -> std::io::Result<Burgerauth> {
        let emu = Arc::new(Emu::new(&self).map_err(std::io::Error::other)?);
        let router = match self.dialect {
            Dialect::V1_3 => go::router(emu.clone()),
            Dialect::V1_2 | Dialect::V1_2Post => python::router(emu.clone()),
        };
        let server = TestServer::launch(router, self.addr, "").await?;
        let issuer = self.issuer.unwrap_or_else(|| server.base_url().to_owned());
        emu.set_issuer(issuer);
        Ok(Burgerauth { server, emu })
    }
}

/// A running Burgerauth emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct Burgerauth {
    server: TestServer,
    emu: Arc<Emu>,
}

impl Burgerauth {
    /// Starts a 1.3 emulator playing the real server, bugs included.
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        Self::builder().start().await
    }

    /// Options: dialect, behaviour, issuer, service name, key id, token lifetime, clock.
    pub fn builder() -> BurgerauthBuilder {
        BurgerauthBuilder::default()
    }

    /// The base URL clients are built with.
    pub fn base_url(&self) -> &str {
        self.server.base_url()
    }

    /// The test server: request log and faults.
    pub fn server(&self) -> &TestServer {
        &self.server
    }

    /// The dialect served.
    pub fn dialect(&self) -> Dialect {
        self.emu.dialect
    }

    /// The behaviour played.
    pub fn behaviour(&self) -> Behaviour {
        self.emu.behaviour
    }

    /// Simulates a server restart. On 1.3 sessions, pending codes and spent stamps vanish
    /// (they live in the in-memory database) while users and apps stay; the 1.2 server keeps
    /// everything in its database file, so there nothing changes.
    pub fn restart(&self) {
        self.emu.restart();
    }

    /// Creates an account directly, stored by its client-side hash (`password_hash` is what a
    /// client sends as `password`), migrated or not — for example a legacy account whose hash
    /// is the SHA3-512×128 one and `migrated` false.
    pub fn add_user(&self, username: &str, password_hash: impl Into<String>, migrated: bool) {
        self.emu.add_user(username, password_hash.into(), migrated);
    }

    /// Registers an OAuth2 app owned by `owner` (an exact stored username) with the app id
    /// and client secret given, as `/api/newauth` stores one, so that a test (or a seed
    /// file) knows them in advance. Scopes are `openid` and `aeskeyshare`; the 1.2 builds
    /// keep `openid` only and store the redirect URI URL-quoted, as their server does.
    /// Returns `false` when the owner does not exist or the app id is taken.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use omniauth_testkit::burgerauth::Burgerauth;
    ///
    /// let server = Burgerauth::start().await?;
    /// server.add_user("alice", "0f".repeat(32), true);
    /// assert!(server.add_app("alice", "app1", "secret1", "My app", "https://app.example/cb", &["openid"]));
    /// assert!(!server.add_app("alice", "app1", "again", "Taken", "https://app.example/cb", &["openid"]));
    /// assert!(!server.add_app("nobody", "app2", "secret2", "No owner", "https://app.example/cb", &["openid"]));
    /// # Ok(()) }
    /// ```
    pub fn add_app(
        &self,
        owner: &str,
        app_id: &str,
        secret: &str,
        name: &str,
        redirect_uri: &str,
        scopes: &[&str],
    ) -> bool {
        let python = self.emu.dialect.is_python();
        let mut db = self.emu.db();
        let Some(owner) = db.users.iter().find(|u| u.username == owner).map(|u| u.id) else {
            return false;
        };
        if db.app(app_id).is_some() {
            return false;
        }
        let scopes: Vec<String> = if python {
            vec!["openid".to_owned()]
        } else {
            scopes.iter().map(|s| (*s).to_owned()).collect()
        };
        db.apps.push(state::App {
            app_id: app_id.to_owned(),
            secret: secret.to_owned(),
            name: if python {
                String::new()
            } else {
                name.to_owned()
            },
            redirect_uri: if python {
                python_oauth::quote(redirect_uri)
            } else {
                redirect_uri.to_owned()
            },
            scopes_json: serde_json::to_string(&scopes).unwrap_or_else(|_| "[]".to_owned()),
            scopes,
            key_share_uri: "none".to_owned(),
            owner,
        });
        true
    }

    /// An account by its exact stored username.
    pub fn user(&self, username: &str) -> Option<UserSnapshot> {
        self.emu.user(username)
    }

    /// How many authorization codes wait to be redeemed.
    pub fn pending_codes(&self) -> usize {
        self.emu.pending_codes()
    }

    /// How many sessions (secret keys) exist.
    pub fn session_count(&self) -> usize {
        self.emu.session_count()
    }

    /// The server's clock, unix seconds (the system clock plus
    /// [`BurgerauthBuilder::clock_offset_secs`] and every [`Burgerauth::advance_clock`]).
    pub fn now(&self) -> i64 {
        self.emu.now()
    }

    /// Moves the server's clock by `seconds` (negative: back), for expiries and the age of
    /// hashcash stamps, without waiting.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use omniauth_testkit::burgerauth::Burgerauth;
    ///
    /// let server = Burgerauth::builder().start().await?;
    /// let before = server.now();
    /// server.advance_clock(3_600);
    /// assert!(server.now() >= before + 3_600);
    /// # Ok(()) }
    /// ```
    pub fn advance_clock(&self, seconds: i64) {
        self.emu.advance_clock(seconds);
    }

    /// Signs any claims as a 1.3 token with the server's key (header `alg` `EdDSA`, `kid`
    /// `burgerauth`), to test how clients treat forged or expired tokens.
    pub fn sign_jwt(&self, claims: &serde_json::Value) -> String {
        self.emu.keys.sign(claims)
    }
}
