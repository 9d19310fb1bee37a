//! The emulator's database: users and apps (persistent), sessions, codes and spent stamps
//! (in memory, lost on restart).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rand::RngCore as _;
use rand::distr::{Alphanumeric, SampleString as _};

use super::keys::Keys;
use super::{BurgerauthBuilder, Dialect};
use crate::Behaviour;

/// What a test can read about an account.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserSnapshot {
    /// The numeric row id.
    pub id: i64,
    /// The username as stored (case kept).
    pub username: String,
    /// The client-side hash the account's password is checked against.
    pub password_hash: String,
    /// Whether the account uses the modern (Argon2id) hash.
    pub migrated: bool,
}

#[derive(Debug, Clone)]
pub(super) struct User {
    pub id: i64,
    pub username: String,
    pub password: String,
    /// Unix seconds (fractional on 1.2, whose `created` is `str(time.time())`).
    pub created: f64,
    pub migrated: bool,
    pub unique_id: String,
}

#[derive(Debug, Clone)]
pub(super) struct SessionRow {
    pub row_id: i64,
    pub key: String,
    pub user_id: i64,
    pub device: String,
}

#[derive(Debug, Clone)]
pub(super) struct App {
    pub app_id: String,
    pub secret: String,
    pub name: String,
    pub redirect_uri: String,
    pub scopes_json: String,
    pub scopes: Vec<String>,
    pub key_share_uri: String,
    pub owner: i64,
}

#[derive(Debug, Clone)]
pub(super) struct Code {
    pub code: String,
    pub app_id: String,
    pub user_id: i64,
    pub access_token: String,
    pub id_token: Option<String>,
    pub challenge: String,
    pub method: String,
}

/// 1.2 access tokens (opaque hex) and whom they belong to.
#[derive(Debug, Clone)]
pub(super) struct LegacyToken {
    pub token: String,
    pub user_id: i64,
}

#[derive(Debug, Default)]
pub(super) struct Db {
    pub users: Vec<User>,
    pub next_user: i64,
    pub sessions: Vec<SessionRow>,
    pub next_session: i64,
    pub apps: Vec<App>,
    pub codes: Vec<Code>,
    pub spent: HashMap<String, i64>,
    pub legacy_tokens: Vec<LegacyToken>,
}

impl Db {
    pub fn session(&self, key: &str) -> Option<&SessionRow> {
        self.sessions.iter().find(|s| s.key == key)
    }

    pub fn user_by_id(&self, id: i64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn app(&self, app_id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.app_id == app_id)
    }

    pub fn new_session(&mut self, user_id: i64, device: &str, key: String) {
        self.next_session += 1;
        self.sessions.push(SessionRow {
            row_id: self.next_session,
            key,
            user_id,
            device: device.to_owned(),
        });
    }

    pub fn new_user(
        &mut self,
        username: &str,
        password: String,
        migrated: bool,
        created: f64,
    ) -> i64 {
        self.next_user += 1;
        let id = self.next_user;
        self.users.push(User {
            id,
            username: username.to_owned(),
            password,
            created,
            migrated,
            unique_id: alnum(255),
        });
        id
    }
}

/// The shared state of one emulator.
#[derive(Debug)]
pub(crate) struct Emu {
    pub dialect: Dialect,
    pub behaviour: Behaviour,
    /// Whether the real servers' bugs are played ([`Behaviour::Real`]).
    pub real_bugs: bool,
    /// Seconds added to the system clock (moved by [`Emu::advance_clock`]).
    clock_offset: AtomicI64,
    pub service_name: String,
    pub key_id: String,
    pub token_lifetime: i64,
    pub keys: Keys,
    /// The 1.2 server's `SECRET_KEY` (HS256).
    pub legacy_secret: Vec<u8>,
    issuer: Mutex<String>,
    db: Mutex<Db>,
}

impl Emu {
    pub fn new(options: &BurgerauthBuilder) -> Result<Self, String> {
        let mut legacy_secret = vec![0_u8; 32];
        rand::rng().fill_bytes(&mut legacy_secret);
        Ok(Self {
            dialect: options.dialect,
            behaviour: options.behaviour,
            real_bugs: options.behaviour.plays_real_bugs(),
            clock_offset: AtomicI64::new(options.clock_offset_secs),
            service_name: options.service_name.clone(),
            key_id: options.key_id.clone(),
            token_lifetime: options.token_lifetime_secs,
            keys: Keys::generate()?,
            legacy_secret,
            issuer: Mutex::new(String::new()),
            db: Mutex::new(Db::default()),
        })
    }

    pub fn db(&self) -> MutexGuard<'_, Db> {
        self.db.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn issuer(&self) -> String {
        self.issuer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn set_issuer(&self, issuer: String) {
        *self.issuer.lock().unwrap_or_else(PoisonError::into_inner) = issuer;
    }

    /// The server's clock, unix seconds.
    pub fn now(&self) -> i64 {
        chrono::Utc::now().timestamp() + self.clock_offset.load(Ordering::Relaxed)
    }

    /// Moves the server's clock by `seconds` (negative: back).
    pub fn advance_clock(&self, seconds: i64) {
        self.clock_offset.fetch_add(seconds, Ordering::Relaxed);
    }

    /// The server's clock with its fraction (Python's `time.time()`).
    #[allow(clippy::cast_precision_loss)] // Unix seconds fit a float's mantissa.
    pub fn now_float(&self) -> f64 {
        let now = chrono::Utc::now();
        (now.timestamp() + self.clock_offset.load(Ordering::Relaxed)) as f64
            + f64::from(now.timestamp_subsec_micros()) / 1e6
    }

    pub fn restart(&self) {
        if self.dialect.is_python() {
            // The Python server keeps everything in its SQLite file: nothing is lost.
            return;
        }
        let mut db = self.db();
        db.sessions.clear();
        db.codes.clear();
        db.spent.clear();
        db.legacy_tokens.clear();
    }

    pub fn add_user(&self, username: &str, password: String, migrated: bool) {
        let created = self.created_now();
        self.db().new_user(username, password, migrated, created);
    }

    /// `created` for an account made now: whole seconds on 1.3, fractional on 1.2.
    #[allow(clippy::cast_precision_loss)] // Unix seconds fit a float's mantissa.
    pub fn created_now(&self) -> f64 {
        if self.dialect.is_python() {
            self.now_float()
        } else {
            self.now() as f64
        }
    }

    pub fn user(&self, username: &str) -> Option<UserSnapshot> {
        self.db()
            .users
            .iter()
            .find(|u| u.username == username)
            .map(|u| UserSnapshot {
                id: u.id,
                username: u.username.clone(),
                password_hash: u.password.clone(),
                migrated: u.migrated,
            })
    }

    pub fn pending_codes(&self) -> usize {
        self.db().codes.len()
    }

    pub fn session_count(&self) -> usize {
        self.db().sessions.len()
    }

    /// A fresh secret key / code / client secret in this dialect's format.
    pub fn secret(&self) -> String {
        if self.dialect.is_python() {
            hex1024()
        } else {
            alnum(512)
        }
    }

    /// Whether a username as sent matches a stored one: the documented case-insensitive
    /// match, or the real server's `lower(stored) == sent`.
    pub fn name_matches(&self, stored: &str, sent: &str) -> bool {
        if self.real_bugs && self.dialect == Dialect::V1_3 {
            stored.to_lowercase() == sent
        } else {
            stored.to_lowercase() == sent.to_lowercase()
        }
    }
}

/// `n` random characters of `[A-Za-z0-9]`.
pub(super) fn alnum(n: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), n)
}

/// 1024 lowercase hex characters (Python's `secrets.token_hex(512)`).
pub(super) fn hex1024() -> String {
    let mut bytes = vec![0_u8; 512];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
