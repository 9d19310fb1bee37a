//! Emulator of the Resonite (SkyFrost) cloud REST API, served at the base URL's root like
//! `https://api.resonite.com`.
//!
//! Written from `specs/resonite.md` (sections 1 and 4), which gathers what public clients and
//! unofficial docs saw of the live API; nothing of it is official. What the spec states is
//! reproduced; what it does not is an **assumption**, listed below.
//!
//! # Reproduced from the spec
//!
//! | request | answer |
//! |---|---|
//! | `POST /userSessions`, right credentials | `200 {"entity": UserSession, "configFiles": null}` with a base64 token (ends in `=`), `created`/`expire` with 7 fractional digits, and the storage leftovers `partitionKey`, `rowKey` (the token), `eTag` |
//! | `POST /userSessions`, unknown user or wrong password | `400` `text/plain` [`INVALID_CREDENTIALS`] |
//! | `POST /userSessions`, account with 2FA, `TOTP` header missing or wrong | `403` `text/plain` body `TOTP` |
//! | `rememberMe: true` | the token lives 30 days |
//! | `PATCH /userSessions` with `Authorization: res <userId>:<token>` | `204`, expiry moved to now + lifetime; nothing says the new expiry |
//! | `DELETE /userSessions/{userId}/{token}` | the token stops working |
//! | any authenticated route with a missing, expired or revoked token | `403` (not 401), empty body |
//! | `GET /sessions` with `compatibilityHash`, `name`, `universeId`, `hostName`, `hostId`, `minActiveUsers`, `includeEmptyHeadless` (default **true**), `includeEnded`, `includeIncompatible` | JSON array of sessions with `sessionURLs`, `userID` in `sessionUsers`, numeric `outputDevice`, rich-text names |
//! | `GET /sessions/{id}`, `GET /users/{id}`, `GET /users/{name}?byUsername=true` | the object, or `404` |
//! | `GET /users?name=` | users whose name contains it (`2fa_login`, `supressBanEvasion`, `$type`-tagged `entitlements`) |
//! | `GET /users/{me}/contacts[?lastStatusUpdate=]` | contacts with `latestMessageTime: "0001-01-01T00:00:00"` (no offset) |
//! | `GET /users/{me}/messages?maxItems&unread&user&fromTime` | newest first, at most 100; non-text `content` is JSON in a string; `SessionInvite` content carries `PascalCase` `HasEnded`/`IsValid` |
//! | `GET /users/{id}/messages?unreadOnly=` (resonitepy) | read like `unread`; stored messages never show the hub echo's `0001-01-01T00:00:00` `lastUpdateTime` (spec §0.1) |
//! | `POST /users/{recipient}/messages` (the `resonite` crate) | the message stored in both mailboxes and pushed to the recipient's hub connections as `ReceiveMessage`; the sender's copy answered |
//! | `GET /stats/onlineStats` | the `resonite` crate's 19 field names (`registeredUsers`, `usersInVR`, `activeHiddenSessionsByAccessLevel`, …) |
//! | `GET /stats/cloudStats`, `POST /stats/instanceOnline/{machineId}`, `GET /testing/healthCheck` | the `resonite` crate's names; `200` |
//! | groups, members, memberships, storage, records, cloud variables | see the assumptions below |
//! | a burst of requests | `429` |
//!
//! # Assumptions (not in the spec)
//!
//! - Error bodies: [`INVALID_CREDENTIALS`], [`TOTP_BODY`], [`INVALID_REQUEST`] (a body that
//!   is not a JSON object, no identifier, no `secretMachineId`, an unknown `$type`, an
//!   unreadable query value), [`UID_REQUIRED`] (`400` when the `UID` header is missing),
//!   [`RATE_LIMITED`]; 403 and 404 have empty bodies. All `text/plain`.
//! - `rememberMe: false` tokens live 1 day ([`ResoniteBuilder::token_lifetimes`]).
//! - Input is read leniently like ASP.NET: body keys and query keys ignoring case
//!   (`userName`, `ownerID`); usernames and emails match ignoring case.
//! - A `sessionToken` re-login needs a live token of the same user and skips the TOTP check;
//!   a `recoveryCode` replaces the TOTP code once.
//! - TOTP: the header's code passes when it is the fixed code the test set
//!   ([`Resonite::set_totp`], the simple form) or a code of the account's secret
//!   ([`Resonite::set_totp_secret`]: RFC 6238, 6 digits, 30 s steps, HMAC-SHA1, as
//!   authenticator apps make them) for the emulator's clock, one step either side
//!   ([`TOTP_WINDOW_STEPS`]; the spec does not say the real window). A code may be used
//!   again within its window (no source shows the server refusing a reuse).
//! - The emulator has its own clock ([`Resonite::now`], [`Resonite::advance_clock`]): token
//!   expiry, TOTP codes and every date it writes follow it; the rate limit's window runs on
//!   real time.
//! - A token seeded with [`Resonite::add_token`] is a `rememberMe` token: without an expiry
//!   it lives the 30-day lifetime, and `PATCH` extends it by that lifetime.
//! - Logout answers `200` (empty); logging out a token that is not the caller's, or unknown,
//!   is `404`; a caller whose own token is gone gets `403`.
//! - `GET /sessions` never lists `Private` or `hideFromListing` sessions; `name` matches a
//!   substring ignoring case; `compatibilityHash` filters unless `includeIncompatible=true`;
//!   `includeEnded` defaults to false. `GET /sessions/{id}` is `404` for private sessions.
//! - `GET /users/{id}` adds `email` (and the other own-account fields) when the caller is
//!   authenticated as that user.
//! - Contacts and messages of another user: `403`. `lastStatusUpdate` and `fromTime` must
//!   be RFC 3339. `fromUserId` is read as a synonym of `user`.
//! - `GET /stats/onlineStats`: the numbers are the emulator's own (everyone online counts
//!   as a screen user in a public session); `cloudStats` reports no jobs.
//! - Groups (`GET /groups/{id}`, `/members`, `/members/{userId}`, `/storage`) and a user's
//!   `/memberships` and `/storage`: a group is public but its quota fields, members and
//!   storage are for members; memberships and storage of a user are the user's; others get
//!   `403`, unknown ids `404`. Member entries are `{id: user, ownerId: group, quotaBytes,
//!   usedBytes}`, memberships `{id: group, ownerId: user, groupName}`, storage `{id,
//!   ownerId, usedBytes, quotaBytes, fullQuotaBytes, shareableQuotaBytes}` (`ReCon`'s names)
//!   with 1 GiB quotas and the records' asset bytes as use.
//! - `GET /users/{id}/status`: anyone's last broadcast status, `Invisible` shown as
//!   `Offline`; never seen is `Offline` with empty-string `userSessionId`/`appVersion`.
//!   `PUT /users/{me}/profile` replaces the stored profile ([`Resonite::profile`]); `GET
//!   /users/{me}/contacts/{id}` is one entry or `404`.
//! - Records and cloud variables: the rules are in the docs of the `records` and `vars`
//!   modules' routes — private records and variables need the owner's (or a member's)
//!   session, `403` otherwise; seed them with [`Resonite::add_record`],
//!   [`Resonite::define_variable`], [`Resonite::set_variable`].
//! - `GET /testing/ping` and `/testing/healthCheck`: `200`, empty body.
//! - A restart ([`Resonite::restart`]) keeps what a real server keeps in its database
//!   (accounts, tokens, contacts, sessions, messages, statuses) and loses what lives per
//!   connection (hub connections and their subscriptions).
//! - Rate limit: a fixed window, by default 100 requests a minute for the whole server,
//!   with no `Retry-After` (no source shows one); see [`ResoniteBuilder::rate_limit`].

mod cloud;
mod data;
pub mod hub;
mod records;
mod routes;
mod seed;
mod signin;
mod state;
#[cfg(test)]
mod tests;
mod totp;
mod vars;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use serde_json::Value;

use crate::TestServer;

pub use data::{NEVER, invite_content, timestamp};
pub use hub::{Hub, HubConnection, HubInvocation};
/// The `secrecy` crate, whose `SecretString` carries the tokens of [`Resonite::add_token`].
pub use secrecy;
pub use state::{Account, AuthFailure, RateLimitConfig, ResoniteState, UserSessionRecord};
pub use totp::{TOTP_DIGITS, TOTP_STEP_SECS, TOTP_WINDOW_STEPS, TotpSecret, TotpSecretError};

use state::{Config, StoredContact, StoredMessage};

/// The `400` body for unknown users and wrong passwords (resonitepy matches this text).
pub const INVALID_CREDENTIALS: &str = "Invalid credentials";
/// The `403` body when a second-factor code is needed or wrong.
pub const TOTP_BODY: &str = "TOTP";
/// Assumed `400` body for a request the server cannot read.
pub const INVALID_REQUEST: &str = "Invalid request";
/// Assumed `400` body for a login without the `UID` header.
pub const UID_REQUIRED: &str = "UID header is required";
/// Assumed `429` body.
pub const RATE_LIMITED: &str = "Too many requests";
/// The default server rate limit (assumed): 100 requests a minute.
pub const DEFAULT_RATE_LIMIT: RateLimitConfig = RateLimitConfig {
    max_requests: 100,
    window: Duration::from_secs(60),
    retry_after: None,
};

/// A running Resonite emulator. Dropping it stops the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
/// use omniauth_testkit::resonite::Resonite;
///
/// let resonite = Resonite::start().await?;
/// let alice = resonite.add_account("alice", "alice@example.com", "pw");
/// assert!(alice.starts_with("U-"));
/// assert!(resonite.base_url().starts_with("http://127.0.0.1:"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Resonite {
    server: TestServer,
    state: Arc<ResoniteState>,
    hub: Hub,
}

impl Resonite {
    /// Starts an emulator with the default options.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        Self::builder().start().await
    }

    /// Options: token lifetimes, rate limit, address, clock.
    pub fn builder() -> ResoniteBuilder {
        ResoniteBuilder::default()
    }

    /// The base URL to build a client with (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> &str {
        self.server.base_url()
    }

    /// The server: its request log and fault switchboard.
    pub fn server(&self) -> &TestServer {
        &self.server
    }

    /// The SignalR hub at `/hub`: its control surface.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The shared state (accounts and user sessions), for routes mounted later (the hub).
    pub fn state(&self) -> &Arc<ResoniteState> {
        &self.state
    }

    /// Restarts the server, as a deployment or a crash of the real one does: every open
    /// connection is cut (REST keep-alive and hub WebSockets alike, without an answer or a
    /// close message), then the same port is served again, so clients keep their URL.
    ///
    /// What a real server keeps in its database survives: accounts, user sessions (tokens
    /// stay valid), contacts, sessions, stored messages, and the statuses users broadcast.
    /// What lives per connection is lost: the hub's connections with their subscriptions
    /// (`InitializeStatus`, `ListenOnContact`, `ListenOnKey`), which clients must replay.
    /// The request log, the hub's invocation log and its counters go on across restarts
    /// (they belong to the test, not to the server).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use omniauth_testkit::resonite::Resonite;
    ///
    /// let resonite = Resonite::start().await?;
    /// let url = resonite.base_url().to_owned();
    /// resonite.restart().await?;
    /// assert_eq!(resonite.base_url(), url);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// When the port cannot be bound again (another process took it meanwhile).
    pub async fn restart(&self) -> std::io::Result<()> {
        self.stop().await;
        self.resume()
    }

    /// The first half of [`restart`](Self::restart): cuts every connection and stops
    /// accepting (connecting is refused) until [`resume`](Self::resume), to keep the
    /// server down for a while. The state survives as in a restart.
    pub async fn stop(&self) {
        self.server.stop().await;
        self.hub.forget_connections();
    }

    /// Serves the same port again after [`stop`](Self::stop). Call it inside a Tokio
    /// runtime.
    ///
    /// # Errors
    /// When the port cannot be bound again.
    pub fn resume(&self) -> std::io::Result<()> {
        self.server.resume()
    }

    /// Adds an account and returns its user id (`U-<username>`, as for migrated accounts).
    pub fn add_account(&self, username: &str, email: &str, password: &str) -> String {
        let user_id = format!("U-{username}");
        let account = Account {
            user_id: user_id.clone(),
            username: username.to_owned(),
            email: (!email.is_empty()).then(|| email.to_owned()),
            password: password.to_owned(),
            totp: None,
            totp_secret: None,
            recovery_codes: Vec::new(),
            registration_date: self.state.now() - TimeDelta::days(400),
        };
        let mut data = self.state.lock();
        data.accounts.retain(|a| a.user_id != user_id);
        data.accounts.push(account);
        user_id
    }

    /// Turns 2FA on with one fixed code (the simple form), or changes it; `None` removes
    /// the fixed code (2FA stays on while the account has a secret, see
    /// [`Resonite::set_totp_secret`]).
    pub fn set_totp(&self, user_id: &str, code: Option<&str>) {
        self.with_account(user_id, |a| a.totp = code.map(str::to_owned));
    }

    /// Adds a recovery code that replaces the TOTP code once.
    pub fn add_recovery_code(&self, user_id: &str, code: &str) {
        self.with_account(user_id, |a| a.recovery_codes.push(code.to_owned()));
    }

    fn with_account(&self, user_id: &str, change: impl FnOnce(&mut Account)) {
        if let Some(account) = self
            .state
            .lock()
            .accounts
            .iter_mut()
            .find(|a| a.user_id == user_id)
        {
            change(account);
        }
    }

    fn account(&self, user_id: &str) -> Option<Account> {
        self.state
            .lock()
            .accounts
            .iter()
            .find(|a| a.user_id == user_id)
            .cloned()
    }

    /// The user sessions (tokens) issued to a user and not revoked.
    pub fn user_sessions(&self, user_id: &str) -> Vec<UserSessionRecord> {
        let mut list: Vec<_> = self
            .state
            .lock()
            .tokens
            .values()
            .filter(|r| r.user_id == user_id)
            .cloned()
            .collect();
        list.sort_by_key(|r| r.created);
        list
    }

    /// Makes a token expired now (the next authenticated call gets `403`).
    pub fn expire_token(&self, token: &str) {
        if let Some(record) = self.state.lock().tokens.get_mut(token) {
            record.expire = self.state.now() - TimeDelta::seconds(1);
        }
    }

    /// Revokes every token of a user.
    pub fn revoke_all(&self, user_id: &str) {
        self.state.lock().tokens.retain(|_, r| r.user_id != user_id);
    }

    /// A session hosted by `host` (a user id added before), with every odd field of the live
    /// API; change it with `serde_json` and pass it to [`Resonite::add_session`].
    ///
    /// # Panics
    /// When `host` is not an account of this emulator (a mistake in the test).
    pub fn sample_session(&self, host: &str, session_id: &str, name: &str) -> Value {
        let account = self
            .account(host)
            .expect("the host is an account of this emulator");
        data::session(&account, session_id, name, self.state.now())
    }

    /// Publishes a session (any JSON object; `sessionId` identifies it).
    pub fn add_session(&self, session: Value) {
        let id = session.get("sessionId").cloned();
        let mut data = self.state.lock();
        data.sessions.retain(|s| s.get("sessionId") != id.as_ref());
        data.sessions.push(session);
    }

    /// Makes `contact` a contact of `owner` with this status (`Accepted`, `Requested`, …),
    /// changed now.
    pub fn add_contact(&self, owner: &str, contact: &str, status: &str) {
        let (Some(owner_account), Some(other)) = (self.account(owner), self.account(contact))
        else {
            return;
        };
        let json = data::contact(&owner_account, &other, status);
        let mut data = self.state.lock();
        let list = data.contacts.entry(owner.to_owned()).or_default();
        list.retain(|c| c.json.get("id").and_then(Value::as_str) != Some(contact));
        list.push(StoredContact {
            json,
            changed: self.state.now(),
        });
    }

    /// Moves when a contact entry last changed (for `lastStatusUpdate`).
    pub fn set_contact_changed(&self, owner: &str, contact: &str, changed: chrono::DateTime<Utc>) {
        if let Some(list) = self.state.lock().contacts.get_mut(owner) {
            for entry in list.iter_mut() {
                if entry.json.get("id").and_then(Value::as_str) == Some(contact) {
                    entry.changed = changed;
                }
            }
        }
    }

    /// Puts a message into both mailboxes (sender's and recipient's copies), sent at `sent`,
    /// unread. `content` goes in as given: for non-text types pass a JSON string (see
    /// [`invite_content`]). Returns the id.
    pub fn add_message(
        &self,
        sender: &str,
        recipient: &str,
        message_type: &str,
        content: &str,
        sent: chrono::DateTime<Utc>,
    ) -> String {
        let mut data = self.state.lock();
        let mut id = String::new();
        for owner in [sender, recipient] {
            let mut json = data::message(owner, sender, recipient, message_type, content, sent);
            if id.is_empty() {
                json["id"].as_str().unwrap_or_default().clone_into(&mut id);
            } else {
                json["id"] = Value::String(id.clone());
            }
            data.messages
                .entry(owner.to_owned())
                .or_default()
                .push(StoredMessage {
                    json,
                    send_time: sent,
                });
        }
        id
    }

    /// Every message in `owner`'s mailbox, oldest first (by send time), as stored: what
    /// the server accepted, hub or not, without the REST history's cap of 100.
    pub fn messages(&self, owner: &str) -> Vec<Value> {
        let data = self.state.lock();
        let mut list: Vec<&StoredMessage> =
            data.messages.get(owner).into_iter().flatten().collect();
        list.sort_by_key(|m| m.send_time);
        list.into_iter().map(|m| m.json.clone()).collect()
    }

    /// Marks a message read in `owner`'s mailbox.
    pub fn mark_read(&self, owner: &str, message_id: &str) {
        if let Some(list) = self.state.lock().messages.get_mut(owner) {
            for message in list.iter_mut() {
                if message.json.get("id").and_then(Value::as_str) == Some(message_id) {
                    message.json["readTime"] = Value::String(timestamp(self.state.now()));
                }
            }
        }
    }
}

/// Options of a [`Resonite`] emulator.
#[derive(Debug, Clone)]
#[must_use]
pub struct ResoniteBuilder {
    remember_me_lifetime: Duration,
    short_lifetime: Duration,
    rate_limit: Option<RateLimitConfig>,
    addr: std::net::SocketAddr,
    clock_offset_secs: i64,
}

impl Default for ResoniteBuilder {
    fn default() -> Self {
        Self {
            remember_me_lifetime: Duration::from_secs(30 * 24 * 3600),
            short_lifetime: Duration::from_secs(24 * 3600),
            rate_limit: Some(DEFAULT_RATE_LIMIT),
            addr: crate::server::LOOPBACK_ANY_PORT,
            clock_offset_secs: 0,
        }
    }
}

impl ResoniteBuilder {
    /// Token lifetimes with and without `rememberMe` (default 30 days and 1 day).
    pub fn token_lifetimes(mut self, remember_me: Duration, short: Duration) -> Self {
        self.remember_me_lifetime = remember_me;
        self.short_lifetime = short;
        self
    }

    /// The server's rate limit (`None`: never 429).
    pub fn rate_limit(mut self, limit: Option<RateLimitConfig>) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Binds this address instead of a free loopback port (port `0`: a free one), for a
    /// server on a fixed port. A non-loopback address exposes the emulator to the network.
    pub fn bind(mut self, addr: std::net::SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Runs the server's clock this many seconds ahead of (or, negative, behind) the real one:
    /// a server whose clock is off, for token expiry and TOTP codes. Move it later with
    /// [`Resonite::advance_clock`].
    pub fn clock_offset_secs(mut self, seconds: i64) -> Self {
        self.clock_offset_secs = seconds;
        self
    }

    /// Starts the emulator.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start(self) -> std::io::Result<Resonite> {
        let to_delta = |d: Duration| TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
        let state = Arc::new(ResoniteState::new(Config {
            remember_me_lifetime: to_delta(self.remember_me_lifetime),
            short_lifetime: to_delta(self.short_lifetime),
            rate_limit: self.rate_limit,
            clock_offset_secs: self.clock_offset_secs,
        }));
        let hub = Hub::new(state.clone());
        let server = TestServer::launch(
            routes::router(state.clone())
                .merge(cloud::router(state.clone(), hub.clone()))
                .merge(hub.router()),
            self.addr,
            "",
        )
        .await?;
        Ok(Resonite { server, state, hub })
    }
}
