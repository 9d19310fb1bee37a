//! The emulated server's data (users, refresh and reset tokens, config, the catalogue's
//! tables, Redis caches), its accounts, JWTs, password resets and rate limiter.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};

use super::catalogue::{Album, Artist, Track};

/// The limiter tier of a route (spec §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// 0.25 requests a second, bursts of 2: register, sendreset, resetpassword, uploads.
    Heavy,
    /// 5 a second, bursts of 5: login, refresh, config.
    Standard,
    /// 10 a second, bursts of 10: everything else but serverinfo and a user's scrobbles.
    Light,
}

/// One tier's token bucket parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TierRate {
    /// Tokens added per second.
    pub per_second: f64,
    /// The bucket size.
    pub burst: u32,
}

impl Tier {
    /// The server's own rate for this tier.
    pub fn server_rate(self) -> TierRate {
        match self {
            Self::Heavy => TierRate {
                per_second: 0.25,
                burst: 2,
            },
            Self::Standard => TierRate {
                per_second: 5.0,
                burst: 5,
            },
            Self::Light => TierRate {
                per_second: 10.0,
                burst: 10,
            },
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// The options a [`GoScrobble`](super::GoScrobble) was built with.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) jwt_secret: Vec<u8>,
    pub(crate) jwt_expiry: Duration,
    pub(crate) refresh_expiry: Duration,
    pub(crate) broken_refresh: bool,
    pub(crate) rates: Option<HashMap<Tier, TierRate>>,
    pub(crate) mx_lookup_fails: bool,
    pub(crate) sendgrid_fails: bool,
    pub(crate) reset_token_lifetime: Duration,
}

/// An account as the server stores it.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// The user's UUID (the JWT's `sub`).
    pub uuid: String,
    /// The username.
    pub username: String,
    /// The email (`""` when none was given).
    pub email: String,
    /// The password in clear text (the emulator does not hash; see the module docs).
    pub password: String,
    /// Admin flag.
    pub admin: bool,
    /// Moderator flag.
    pub moderator: bool,
    /// Whether the account is active (PATCH /user `{"active":…}` clears it).
    pub active: bool,
    /// The IANA timezone name.
    pub timezone: String,
    /// The 32-letter ingress key.
    pub ingress_key: String,
    /// The linked Spotify username (`""` when none).
    pub spotify_username: String,
    /// The linked Navidrome server URL (`""` when none).
    pub navidrome_server: String,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When it was last modified.
    pub modified_at: DateTime<Utc>,
}

/// A scrobble as stored.
#[derive(Debug, Clone)]
pub struct ScrobbleRecord {
    /// The scrobble's UUID.
    pub uuid: String,
    /// The user's UUID.
    pub user: String,
    /// The track's UUID.
    pub track: String,
    /// The album's UUID.
    pub album: String,
    /// When it was played.
    pub time: DateTime<Utc>,
    /// `jellyfin` or `multiscrobbler`.
    pub source: String,
}

/// A password reset the server "emailed".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentReset {
    /// The address it went to.
    pub email: String,
    /// The 16-letter token in the email.
    pub token: String,
}

#[derive(Debug)]
struct RefreshRow {
    user: String,
    expires: i64,
}

#[derive(Debug)]
struct ResetRow {
    user: String,
    created: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub(crate) struct Data {
    pub(super) users: Vec<UserRecord>,
    refresh: HashMap<String, RefreshRow>,
    resets: HashMap<String, ResetRow>,
    outbox: Vec<SentReset>,
    pub(super) key_cache: HashMap<String, (String, DateTime<Utc>)>,
    config: BTreeMap<String, String>,
    pub(super) artists: Vec<Artist>,
    pub(super) albums: Vec<Album>,
    pub(super) tracks: Vec<Track>,
    pub(super) scrobbles: Vec<ScrobbleRecord>,
    pub(super) dedupe: HashMap<String, String>,
    /// The uploaded `<uuid>_full.jpg` files.
    pub(super) images: HashMap<String, Vec<u8>>,
    /// One bucket per tier and peer address: `limitMiddleware` keys `GetLimiter` on
    /// `r.RemoteAddr` (`ip:port`, so each TCP connection has its own).
    buckets: HashMap<(Tier, Option<SocketAddr>), Bucket>,
    clock_offset: TimeDelta,
    navidrome_accepts: bool,
}

/// Everything a handler shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    data: Mutex<Data>,
}

/// `n` random ASCII letters (the server's refresh, reset and ingress tokens).
fn letters(n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (0..n)
        .map(|_| char::from(LETTERS[rand::random_range(0..LETTERS.len())]))
        .collect()
}

pub(super) fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(super) fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Whether `name` is a plausible IANA zone name (the emulator has no zone database).
fn plausible_timezone(name: &str) -> bool {
    name == "UTC"
        || (name.contains('/')
            && name.split('/').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_+-".contains(c))
            }))
}

/// `^[a-zA-Z0-9_.]+$`, at most 64 characters.
pub(crate) fn valid_username(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// The shape part of the server's email check (the MX lookup is a switch).
fn valid_email_shape(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c))
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

impl Shared {
    pub(crate) fn new(config: Config, registration_enabled: bool) -> Self {
        let mut data = Data {
            navidrome_accepts: true,
            ..Data::default()
        };
        for key in ["SPOTIFY_API_ID", "SPOTIFY_API_SECRET", "LASTFM_API_KEY"] {
            data.config.insert(key.to_owned(), String::new());
        }
        data.config.insert(
            "REGISTRATION_ENABLED".to_owned(),
            if registration_enabled { "1" } else { "0" }.to_owned(),
        );
        Self {
            config,
            data: Mutex::new(data),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.lock().clock_offset
    }

    pub(crate) fn advance(&self, by: Duration) {
        let by = TimeDelta::from_std(by).unwrap_or(TimeDelta::MAX);
        let mut data = self.lock();
        data.clock_offset = data.clock_offset.checked_add(&by).unwrap_or(TimeDelta::MAX);
    }

    /// What a restart of the Go process loses: the three `IPRateLimiter` maps are package
    /// variables (`server_middleware.go`), so every peer starts with full buckets. The rest
    /// is in MySQL or Redis, which a restart of GoScrobble does not touch.
    pub(crate) fn forget_process_memory(&self) {
        self.lock().buckets.clear();
    }

    /// Takes a token of the bucket of `tier` and `peer`; `false` when the request is over the
    /// limit. `peer` is `None` when the server does not say who connected: all such requests
    /// share one bucket.
    pub(crate) fn allow(&self, tier: Tier, peer: Option<SocketAddr>) -> bool {
        let Some(rates) = &self.config.rates else {
            return true;
        };
        let rate = rates
            .get(&tier)
            .copied()
            .unwrap_or_else(|| tier.server_rate());
        let mut data = self.lock();
        let now = Instant::now();
        let bucket = data.buckets.entry((tier, peer)).or_insert(Bucket {
            tokens: f64::from(rate.burst),
            last: now,
        });
        let elapsed = now.duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate.per_second).min(f64::from(rate.burst));
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    // ---- accounts ----

    pub(crate) fn add_user(&self, username: &str, password: &str, email: &str) -> UserRecord {
        let now = self.now();
        let user = UserRecord {
            uuid: new_uuid(),
            username: username.to_owned(),
            email: email.to_owned(),
            password: password.to_owned(),
            admin: false,
            moderator: false,
            active: true,
            timezone: "Pacific/Auckland".to_owned(),
            ingress_key: letters(32),
            spotify_username: String::new(),
            navidrome_server: String::new(),
            created_at: now,
            modified_at: now,
        };
        self.lock().users.push(user.clone());
        user
    }

    /// Stores `key` as the `token` column of `username` (the Redis key cache is left as
    /// it is, as a database edit would).
    pub(crate) fn set_ingress_key(&self, username: &str, key: &str) -> bool {
        self.update_user(username, |u| key.clone_into(&mut u.ingress_key))
    }

    pub(crate) fn user(&self, username: &str) -> Option<UserRecord> {
        self.lock()
            .users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
            .cloned()
    }

    pub(crate) fn update_user(&self, username: &str, change: impl FnOnce(&mut UserRecord)) -> bool {
        let mut data = self.lock();
        match data
            .users
            .iter_mut()
            .find(|u| u.username.eq_ignore_ascii_case(username))
        {
            Some(user) => {
                change(user);
                true
            }
            None => false,
        }
    }

    pub(crate) fn user_by_uuid(&self, uuid: &str) -> Option<UserRecord> {
        self.lock().users.iter().find(|u| u.uuid == uuid).cloned()
    }

    pub(crate) fn registration_enabled(&self) -> bool {
        self.lock()
            .config
            .get("REGISTRATION_ENABLED")
            .map(String::as_str)
            != Some("0")
    }

    pub(crate) fn set_config(&self, key: &str, value: &str) {
        self.lock().config.insert(key.to_owned(), value.to_owned());
    }

    pub(crate) fn config_map(&self) -> BTreeMap<String, String> {
        self.lock().config.clone()
    }

    /// `POST /config`: only the four known keys are written.
    pub(crate) fn update_config(&self, values: &Map<String, Value>) {
        let mut data = self.lock();
        for (key, value) in values {
            if let Some(slot) = data.config.get_mut(key) {
                *slot = super::wire::go_format(value);
            }
        }
    }

    pub(crate) fn set_navidrome_accepts(&self, accepts: bool) {
        self.lock().navidrome_accepts = accepts;
    }

    pub(crate) fn navidrome_accepts(&self) -> bool {
        self.lock().navidrome_accepts
    }

    pub(crate) fn set_user_field(&self, uuid: &str, change: impl FnOnce(&mut UserRecord)) {
        let now = self.now();
        let mut data = self.lock();
        if let Some(user) = data.users.iter_mut().find(|u| u.uuid == uuid) {
            change(user);
            user.modified_at = now;
        }
    }

    /// `POST /register` after decoding: the server's checks, in its order.
    pub(crate) fn register(
        &self,
        username: &str,
        password: &str,
        email: &str,
    ) -> Result<(), &'static str> {
        if password.len() < 8 {
            return Err("Password must be at least 8 characters");
        }
        if username.is_empty() {
            return Err("A username is required");
        }
        if !valid_username(username) {
            return Err("Username contains invalid characters");
        }
        if !email.is_empty() && (self.config.mx_lookup_fails || !valid_email_shape(email)) {
            return Err("Invalid email address");
        }
        let exists = self.lock().users.iter().any(|u| {
            u.username.eq_ignore_ascii_case(username)
                || (!email.is_empty() && u.email.eq_ignore_ascii_case(email))
        });
        if exists {
            return Err("Username or email already exists");
        }
        self.add_user(username, password, email);
        Ok(())
    }

    /// `POST /login` after decoding.
    pub(crate) fn login(&self, username: &str, password: &str) -> Result<String, &'static str> {
        if username.is_empty() {
            return Err("A username is required");
        }
        if password.is_empty() {
            return Err("A password is required");
        }
        let user = self
            .lock()
            .users
            .iter()
            .find(|u| {
                u.active
                    && if username.contains('@') {
                        u.email.eq_ignore_ascii_case(username)
                    } else {
                        u.username.eq_ignore_ascii_case(username)
                    }
            })
            .cloned();
        match user {
            Some(user) if user.password == password => {
                self.issue_jwt(&user).map_err(|()| "Error logging in")
            }
            _ => Err("Invalid Username or Password"),
        }
    }

    fn issue_jwt(&self, user: &UserRecord) -> Result<String, ()> {
        let iat = self.now().timestamp();
        let expiry = i64::try_from(self.config.jwt_expiry.as_secs()).unwrap_or(i64::MAX / 4);
        let refresh_expiry =
            i64::try_from(self.config.refresh_expiry.as_secs()).unwrap_or(i64::MAX / 4);
        let refresh_token = letters(64);
        let refresh_exp = iat.saturating_add(refresh_expiry);
        let claims = json!({
            "admin": user.admin,
            "email": user.email,
            "exp": iat.saturating_add(expiry),
            "iat": iat,
            "mod": user.moderator,
            "refresh_exp": refresh_exp,
            "refresh_token": refresh_token,
            "sub": user.uuid,
            "username": user.username,
        });
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(&self.config.jwt_secret),
        )
        .map_err(|_| ())?;
        // The real server stores the row with the column default NOW() as its expiry (§2.3);
        // with `broken_refresh` the row is simply never usable.
        self.lock().refresh.insert(
            refresh_token,
            RefreshRow {
                user: user.uuid.clone(),
                expires: refresh_exp,
            },
        );
        Ok(token)
    }

    /// Checks a JWT as the server does: any HMAC algorithm, `exp` (now ≤ exp), `iat` not in
    /// the future, `nbf`. Returns the `sub` claim.
    pub(crate) fn verify_jwt(&self, token: &str) -> Option<String> {
        let mut validation = Validation::new(Algorithm::HS512);
        validation.algorithms = vec![Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<Map<String, Value>>(
            token,
            &DecodingKey::from_secret(&self.config.jwt_secret),
            &validation,
        )
        .ok()?;
        let now = self.now().timestamp();
        let number = |name: &str| data.claims.get(name).and_then(Value::as_f64);
        #[allow(clippy::cast_precision_loss)]
        let now_f = now as f64;
        if number("exp").is_some_and(|exp| now_f > exp)
            || number("iat").is_some_and(|iat| now_f < iat)
            || number("nbf").is_some_and(|nbf| now_f < nbf)
        {
            return None;
        }
        data.claims.get("sub")?.as_str().map(str::to_owned)
    }

    /// `POST /refresh`: rotates the refresh token.
    pub(crate) fn refresh(&self, token: &str) -> Result<String, &'static str> {
        const INVALID: &str = "Invalid refresh token";
        let now = self.now().timestamp();
        let user = {
            let mut data = self.lock();
            let row = data.refresh.get(token).ok_or(INVALID)?;
            if self.config.broken_refresh || row.expires < now {
                return Err(INVALID);
            }
            // `isValidRefreshToken` reads the user with `active = true` before anything is
            // rotated: a deactivated account's row stays.
            let user = data
                .users
                .iter()
                .find(|u| u.uuid == row.user && u.active)
                .cloned()
                .ok_or(INVALID)?;
            data.refresh.remove(token);
            user
        };
        self.issue_jwt(&user)
            .map_err(|()| "Failed to refresh Token")
    }

    pub(crate) fn refresh_tokens_of(&self, uuid: &str) -> usize {
        self.lock()
            .refresh
            .values()
            .filter(|r| r.user == uuid)
            .count()
    }

    // ---- password reset ----

    pub(crate) fn send_reset(&self, email: &str) -> Result<(), &'static str> {
        if email.is_empty() {
            return Err("Invalid Email");
        }
        let now = self.now();
        let mut data = self.lock();
        let user = data
            .users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
            .map(|u| u.uuid.clone())
            .ok_or("Invalid Email")?;
        let token = letters(16);
        data.resets
            .insert(token.clone(), ResetRow { user, created: now });
        data.outbox.push(SentReset {
            email: email.to_owned(),
            token,
        });
        if self.config.sendgrid_fails {
            return Err(SENDGRID_ERROR);
        }
        Ok(())
    }

    pub(crate) fn reset_token_valid(&self, token: &str) -> bool {
        self.lock().resets.contains_key(token)
    }

    pub(crate) fn reset_password(&self, token: &str, password: &str) -> Result<(), &'static str> {
        if password.len() < 8 {
            return Err("Password must be at least 8 characters");
        }
        let now = self.now();
        let mut data = self.lock();
        let user = data
            .resets
            .get(token)
            .map(|r| r.user.clone())
            .ok_or("Invalid Token")?;
        let user = data
            .users
            .iter_mut()
            .find(|u| u.uuid == user)
            .ok_or("Failed to update password")?;
        password.clone_into(&mut user.password);
        user.modified_at = now;
        Ok(())
    }

    pub(crate) fn outbox(&self) -> Vec<SentReset> {
        self.lock().outbox.clone()
    }

    pub(crate) fn sweep_resets(&self) -> usize {
        let now = self.now();
        let lifetime =
            TimeDelta::from_std(self.config.reset_token_lifetime).unwrap_or(TimeDelta::MAX);
        let mut data = self.lock();
        let before = data.resets.len();
        data.resets.retain(|_, row| row.created + lifetime > now);
        before - data.resets.len()
    }

    // ---- the user's own record ----

    pub(crate) fn user_json(&self, uuid: &str) -> Option<Value> {
        let user = self.active_user(uuid)?;
        Some(json!({
            "uuid": user.uuid,
            "created_at": rfc3339(user.created_at),
            "created_ip": "127.0.0.1",
            "modified_at": rfc3339(user.modified_at),
            "ModifiedIP": "127.0.0.1",
            "username": user.username,
            "email": user.email,
            "verified": false,
            "spotify_username": user.spotify_username,
            "timezone": user.timezone,
            "token": user.ingress_key,
            "navidrome_server": user.navidrome_server,
        }))
    }

    /// The user of `uuid` if the account is active: `getUserByUUID` selects `active = true`.
    pub(crate) fn active_user(&self, uuid: &str) -> Option<UserRecord> {
        self.user_by_uuid(uuid).filter(|u| u.active)
    }

    /// `PATCH /user`: every recognised key applied, errors ignored; the account is read
    /// first (`getUserByUUID`), so a deactivated one fails.
    pub(crate) fn patch_user(
        &self,
        uuid: &str,
        body: &Map<String, Value>,
    ) -> Result<(), &'static str> {
        if self.active_user(uuid).is_none() {
            return Err("Failed to fetch user information");
        }
        if let Some(Value::String(zone)) = super::wire::field(body, "timezone")
            && plausible_timezone(zone)
        {
            let zone = zone.clone();
            self.set_user_field(uuid, |u| u.timezone = zone);
        }
        if body.contains_key("token") {
            let key = letters(32);
            self.set_user_field(uuid, |u| u.ingress_key = key);
        }
        if body.contains_key("active") {
            self.set_user_field(uuid, |u| u.active = false);
        }
        Ok(())
    }
}

/// The 200-error text of a failed `SendGrid` call (assumed wording).
pub const SENDGRID_ERROR: &str = "Failed to send email: SendGrid unreachable";
