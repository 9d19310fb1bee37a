//! Emulator of a self-hosted GoScrobble server (idanoo/GoScrobble 0.2.0, API v1 under
//! `/api/v1`): JWT login, rotating refresh, registration, password reset, the REST API, and
//! scrobble ingestion with the per-user ingress key.
//!
//! Written from `specs/goscrobble.md` (a reading of the server's Go source) and the service's
//! authentication docs, never from a client. The server's odd corners are reproduced:
//!
//! - **Most failures are `200 {"error": "…"}`**; success is `200 {"message": "…"}` or a data
//!   object. No handler sets a content type, so every JSON answer is `text/plain;
//!   charset=utf-8` (Go's sniffing).
//! - **401 and 400** come from Go's `http.Error`: `text/plain; charset=utf-8`,
//!   `X-Content-Type-Options: nosniff`, body `{"error":"…"}` plus a newline. A malformed body
//!   on login/register/sendreset is a 400 with Go's decoder message; on resetpassword, config
//!   and the Jellyfin webhook it is `400 {"error":"Invalid JSON"}` (no newline).
//! - **429** is `{"message":"Too many requests"}` without `Retry-After`, from token buckets per
//!   tier: heavy 0.25/s burst 2, standard 5/s burst 5, light 10/s burst 10.
//! - **JWTs** are HS512 with the claims `admin, email, exp, iat, mod, refresh_exp,
//!   refresh_token, sub, username` (alphabetical, as Go marshals maps). Verification accepts
//!   any HMAC algorithm with the secret, checks `exp` (valid while now ≤ exp), `iat` (not in
//!   the future) and `nbf`, and does not re-check the user (except on admin routes). The
//!   middleware deletes the first `"Bearer "` substring, so a bare token works too.
//! - **Refresh** `{"token": <refresh_token claim>}` rotates (the old row is deleted). The real
//!   servers' broken refresh (rows expired at insert) is the switch
//!   [`GoScrobbleBuilder::broken_refresh`]: every refresh then answers `200 {"error":"Invalid
//!   refresh token"}`.
//! - **Unset `JWT_EXPIRY`** (a nanosecond default, so `exp == iat`) is
//!   [`GoScrobbleBuilder::unset_expiry_env`].
//! - **Ingress** takes the 32-letter key as `?key=`; key → user is cached for 24 hours on first
//!   use, so a regenerated key or a deactivated account keeps working
//!   ([`GoScrobble::flush_key_cache`] empties the cache). Dedupe: the last `title:album` per
//!   user (and per `DeviceId` for Jellyfin) answers success without a new scrobble; for
//!   Jellyfin it is checked before `ItemType`.
//! - **Restart** ([`GoScrobble::restart`]): the process keeps only its rate limiters in
//!   memory (`server_middleware.go`'s package variables), so they are what a restart loses;
//!   users, refresh and reset tokens, scrobbles and config are in MySQL, the key cache and
//!   the dedupe slots in Redis, and both outlive the Go process.
//! - **Reset tokens** (16 letters) are not consumed; their expiry is enforced only by the
//!   hourly sweeper ([`GoScrobble::run_reset_sweeper`]). `{"token"}` alone checks a token:
//!   `{"valid":true}` or `{}`.
//! - **Top-N objects** are keyed `"1".."N"` and emitted in string order (`"1","10","2"`).
//!   Empty lists are `null`. `GET /user` has the key `ModifiedIP` (sic).
//! - `StrictSlash`: a trailing slash answers `301` to the path without it; an unknown path is
//!   `404 page not found` (plain text).
//!
//! # Assumptions (labelled; the spec does not settle them)
//!
//! - **Rate limits are keyed per connection**: one bucket per tier and peer `ip:port`, as
//!   `limitMiddleware` keys on `r.RemoteAddr` (so a client opening new connections gets new
//!   buckets; the test server hands each route its connection's address). Limits are **on**
//!   by default with the server's rates;
//!   [`GoScrobbleBuilder::without_rate_limits`] and [`GoScrobbleBuilder::tier_rate`] change them.
//! - **The limiter runs before authentication**, so an over-limit request is a 429 whatever
//!   its token.
//! - **Passwords are stored and compared in clear** (the server uses bcrypt cost 16, seconds
//!   per call; the emulator answers at once).
//! - **Clock**: the machine's clock moved by [`GoScrobble::advance`], used for JWT times,
//!   refresh expiry, the key cache, the reset sweeper and top-N day windows.
//! - **Lookups ignore ASCII case** (MySQL's `_ai_ci` collation of the 0.2.0 reference), and a
//!   login needs an active account (else `Invalid Username or Password`).
//! - **Check order**: register — disabled, decode, password length, username required,
//!   username characters/length, email, existence; login — username, password; resetpassword —
//!   password length, then token. An email passes when it has a valid shape (the server's MX
//!   lookup is assumed to succeed; [`GoScrobbleBuilder::mx_lookup_fails`] makes every email
//!   fail as on an offline server).
//! - **`SendGrid`** succeeds by default; [`GoScrobbleBuilder::sendgrid_fails`] answers
//!   [`SENDGRID_ERROR`] (the token is still stored and in the [`GoScrobble::outbox`]).
//! - **Go decoder messages** are approximations of Go's wording (`EOF`, `unexpected EOF`,
//!   `invalid character 'x' looking for beginning of value`, `json: cannot unmarshal … into Go
//!   struct field …`, `parsing time …`).
//! - **New accounts** get the timezone `Pacific/Auckland`; `PATCH /user` stores a timezone only
//!   when it looks like an IANA name (`Area/City` or `UTC`), else ignores it silently.
//! - **Navidrome** credentials are not pinged: any non-empty url/username/password is accepted
//!   unless [`GoScrobble::set_navidrome_accepts`] says otherwise (`Failed to validate
//!   credentials`).
//! - **Ingestion**: the multi-scrobbler takes empty artists, album and track like any names
//!   (`insertArtist` & co. store them); Jellyfin refuses them (`Missing artist data` …). A
//!   multi-scrobbler `playDate` missing is the zero time; a Jellyfin `RunTime` gives a length
//!   only as `H:M:S` (`Sscanf("%d:%d:%d")`; `MM:SS` is 0).
//! - **Deactivated accounts**: `PATCH /user` answers `Failed to fetch user information`, a
//!   refresh `Invalid refresh token` (its row stays), the admin and moderator routes `401
//!   Invalid user UUID` (`getUserByUUID` selects `active = true`).
//! - **Unknown or malformed UUIDs**: `/albums|tracks/{uuid}` answer `Invalid UUID`;
//!   `/artists/{uuid}` too for an unknown one, but a malformed one is `200` with an artist of
//!   empty fields (the database error is dropped); the top lists answer `Failed to fetch top
//!   artist` / `Failed to fetch top tracks` for a malformed user UUID (an unknown one gives an
//!   empty object); listeners `Failed to fetch combined scrobbles`; tracks of an artist/album
//!   `Failed to fetch top tracks`; a user's scrobbles `Failed to fetch scrobbles`.
//! - **`img` and `desc`**: artists and albums hold an image status (`""`, `pending`,
//!   `complete`, `none`; [`GoScrobble::set_image_status`], [`GoScrobble::run_image_resizer`])
//!   and a description only set in the database ([`GoScrobble::set_description`]). In top
//!   artists `img` is the artist's UUID, in top tracks the track's album's; a track's `desc`
//!   and `img` are its album's description and UUID; tracks-of lists leave `img` empty.
//! - **Meta** of lists: `count` = the items, `page` = 1, `total` as the server counts: all the
//!   user's scrobbles, a fixed 50 on `/recent`, all plays of an artist or album; for a track's
//!   listeners the plays of the first `(track, user)` group (the user of its earliest stored
//!   play), and a track nobody played fails with `Failed to fetch combined scrobbles`.
//! - **Stats** are computed per request (the server caches them in Redis for 5 minutes);
//!   `users` counts active accounts.
//! - **Uploads** (`/artists|albums/{uuid}/upload`, moderators and admins, heavy tier) read the
//!   multipart part `file` (it needs a file name) of a complete form, with no size limit of
//!   their own (Go spools big files to disk; the test server's request log refuses bodies over
//!   [`MAX_REQUEST_BYTES`](crate::MAX_REQUEST_BYTES) with a 413); the file is kept ([`GoScrobble::uploaded_image`]) and the
//!   record's `img` becomes `pending`. A bad form is `200 Error processing upload`; a
//!   malformed artist UUID passes the lookup and fails after the form is read (`400 Error
//!   processing upload`); an unknown artist or any bad album UUID is `Invalid UUID`.
//! - **Not emulated**: the Spotify OAuth callback `/link/spotify`, the pull integrations (Spotify/Navidrome workers), CORS
//!   headers, and everything outside `/api`.

mod catalogue;
mod ingress;
mod routes;
mod state;
mod upload;
mod wire;

#[cfg(test)]
mod source_tests;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::TestServer;

pub use catalogue::{NewScrobble, SCROBBLE_SOURCES};
pub use state::{SENDGRID_ERROR, ScrobbleRecord, SentReset, Tier, TierRate, UserRecord};

use state::{Config, Shared};

/// How long the server's ingress keys are: `generateToken(32)`, into a `VARCHAR(32)` column.
pub const INGRESS_KEY_LEN: usize = 32;

/// Whether `key` has the shape of the keys the server generates: [`INGRESS_KEY_LEN`] ASCII
/// letters (`generateToken` draws from `a-zA-Z`).
///
/// ```
/// use omniauth_testkit::goscrobble::is_valid_ingress_key;
///
/// assert!(is_valid_ingress_key("abcdefghijklmnopqrstuvwxyzABCDEF"));
/// assert!(!is_valid_ingress_key("abcdefghijklmnopqrstuvwxyz012345"));
/// assert!(!is_valid_ingress_key("short"));
/// ```
pub fn is_valid_ingress_key(key: &str) -> bool {
    key.len() == INGRESS_KEY_LEN && key.bytes().all(|b| b.is_ascii_alphabetic())
}

/// The default `JWT_SECRET` of the emulator.
pub const DEFAULT_JWT_SECRET: &[u8] = b"omniauth-testkit-goscrobble-secret";
/// The default JWT lifetime (docs/config.md suggests 1800 s).
pub const DEFAULT_JWT_EXPIRY: Duration = Duration::from_secs(1800);
/// The default refresh-token lifetime (the development `.env`'s 604800 s).
pub const DEFAULT_REFRESH_EXPIRY: Duration = Duration::from_secs(604_800);

/// A running GoScrobble emulator. Dropping it stops the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
/// use omniauth_testkit::goscrobble::GoScrobble;
///
/// let server = GoScrobble::start().await?;
/// let alice = server.add_user("alice", "correct horse", "alice@example.com");
/// assert_eq!(alice.ingress_key.len(), 32);
/// assert!(server.base_url().ends_with("/api/v1"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct GoScrobble {
    server: TestServer,
    shared: Arc<Shared>,
}

impl GoScrobble {
    /// Starts an emulator with the default options.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        Self::builder().start().await
    }

    /// Options: lifetimes, broken refresh, registration, rate tiers, offline quirks.
    pub fn builder() -> GoScrobbleBuilder {
        GoScrobbleBuilder::default()
    }

    /// The base URL to build a client with (`http://127.0.0.1:PORT/api/v1`).
    pub fn base_url(&self) -> &str {
        self.server.base_url()
    }

    /// The server: its request log and fault switchboard.
    pub fn server(&self) -> &TestServer {
        &self.server
    }

    /// Creates an active account directly (email may be `""`).
    pub fn add_user(&self, username: &str, password: &str, email: &str) -> UserRecord {
        self.shared.add_user(username, password, email)
    }

    /// The account named `username` (any case), as stored now.
    pub fn user(&self, username: &str) -> Option<UserRecord> {
        self.shared.user(username)
    }

    /// Makes `username` an admin (or not); `false` for an unknown user.
    pub fn set_admin(&self, username: &str, admin: bool) -> bool {
        self.shared.update_user(username, |u| u.admin = admin)
    }

    /// Makes `username` a moderator (or not); `false` for an unknown user.
    pub fn set_moderator(&self, username: &str, moderator: bool) -> bool {
        self.shared
            .update_user(username, |u| u.moderator = moderator)
    }

    /// Links a Spotify username to the account (the OAuth callback is not emulated).
    pub fn set_spotify_username(&self, username: &str, spotify: &str) -> bool {
        self.shared
            .update_user(username, |u| spotify.clone_into(&mut u.spotify_username))
    }

    /// Deletes nothing but makes the account inactive, as `PATCH /user {"active":…}` does.
    pub fn deactivate(&self, username: &str) -> bool {
        self.shared.update_user(username, |u| u.active = false)
    }

    /// Turns registration on or off (the DB config key `REGISTRATION_ENABLED`).
    pub fn set_registration_enabled(&self, enabled: bool) {
        self.shared
            .set_config("REGISTRATION_ENABLED", if enabled { "1" } else { "0" });
    }

    /// Sets a config value (`SPOTIFY_API_ID`, `SPOTIFY_API_SECRET`, `LASTFM_API_KEY`,
    /// `REGISTRATION_ENABLED`).
    pub fn set_config(&self, key: &str, value: &str) {
        self.shared.set_config(key, value);
    }

    /// The config table as stored.
    pub fn config(&self) -> std::collections::BTreeMap<String, String> {
        self.shared.config_map()
    }

    /// Whether Navidrome credentials validate (default `true`).
    pub fn set_navidrome_accepts(&self, accepts: bool) {
        self.shared.set_navidrome_accepts(accepts);
    }

    /// Every password-reset email "sent", oldest first (the control hook for reset tokens).
    pub fn outbox(&self) -> Vec<SentReset> {
        self.shared.outbox()
    }

    /// The token of the last reset email sent to `email`.
    pub fn last_reset_token(&self, email: &str) -> Option<String> {
        self.outbox()
            .into_iter()
            .rev()
            .find(|sent| sent.email.eq_ignore_ascii_case(email))
            .map(|sent| sent.token)
    }

    /// Runs the hourly sweeper once: deletes reset tokens older than their lifetime and
    /// returns how many went.
    pub fn run_reset_sweeper(&self) -> usize {
        self.shared.sweep_resets()
    }

    /// Sets the `desc` of the artist or album `uuid`, which the server has no route for (it
    /// is edited in the database); a track shows its album's. `false` for an unknown UUID.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// let server = omniauth_testkit::goscrobble::GoScrobble::start().await?;
    /// assert!(!server.set_description("0b6f3c1e-8a5d-4c2a-9e57-2f1a8d3b4c5e", "unknown"));
    /// # Ok(()) }
    /// ```
    pub fn set_description(&self, uuid: &str, desc: &str) -> bool {
        self.shared.set_record(uuid, |_, d| desc.clone_into(d))
    }

    /// Sets the `img` column of the artist or album `uuid` as the server's jobs do:
    /// `"pending"` (an image was stored), `"complete"` (resized), `"none"` (Spotify had
    /// none), a source URL (a fresh Spotify record) or `""`. `false` for an unknown UUID.
    pub fn set_image_status(&self, uuid: &str, img: &str) -> bool {
        self.shared.set_record(uuid, |i, _| img.clone_into(i))
    }

    /// The bytes of the last image uploaded for the artist or album `uuid` (its
    /// `<uuid>_full.jpg`).
    pub fn uploaded_image(&self, uuid: &str) -> Option<Vec<u8>> {
        self.shared.image(uuid)
    }

    /// Runs the minutely resize job once: every `pending` image becomes `complete`; returns
    /// how many.
    pub fn run_image_resizer(&self) -> usize {
        self.shared.resize_images()
    }

    /// How many refresh tokens of `username` are stored (rotation deletes the used one).
    pub fn refresh_token_count(&self, username: &str) -> usize {
        self.user(username)
            .map_or(0, |u| self.shared.refresh_tokens_of(&u.uuid))
    }

    /// Replaces the ingress key of `username` with a known one, as an edit of the `token`
    /// column would (a key already in the Redis cache keeps working, see
    /// [`flush_key_cache`](Self::flush_key_cache)). Any text is stored; the server's own keys
    /// pass [`is_valid_ingress_key`]. `false` for an unknown user.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// let server = omniauth_testkit::goscrobble::GoScrobble::start().await?;
    /// server.add_user("alice", "correct horse", "");
    /// assert!(server.set_ingress_key("alice", "aliceAliceAliceAliceAliceAliceAl"));
    /// assert_eq!(server.user("alice").unwrap().ingress_key, "aliceAliceAliceAliceAliceAliceAl");
    /// assert!(!server.set_ingress_key("nobody", "aliceAliceAliceAliceAliceAliceAl"));
    /// # Ok(()) }
    /// ```
    pub fn set_ingress_key(&self, username: &str, key: &str) -> bool {
        self.shared.set_ingress_key(username, key)
    }

    /// Stores a scrobble of `username` through the mapping the ingestion routes use
    /// (artists, album and track found by `MusicBrainz` id or name, else created with new
    /// UUIDs), without the routes' dedupe (that lives in Redis, which a database import
    /// does not touch). `None` for an unknown user.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use omniauth_testkit::goscrobble::{GoScrobble, NewScrobble};
    ///
    /// let server = GoScrobble::start().await?;
    /// server.add_user("alice", "correct horse", "");
    /// let time = server.now();
    /// let first = server.add_scrobble("alice", &NewScrobble::new("Low", "Things We Lost in the Fire", "Sunflower", time)).unwrap();
    /// let again = server.add_scrobble("alice", &NewScrobble::new("Low", "Things We Lost in the Fire", "Sunflower", time)).unwrap();
    /// assert_eq!(first.track, again.track, "the same track, found by name");
    /// assert_eq!(server.scrobbles_of("alice").len(), 2);
    /// assert!(server.add_scrobble("nobody", &NewScrobble::new("a", "b", "c", time)).is_none());
    /// # Ok(()) }
    /// ```
    pub fn add_scrobble(&self, username: &str, scrobble: &NewScrobble) -> Option<ScrobbleRecord> {
        let user = self.user(username)?;
        Some(self.shared.scrobble(
            &user.uuid,
            &scrobble.play(),
            scrobble.time,
            &scrobble.source,
        ))
    }

    /// A restart of the server process: every connection is cut, the port refuses
    /// connections for a moment, then serves again on the same address. What the Go process
    /// keeps in memory is lost: the rate limiters (package variables in
    /// `server_middleware.go`), so every client starts with full buckets. What lives in
    /// MySQL survives (users, refresh tokens, reset tokens, scrobbles, the catalogue, the
    /// config table), and so does what lives in Redis, a process of its own (the ingress-key
    /// cache, the dedupe slots); `JWT_SECRET` is read again from the same `.env`, so issued
    /// JWTs stay valid. The request log and the outbox belong to the test and go on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// let server = omniauth_testkit::goscrobble::GoScrobble::start().await?;
    /// server.add_user("alice", "correct horse", "");
    /// let url = server.base_url().to_owned();
    /// server.restart().await?;
    /// assert_eq!(server.base_url(), url);
    /// assert!(server.user("alice").is_some());
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
        self.shared.forget_process_memory();
    }

    /// Every scrobble of `username`, in insertion order.
    pub fn scrobbles_of(&self, username: &str) -> Vec<ScrobbleRecord> {
        self.user(username)
            .map(|u| self.shared.scrobbles_of(&u.uuid))
            .unwrap_or_default()
    }

    /// Empties the Redis key → user cache of the ingress routes.
    pub fn flush_key_cache(&self) {
        self.shared.flush_key_cache();
    }

    /// Moves the emulated clock forward (tokens expire, the key cache and reset tokens age).
    pub fn advance(&self, by: Duration) {
        self.shared.advance(by);
    }

    /// The emulated server's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.now()
    }

    /// The `JWT_SECRET`, to forge or inspect tokens in tests.
    pub fn jwt_secret(&self) -> &[u8] {
        &self.shared.config.jwt_secret
    }
}

/// Options of a [`GoScrobble`] emulator.
#[derive(Debug, Clone)]
#[must_use]
pub struct GoScrobbleBuilder {
    config: Config,
    registration_enabled: bool,
    base_path: String,
    addr: std::net::SocketAddr,
}

impl Default for GoScrobbleBuilder {
    fn default() -> Self {
        Self {
            config: Config {
                jwt_secret: DEFAULT_JWT_SECRET.to_vec(),
                jwt_expiry: DEFAULT_JWT_EXPIRY,
                refresh_expiry: DEFAULT_REFRESH_EXPIRY,
                broken_refresh: false,
                rates: Some(HashMap::new()),
                mx_lookup_fails: false,
                sendgrid_fails: false,
                reset_token_lifetime: Duration::from_secs(3600),
            },
            registration_enabled: true,
            base_path: "/api/v1".to_owned(),
            addr: crate::server::LOOPBACK_ANY_PORT,
        }
    }
}

impl GoScrobbleBuilder {
    /// `JWT_SECRET` (default [`DEFAULT_JWT_SECRET`]).
    pub fn jwt_secret(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.config.jwt_secret = secret.into();
        self
    }

    /// `JWT_EXPIRY` (whole seconds count; default 1800 s).
    pub fn jwt_expiry(mut self, expiry: Duration) -> Self {
        self.config.jwt_expiry = expiry;
        self
    }

    /// `REFRESH_EXPIRY` (default 604800 s).
    pub fn refresh_expiry(mut self, expiry: Duration) -> Self {
        self.config.refresh_expiry = expiry;
        self
    }

    /// Both lifetimes unset: the server's defaults are 86400 and 604800 *nanoseconds*, so
    /// `exp == iat` and `refresh_exp == iat`.
    pub fn unset_expiry_env(mut self) -> Self {
        self.config.jwt_expiry = Duration::from_nanos(86_400);
        self.config.refresh_expiry = Duration::from_nanos(604_800);
        self
    }

    /// The real servers' refresh bug: refresh rows are expired when inserted, so every
    /// refresh fails with `Invalid refresh token` (default: refresh works, as on a MySQL
    /// server whose local time is ahead of UTC).
    pub fn broken_refresh(mut self, broken: bool) -> Self {
        self.config.broken_refresh = broken;
        self
    }

    /// Whether registration starts enabled (default `true`).
    pub fn registration_enabled(mut self, enabled: bool) -> Self {
        self.registration_enabled = enabled;
        self
    }

    /// No rate limiting at all.
    pub fn without_rate_limits(mut self) -> Self {
        self.config.rates = None;
        self
    }

    /// Overrides one tier's bucket (the others keep the server's rates); turns limiting on.
    pub fn tier_rate(mut self, tier: Tier, rate: TierRate) -> Self {
        self.config
            .rates
            .get_or_insert_with(HashMap::new)
            .insert(tier, rate);
        self
    }

    /// Every registration email fails the MX lookup (`Invalid email address`), as on a
    /// server without network.
    pub fn mx_lookup_fails(mut self, fails: bool) -> Self {
        self.config.mx_lookup_fails = fails;
        self
    }

    /// `SendGrid` fails: `sendreset` answers [`SENDGRID_ERROR`] after storing the token.
    pub fn sendgrid_fails(mut self, fails: bool) -> Self {
        self.config.sendgrid_fails = fails;
        self
    }

    /// How old a reset token must be for the sweeper to delete it (default 1 hour).
    pub fn reset_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.reset_token_lifetime = lifetime;
        self
    }

    /// The API's base path (default `/api/v1`).
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

    /// Starts the emulator.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start(self) -> std::io::Result<GoScrobble> {
        let shared = Arc::new(Shared::new(self.config, self.registration_enabled));
        let app = routes::router(shared.clone(), &self.base_path);
        let server = TestServer::launch(app, self.addr, &self.base_path).await?;
        Ok(GoScrobble { server, shared })
    }
}
