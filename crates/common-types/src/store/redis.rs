//! [`RedisStore`]: sessions in Redis, one key per account, shared by processes on many
//! machines, with a lock key and a lease for the one refresh at a time.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use redis::aio::MultiplexedConnection;

use super::redis_lock::{self, RedisLease};
use super::{RefreshGuard, TokenStore};
use crate::error::{Error, ErrorKind, Result};
use crate::session::{Session, StoredSession};

/// The key prefix unless set otherwise.
pub const DEFAULT_PREFIX: &str = "omniauth:";

/// How long a refresh lock lasts unless extended: 15 s. A holder extends it every third of
/// that while it refreshes; one that dies holds the others back for at most this long.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(15);

/// How long a connection attempt or a command may take before it fails: 5 s.
const TIMEOUT: Duration = Duration::from_secs(5);

/// How long a key outlives the last moment its session could be used (so a clock a little
/// ahead never drops a session early, and `status` still shows a just-expired one).
const GRACE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// A store in Redis for fleets of processes on many machines (feature `redis`).
///
/// Each session is one key, `<prefix>session:<key>`, holding the same JSON as a
/// [`FileStore`](super::FileStore) entry, with a time to live that ends a few minutes after
/// the session can no longer be used (its refresh token's expiry, or its access token's when
/// it has no refresh token; no time to live when a refresh token never expires).
///
/// **Values are not encrypted at rest**: whoever can read these keys (a Redis user whose ACL
/// allows them, the server's operators, its RDB/AOF files and backups) can use the sessions.
/// Encrypting them would need a key that every process of the fleet holds, which would sit
/// beside the Redis password and protect against nobody who has it. Give the fleet a Redis
/// user limited to its prefix (`~omniauth:*`), use `rediss://` across machines, and keep
/// persistence files private.
///
/// [`lock_refresh`](TokenStore::lock_refresh) takes the key `<prefix>lock:<key>` with
/// `SET NX PX` and a random owner id; it lasts [`DEFAULT_LEASE`] (see
/// [`with_lease`](Self::with_lease)), is extended while the refresh runs, and is deleted only
/// by its owner. Waiters poll it; when its holder dies, the next one takes over once the
/// lease runs out.
///
/// The URL is that of the `redis` crate: `redis://[user][:password@]host[:port][/db]`, or
/// `rediss://` for TLS (rustls, the system's root certificates); `?prefix=…` sets the key
/// prefix. Nothing connects until the first call; a lost connection is made again on the next
/// call, and every Redis failure is an [`ErrorKind::Store`] error.
///
/// ```no_run
/// # async fn run() -> omniauth_types::Result<()> {
/// use omniauth_types::{RedisStore, TokenStore};
///
/// let store = RedisStore::open("rediss://:s3cret@redis.internal:6380/2?prefix=bots:")?;
/// for key in store.keys().await? {
///     println!("{key}");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    shared: Arc<Shared>,
}

pub(super) struct Shared {
    client: redis::Client,
    prefix: String,
    lease: Duration,
    /// The connection in use; `None` until the first call and after a connection failure.
    connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
}

impl RedisStore {
    /// A store at `url` (see [`RedisStore`]); does not connect yet.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] when `url` is not a Redis URL (the message never repeats
    /// it: it may hold a password).
    pub fn open(url: &str) -> Result<Self> {
        let invalid = || {
            Error::new(ErrorKind::InvalidInput)
                .with_message("the Redis store URL is not a redis:// or rediss:// URL")
        };
        let mut url = url::Url::parse(url).map_err(|_| invalid())?;
        let mut prefix = DEFAULT_PREFIX.to_owned();
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter_map(|(name, value)| {
                if name == "prefix" {
                    prefix = value.into_owned();
                    None
                } else {
                    Some((name.into_owned(), value.into_owned()))
                }
            })
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
        let client = redis::Client::open(url.as_str()).map_err(|_| invalid())?;
        Ok(Self::from_client(client).with_prefix(prefix))
    }

    /// A store on an already configured client of the `redis` crate.
    pub fn from_client(client: redis::Client) -> Self {
        Self {
            shared: Arc::new(Shared {
                client,
                prefix: DEFAULT_PREFIX.to_owned(),
                lease: DEFAULT_LEASE,
                connection: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// Puts every key under `prefix` instead of [`DEFAULT_PREFIX`].
    #[must_use]
    pub fn with_prefix(self, prefix: impl Into<String>) -> Self {
        self.reshape(|shared| shared.prefix = prefix.into())
    }

    /// How long a refresh lock lasts unless extended (default [`DEFAULT_LEASE`], at least
    /// 1 s): the longest a dead holder keeps the others waiting.
    #[must_use]
    pub fn with_lease(self, lease: Duration) -> Self {
        self.reshape(|shared| shared.lease = lease.max(Duration::from_secs(1)))
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.shared.prefix
    }

    fn reshape(self, change: impl FnOnce(&mut Shared)) -> Self {
        let mut shared = Arc::try_unwrap(self.shared).unwrap_or_else(|shared| Shared {
            client: shared.client.clone(),
            prefix: shared.prefix.clone(),
            lease: shared.lease,
            connection: tokio::sync::Mutex::new(None),
        });
        change(&mut shared);
        Self {
            shared: Arc::new(shared),
        }
    }

    fn session_key(&self, key: &str) -> String {
        format!("{}session:{key}", self.shared.prefix)
    }
}

impl Shared {
    /// The connection, made first if there is none.
    pub(super) async fn connection(&self) -> Result<MultiplexedConnection> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT));
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|err| store_error("cannot connect to the Redis store", err))?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Runs `command` on the connection; a failure that may have broken the connection drops
    /// it, so the next call connects again (after a server restart, for example).
    pub(super) async fn run<T, F, Fut>(&self, what: &str, command: F) -> Result<T>
    where
        F: FnOnce(MultiplexedConnection) -> Fut + Send,
        Fut: Future<Output = redis::RedisResult<T>> + Send,
    {
        let connection = self.connection().await?;
        match command(connection).await {
            Ok(value) => Ok(value),
            Err(err) => {
                if err.is_io_error()
                    || err.is_connection_dropped()
                    || err.is_timeout()
                    || err.is_unrecoverable_error()
                {
                    *self.connection.lock().await = None;
                }
                Err(store_error(what, err))
            }
        }
    }

    pub(super) fn lease(&self) -> Duration {
        self.lease
    }
}

/// A Redis failure as a store error. The `redis` crate's messages name the command and the
/// server's answer, never the URL or the password.
pub(super) fn store_error(what: &str, err: redis::RedisError) -> Error {
    Error::store(what.to_owned(), err)
}

/// Seconds from now until the key of `session` may go, or `None` to keep it.
fn time_to_live(session: &Session) -> Option<u64> {
    let last_use = if session.refresh_token().is_some() {
        session.refresh_expires_at()?
    } else {
        session.expires_at()?
    };
    let seconds = (last_use + GRACE - Utc::now()).num_seconds();
    // A session already past its last use and grace still gets a moment, rather than an
    // error: the caller asked to keep it.
    Some(u64::try_from(seconds).unwrap_or(0).max(1))
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The connection info holds the password: only the address is shown.
        let info = self.shared.client.get_connection_info();
        f.debug_struct("RedisStore")
            .field("addr", &info.addr().to_string())
            .field("prefix", &self.shared.prefix)
            .field("lease", &self.shared.lease)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenStore for RedisStore {
    async fn load(&self, key: &str) -> Result<Option<Session>> {
        let redis_key = self.session_key(key);
        let json: Option<Vec<u8>> = self
            .shared
            .run("cannot read the Redis store", |mut c| async move {
                redis::cmd("GET").arg(redis_key).query_async(&mut c).await
            })
            .await?;
        json.map(|json| {
            serde_json::from_slice::<StoredSession>(&json)
                .map(Session::from)
                // serde_json's message names a line and column, never the content.
                .map_err(|err| Error::store(format!("{key:?} is not a stored session"), err))
        })
        .transpose()
    }

    async fn save(&self, key: &str, session: &Session) -> Result<()> {
        let json = serde_json::to_vec(&StoredSession::from(session))
            .map_err(|e| Error::store("cannot serialize the session", e))?;
        let redis_key = self.session_key(key);
        let ttl = time_to_live(session);
        self.shared
            .run("cannot write the Redis store", |mut c| async move {
                let mut set = redis::cmd("SET");
                set.arg(redis_key).arg(json);
                if let Some(seconds) = ttl {
                    set.arg("EX").arg(seconds);
                }
                set.query_async::<()>(&mut c).await
            })
            .await
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        let redis_key = self.session_key(key);
        let removed: u64 = self
            .shared
            .run("cannot write the Redis store", |mut c| async move {
                redis::cmd("DEL").arg(redis_key).query_async(&mut c).await
            })
            .await?;
        Ok(removed > 0)
    }

    async fn keys(&self) -> Result<Vec<String>> {
        let head = self.session_key("");
        let pattern = format!("{}*", glob_escape(&head));
        let found: Vec<String> = self
            .shared
            .run("cannot list the Redis store", |mut c| async move {
                let mut found = Vec::new();
                let mut cursor: u64 = 0;
                // SCAN, not KEYS: it never blocks a busy server for the whole key space.
                loop {
                    let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(500)
                        .query_async(&mut c)
                        .await?;
                    found.extend(batch);
                    if next == 0 {
                        return Ok(found);
                    }
                    cursor = next;
                }
            })
            .await?;
        let mut keys: Vec<String> = found
            .into_iter()
            .filter_map(|k| k.strip_prefix(&head).map(str::to_owned))
            .collect();
        keys.sort();
        keys.dedup(); // SCAN may return a key twice.
        Ok(keys)
    }

    async fn lock_refresh(&self, key: &str) -> Result<RefreshGuard> {
        let lock_key = format!("{}lock:{key}", self.shared.prefix);
        let lease: RedisLease = redis_lock::acquire(self.shared.clone(), lock_key).await?;
        Ok(RefreshGuard::new(lease))
    }
}

/// `text` with the characters that are special in a `MATCH` pattern escaped.
fn glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccessToken, RefreshToken, TokenScheme};

    #[test]
    fn the_url_sets_the_prefix_and_never_shows_the_password() {
        let store = RedisStore::open("redis://:hunter2@127.0.0.1:6390/3?prefix=bots:").unwrap();
        assert_eq!(store.prefix(), "bots:");
        let debug = format!("{store:?}");
        assert!(debug.contains("6390"), "{debug}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert_eq!(
            RedisStore::open("redis://h").unwrap().prefix(),
            DEFAULT_PREFIX
        );
        let err = RedisStore::open("http://:hunter2@h/").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn keys_live_until_the_session_cannot_be_used() {
        let base = Session::new("s", "u", AccessToken::new("t"), TokenScheme::Bearer);
        assert_eq!(time_to_live(&base), None, "no expiry: kept");
        let mut access_only = base.clone();
        access_only.set_expires_at(Some(Utc::now() + chrono::TimeDelta::hours(1)));
        let ttl = time_to_live(&access_only).unwrap();
        assert!((3600 + 290..=3600 + 300).contains(&ttl), "{ttl}");
        let refreshable = access_only
            .clone()
            .with_refresh_token(RefreshToken::new("r"), None);
        assert_eq!(
            time_to_live(&refreshable),
            None,
            "the refresh never expires"
        );
        let refreshable = access_only.with_refresh_token(
            RefreshToken::new("r"),
            Some(Utc::now() + chrono::TimeDelta::days(7)),
        );
        assert!(time_to_live(&refreshable).unwrap() > 7 * 86_400);
        let mut dead = base;
        dead.set_expires_at(Some(Utc::now() - chrono::TimeDelta::days(1)));
        assert_eq!(time_to_live(&dead), Some(1));
    }

    #[test]
    fn match_patterns_escape_the_prefix() {
        assert_eq!(glob_escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }
}
