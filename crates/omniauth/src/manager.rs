//! Keeps one account's session alive: a valid token on demand, refreshed at most once at a time.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use omniauth_types::{
    AccessToken, Authenticator, Credentials, Error, ErrorKind, ExposeSecret as _, LoginOutcome,
    Result, Session, TokenStore,
};
use tokio::sync::{Mutex, RwLock};

use crate::LogoutOutcome;

/// How long a token must still be valid when [`SessionManager::access_token`] hands it out,
/// unless set otherwise: 60 s.
pub const DEFAULT_MARGIN: Duration = Duration::from_secs(60);

/// One authenticator, one token store, one account key: hands out tokens that are valid for at
/// least a margin, refreshing (or extending) the session first when needed.
///
/// Concurrent callers that find the session about to expire cause exactly one refresh: the
/// first refreshes, the others wait for it and take its result (single flight). Across
/// processes, and machines where the store reaches them, the refresher first takes the
/// store's refresh lock ([`TokenStore::lock_refresh`]) and reads the store again: when
/// another process refreshed meanwhile, its session is taken and nothing is sent, so a
/// rotating refresh token is never used twice. The lock is held only while refreshing. When the
/// service's tokens live shorter than twice the margin, the margin shrinks to half a token's
/// lifetime, so that a fresh token is not refreshed again at once. A failed
/// refresh keeps the stored session and returns the error, so a passing network fault never
/// signs the user out.
///
/// ```no_run
/// # async fn run(authenticator: Box<dyn omniauth::Authenticator>) -> omniauth::Result<()> {
/// use omniauth::{Credentials, FileStore, Password, SessionManager};
///
/// let manager = SessionManager::new(authenticator, FileStore::new("sessions.json"), "goscrobble/alice");
/// if manager.session().await.is_err() {
///     manager.login(&Credentials::username("alice").with_password(Password::new("…"))).await?;
/// }
/// let token = manager.access_token().await?; // refreshed first if it expires within 60 s
/// # let _ = token; Ok(()) }
/// ```
pub struct SessionManager {
    authenticator: Arc<dyn Authenticator>,
    store: Arc<dyn TokenStore>,
    key: String,
    margin: Duration,
    /// The session as last loaded or saved; `None` until the store was read.
    current: RwLock<Option<Session>>,
    /// Held by the one caller that refreshes; the others wait on it, then re-read `current`.
    refreshing: Mutex<()>,
    /// Counts saves, so a caller that waited for the lock can tell that someone refreshed.
    generation: AtomicU64,
    /// The margin in force: `margin`, or half the lifetime of the last saved token when the
    /// service's tokens live shorter than twice the margin (else every call would refresh).
    effective_margin: std::sync::Mutex<Duration>,
}

impl SessionManager {
    /// A manager for the session stored under `key` (for example `goscrobble/alice`).
    pub fn new(
        authenticator: impl Into<Arc<dyn Authenticator>>,
        store: impl TokenStore + 'static,
        key: impl Into<String>,
    ) -> Self {
        Self::with_shared_store(authenticator, Arc::new(store), key)
    }

    /// Like [`SessionManager::new`], with a store shared with other managers.
    pub fn with_shared_store(
        authenticator: impl Into<Arc<dyn Authenticator>>,
        store: Arc<dyn TokenStore>,
        key: impl Into<String>,
    ) -> Self {
        Self {
            authenticator: authenticator.into(),
            store,
            key: key.into(),
            margin: DEFAULT_MARGIN,
            current: RwLock::new(None),
            refreshing: Mutex::new(()),
            generation: AtomicU64::new(0),
            effective_margin: std::sync::Mutex::new(DEFAULT_MARGIN),
        }
    }

    /// How long a handed-out token must still be valid (default 60 s).
    #[must_use]
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        *self
            .effective_margin
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = margin;
        self
    }

    /// The margin in force now (see [`SessionManager`]: it shrinks for short-lived tokens).
    pub fn margin(&self) -> Duration {
        *self
            .effective_margin
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The authenticator.
    pub fn authenticator(&self) -> &dyn Authenticator {
        self.authenticator.as_ref()
    }

    /// The store key of the account.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Logs in and, when that finishes at once, stores the session. A second factor or a
    /// pending confirmation is handed back: finish it, then [`save`](Self::save) the session.
    ///
    /// # Errors
    /// The authenticator's, or the store's.
    pub async fn login(&self, credentials: &Credentials) -> Result<LoginOutcome> {
        let outcome = self.authenticator.login(credentials).await?;
        if let LoginOutcome::Authenticated(session) = &outcome {
            self.learn_lifetime(session);
            self.save(session.clone()).await?;
        }
        Ok(outcome)
    }

    /// Stores `session` as the account's session.
    ///
    /// # Errors
    /// The store's.
    pub async fn save(&self, session: Session) -> Result<()> {
        self.store.save(&self.key, &session).await?;
        *self.current.write().await = Some(session);
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// The stored session as it is, without refreshing.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`] when no session is stored; the store's errors.
    pub async fn stored(&self) -> Result<Session> {
        self.load().await
    }

    /// A session whose token is valid for at least the margin, refreshed first if needed.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`] when nothing is stored or the session expired and cannot be
    /// refreshed (log in again); the refresh's own error otherwise (the stored session is kept).
    pub async fn session(&self) -> Result<Session> {
        let seen = self.generation.load(Ordering::SeqCst);
        let session = self.load().await?;
        if !session.expires_within(self.margin()) {
            return Ok(session);
        }
        let _flight = self.refreshing.lock().await;
        // Someone may have refreshed while this caller waited for the lock: take that result,
        // even when the service's tokens live shorter than the margin.
        let session = self.load().await?;
        let refreshed_meanwhile = self.generation.load(Ordering::SeqCst) != seen;
        if !session.expires_within(self.margin()) || (refreshed_meanwhile && !session.is_expired())
        {
            return Ok(session);
        }
        if !self.authenticator.capabilities().refresh {
            return Self::unrefreshable(self.authenticator.service(), session);
        }
        let lock = self.store.lock_refresh(&self.key).await?;
        // The lock's previous holder, in any process, may have refreshed: the store, not this
        // manager's copy, says what the session is now.
        let Some(latest) = self.store.load(&self.key).await? else {
            *self.current.write().await = None;
            return Err(self.not_logged_in());
        };
        let replaced =
            latest.access_token().expose_secret() != session.access_token().expose_secret();
        if (replaced && !latest.is_expired()) || !latest.expires_within(self.margin()) {
            self.learn_lifetime(&latest);
            *self.current.write().await = Some(latest.clone());
            self.generation.fetch_add(1, Ordering::SeqCst);
            return Ok(latest);
        }
        let refreshed = self.refresh_locked(latest).await;
        if let Err(err) = lock.release().await {
            // The session is saved; the lock lapses on its own.
            tracing::warn!(error = %err, "could not release the refresh lock");
        }
        refreshed
    }

    /// Refreshes `session` and saves the result; the caller holds the refresh lock.
    async fn refresh_locked(&self, session: Session) -> Result<Session> {
        tracing::debug!(
            service = self.authenticator.service(),
            "refreshing the session"
        );
        let mut refreshed = self.authenticator.refresh(&session).await?;
        // What the caller kept with the session (a base URL, a device id) outlives the token.
        for (key, value) in session.extras() {
            if refreshed.extra(key).is_none() {
                refreshed = refreshed.with_extra(key.to_owned(), value.to_owned());
            }
        }
        for (key, value) in session.secret_extras() {
            if refreshed.secret_extra(key).is_none() {
                refreshed = refreshed.with_secret_extra(key.clone(), value.clone());
            }
        }
        self.learn_lifetime(&refreshed);
        self.save(refreshed.clone()).await?;
        Ok(refreshed)
    }

    /// What [`session`](Self::session) answers for a session that needs a refresh the
    /// service cannot do.
    fn unrefreshable(service: &'static str, session: Session) -> Result<Session> {
        if session.is_expired() {
            return Err(Error::new(ErrorKind::Unauthorized)
                .with_service(service)
                .with_message(
                    "the session expired and this service cannot refresh it: log in again",
                ));
        }
        Ok(session)
    }

    /// An access token valid for at least the margin (see [`session`](Self::session)).
    ///
    /// # Errors
    /// As [`session`](Self::session).
    pub async fn access_token(&self) -> Result<AccessToken> {
        Ok(self.session().await?.access_token().clone())
    }

    /// Logs out on the server where the service can, then forgets the session, and says
    /// which of the two happened ([`LogoutOutcome`]). A server that already ended the
    /// session ([`ErrorKind::Unauthorized`]) is not an error; a service without a server
    /// logout (its authenticator lacks the capability or answers
    /// [`ErrorKind::Unsupported`]) only forgets it and says until when its tokens stay valid.
    ///
    /// # Errors
    /// The server's other errors (the session is then kept), or the store's.
    pub async fn logout(&self) -> Result<LogoutOutcome> {
        let session = match self.load().await {
            Ok(session) => session,
            Err(err) if err.kind() == &ErrorKind::Unauthorized => {
                return Ok(LogoutOutcome::NotStored);
            }
            Err(err) => return Err(err),
        };
        let outcome = if self.authenticator.capabilities().logout {
            match self.authenticator.logout(&session).await {
                Ok(()) => LogoutOutcome::ServerEnded,
                Err(err) if err.kind() == &ErrorKind::Unauthorized => LogoutOutcome::AlreadyEnded,
                Err(err) if err.kind() == &ErrorKind::Unsupported => {
                    LogoutOutcome::local_only(&session)
                }
                Err(err) => return Err(err),
            }
        } else {
            LogoutOutcome::local_only(&session)
        };
        self.store.delete(&self.key).await?;
        *self.current.write().await = None;
        Ok(outcome)
    }

    /// Shrinks the margin to half the lifetime of a token fresh from the server, when that is
    /// shorter than the margin.
    fn learn_lifetime(&self, fresh: &Session) {
        let lifetime = fresh
            .expires_at()
            .and_then(|at| (at - omniauth_types::chrono::Utc::now()).to_std().ok());
        let margin = lifetime.map_or(self.margin, |lifetime| self.margin.min(lifetime / 2));
        *self
            .effective_margin
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = margin;
    }

    async fn load(&self) -> Result<Session> {
        if let Some(session) = self.current.read().await.as_ref() {
            return Ok(session.clone());
        }
        let mut current = self.current.write().await;
        if current.is_none() {
            *current = self.store.load(&self.key).await?;
        }
        current.clone().ok_or_else(|| self.not_logged_in())
    }

    fn not_logged_in(&self) -> Error {
        Error::new(ErrorKind::Unauthorized)
            .with_service(self.authenticator.service())
            .with_message(format!(
                "not logged in (no session stored under {:?})",
                self.key
            ))
    }
}

impl fmt::Debug for SessionManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager")
            .field("service", &self.authenticator.service())
            .field("key", &self.key)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}
