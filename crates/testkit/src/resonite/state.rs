//! The emulator's shared state: accounts, user sessions (tokens), and the data the routes
//! serve. One type, so that a later hub route can authorize `res <userId>:<token>` with the
//! same sessions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use http::HeaderMap;
use rand::RngCore as _;
use serde_json::Value;

use super::totp::TotpSecret;

/// An account of the emulator.
#[derive(Debug, Clone)]
pub struct Account {
    /// `U-…`.
    pub user_id: String,
    /// The username (matched ignoring case).
    pub username: String,
    /// The email (matched ignoring case).
    pub email: Option<String>,
    /// The password.
    pub password: String,
    /// 2FA, the simple form: one fixed code the server accepts whatever the time.
    pub totp: Option<String>,
    /// 2FA from a secret: the codes an authenticator app makes from it, checked on the
    /// emulator's clock ([`ResoniteState::now`]).
    pub totp_secret: Option<TotpSecret>,
    /// Unused recovery codes.
    pub recovery_codes: Vec<String>,
    /// When the account was made.
    pub registration_date: DateTime<Utc>,
}

impl Account {
    /// Whether 2FA is on (a fixed code, a secret, or both).
    pub fn has_second_factor(&self) -> bool {
        self.totp.is_some() || self.totp_secret.is_some()
    }

    /// Whether `code` passes the second factor at `now`: the fixed code, or a code of the
    /// secret within its window.
    pub fn accepts_totp(&self, code: &str, now: DateTime<Utc>) -> bool {
        let code = code.trim();
        self.totp.as_deref() == Some(code)
            || self
                .totp_secret
                .as_ref()
                .is_some_and(|secret| secret.accepts(code, now.timestamp()))
    }
}

/// A user session (a token) the emulator issued.
#[derive(Debug, Clone)]
pub struct UserSessionRecord {
    /// Whose.
    pub user_id: String,
    /// The token.
    pub token: String,
    /// When issued.
    pub created: DateTime<Utc>,
    /// When it stops working.
    pub expire: DateTime<Utc>,
    /// Whether a 30-day token was asked for.
    pub remember_me: bool,
    /// The `UID` header of the login.
    pub uid: String,
    /// The `secretMachineId` of the login.
    pub secret_machine_id: String,
    /// How many times it was extended.
    pub extensions: u32,
}

/// One message in a mailbox.
#[derive(Debug, Clone)]
pub(crate) struct StoredMessage {
    pub(crate) json: Value,
    pub(crate) send_time: DateTime<Utc>,
}

/// One contact entry.
#[derive(Debug, Clone)]
pub(crate) struct StoredContact {
    pub(crate) json: Value,
    pub(crate) changed: DateTime<Utc>,
}

/// A group: its JSON (without the quota fields non-members do not see) and who is in it.
#[derive(Debug, Clone)]
pub(crate) struct StoredGroup {
    pub(crate) json: Value,
    pub(crate) members: Vec<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Data {
    pub(crate) accounts: Vec<Account>,
    pub(crate) tokens: HashMap<String, UserSessionRecord>,
    pub(crate) sessions: Vec<Value>,
    pub(crate) contacts: HashMap<String, Vec<StoredContact>>,
    pub(crate) messages: HashMap<String, Vec<StoredMessage>>,
    pub(crate) login_counter: i64,
    /// Groups by id.
    pub(crate) groups: HashMap<String, StoredGroup>,
    /// Records (each with `id`, `ownerId`, `path`, `isPublic`, …).
    pub(crate) records: Vec<Value>,
    /// Cloud variable definitions by `<definition owner>.<subpath>`.
    pub(crate) var_definitions: HashMap<String, Value>,
    /// Cloud variable values by (owner, path).
    pub(crate) var_values: HashMap<(String, String), Value>,
    /// Profiles set with `PUT /users/{id}/profile`, by user id.
    pub(crate) profiles: HashMap<String, Value>,
    /// Machine ids announced with `POST /stats/instanceOnline/{machineId}`.
    pub(crate) machines_online: Vec<String>,
}

impl Data {
    /// Whether `user` may see `owner`'s private data: it is theirs, or a group they are in.
    pub(crate) fn may_access(&self, user: Option<&str>, owner: &str) -> bool {
        let Some(user) = user else {
            return false;
        };
        user == owner
            || self
                .groups
                .get(owner)
                .is_some_and(|g| g.members.iter().any(|m| m == user))
    }

    /// Whether an owner id names a known account or group.
    pub(crate) fn owner_exists(&self, owner: &str) -> bool {
        self.groups.contains_key(owner) || self.accounts.iter().any(|a| a.user_id == owner)
    }
}

/// The server's rate limit: at most `max_requests` in each `window`, then `429`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Requests allowed per window.
    pub max_requests: u32,
    /// The window.
    pub window: Duration,
    /// The `Retry-After` seconds sent with the 429 (none by default: no source shows one).
    pub retry_after: Option<u64>,
}

#[derive(Debug)]
pub(crate) struct Window {
    pub(crate) started: Instant,
    pub(crate) count: u32,
}

/// Options fixed when the emulator starts.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) remember_me_lifetime: TimeDelta,
    pub(crate) short_lifetime: TimeDelta,
    pub(crate) rate_limit: Option<RateLimitConfig>,
    pub(crate) clock_offset_secs: i64,
}

/// Everything the emulator knows, shared by its routes (and by a hub route added later).
#[derive(Debug)]
pub struct ResoniteState {
    pub(crate) data: Mutex<Data>,
    pub(crate) config: Config,
    pub(crate) window: Mutex<Window>,
    /// Seconds added to the system clock (moved by [`ResoniteState::advance_clock`]).
    clock_offset: AtomicI64,
}

/// Why a request is not authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` header, or not `res <userId>:<token>`.
    Missing,
    /// The token is unknown (never issued, or revoked) or belongs to someone else.
    Invalid,
    /// The token has expired.
    Expired,
}

impl ResoniteState {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            data: Mutex::new(Data::default()),
            clock_offset: AtomicI64::new(config.clock_offset_secs),
            config,
            window: Mutex::new(Window {
                started: Instant::now(),
                count: 0,
            }),
        }
    }

    /// The server's clock: the system clock moved by every
    /// [`advance_clock`](Self::advance_clock). Token expiry, TOTP codes and every date the
    /// emulator writes read it. The rate limit's window is not a date and runs on real time.
    pub fn now(&self) -> DateTime<Utc> {
        let seconds = self.clock_offset.load(Ordering::Relaxed);
        let (far, end) = if seconds < 0 {
            (TimeDelta::MIN, DateTime::<Utc>::MIN_UTC)
        } else {
            (TimeDelta::MAX, DateTime::<Utc>::MAX_UTC)
        };
        Utc::now()
            .checked_add_signed(TimeDelta::try_seconds(seconds).unwrap_or(far))
            .unwrap_or(end)
    }

    /// Moves the server's clock by `seconds` (negative: back).
    pub fn advance_clock(&self, seconds: i64) {
        let _ = self
            .clock_offset
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                Some(offset.saturating_add(seconds))
            });
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Checks an `Authorization: res <userId>:<token>` header (scheme word in any case) and
    /// returns the user id it authorizes.
    ///
    /// # Errors
    /// Why it does not authorize; the routes answer `403` for all three.
    pub fn authorize(&self, headers: &HeaderMap) -> Result<String, AuthFailure> {
        let value = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(AuthFailure::Missing)?;
        let (scheme, credentials) = value.trim().split_once(' ').ok_or(AuthFailure::Missing)?;
        if !scheme.eq_ignore_ascii_case("res") {
            return Err(AuthFailure::Missing);
        }
        let (user_id, token) = credentials
            .trim()
            .split_once(':')
            .ok_or(AuthFailure::Missing)?;
        let data = self.lock();
        let record = data.tokens.get(token).ok_or(AuthFailure::Invalid)?;
        if record.user_id != user_id {
            return Err(AuthFailure::Invalid);
        }
        if record.expire <= self.now() {
            return Err(AuthFailure::Expired);
        }
        Ok(record.user_id.clone())
    }

    /// Counts a request against the rate limit; `false` when it is over.
    pub(crate) fn admit(&self) -> bool {
        let Some(limit) = self.config.rate_limit else {
            return true;
        };
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        if window.started.elapsed() >= limit.window {
            window.started = Instant::now();
            window.count = 0;
        }
        window.count = window.count.saturating_add(1);
        window.count <= limit.max_requests
    }

    pub(crate) fn issue(
        &self,
        user_id: &str,
        remember_me: bool,
        uid: &str,
        secret_machine_id: &str,
    ) -> UserSessionRecord {
        let mut bytes = [0_u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = base64::engine::general_purpose::STANDARD.encode(bytes);
        let created = self.now();
        let lifetime = if remember_me {
            self.config.remember_me_lifetime
        } else {
            self.config.short_lifetime
        };
        let record = UserSessionRecord {
            user_id: user_id.to_owned(),
            token: token.clone(),
            created,
            expire: created + lifetime,
            remember_me,
            uid: uid.to_owned(),
            secret_machine_id: secret_machine_id.to_owned(),
            extensions: 0,
        };
        let mut data = self.lock();
        data.login_counter += 1;
        data.tokens.insert(token, record.clone());
        record
    }

    /// Moves a token's expiry to now + its lifetime.
    pub(crate) fn extend(&self, token: &str) -> bool {
        let mut data = self.lock();
        let Some(record) = data.tokens.get_mut(token) else {
            return false;
        };
        let lifetime = if record.remember_me {
            self.config.remember_me_lifetime
        } else {
            self.config.short_lifetime
        };
        record.expire = self.now() + lifetime;
        record.extensions += 1;
        true
    }

    pub(crate) fn token_from_headers(headers: &HeaderMap) -> Option<String> {
        let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
        let (_, credentials) = value.trim().split_once(' ')?;
        credentials
            .split_once(':')
            .map(|(_, token)| token.to_owned())
    }
}
