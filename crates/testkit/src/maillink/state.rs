//! The emulated server's accounts, pending logins and outbox.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore as _;

/// The emulator's options.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) login_lifetime: Duration,
    pub(crate) single_use: bool,
    pub(crate) clock_skew: TimeDelta,
    pub(crate) confirm_after_polls: Option<u32>,
}

/// Where a login stands on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginState {
    /// Waiting for the user to follow the link.
    Pending,
    /// The link was followed; the next poll gets the token.
    Confirmed,
    /// A poll got the token (and, with single use, the id is spent).
    Consumed,
    /// The lifetime ran out (or a test expired it).
    Expired,
}

/// A confirmation email the server "sent".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEmail {
    /// The address it went to.
    pub to: String,
    /// The account.
    pub username: String,
    /// The login's id (a secret: whoever polls it gets the session).
    pub auth_id: String,
    /// The link to follow (the testkit-only confirm route).
    pub link: String,
    /// The `session_platform` of the device asking to sign in, as the email would show it.
    pub session_platform: String,
}

struct Account {
    email: Option<String>,
    /// `(token, session_platform)` of every session opened.
    sessions: Vec<(String, String)>,
}

struct Login {
    username: String,
    platform: String,
    expires_at: DateTime<Utc>,
    state: LoginState,
    polls: u32,
}

#[derive(Default)]
struct Data {
    accounts: HashMap<String, Account>,
    logins: HashMap<String, Login>,
    outbox: Vec<SentEmail>,
}

/// Why a request was refused, as the route answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    UsernameTaken,
    EmailTaken,
    UserNotFound,
    NotAuthorized,
}

/// The state shared by the routes and the handle.
pub(crate) struct Shared {
    config: Config,
    origin: OnceLock<String>,
    /// Seconds the clock was moved by `advance_clock`, on top of the builder's skew. Apart
    /// from `data` so that `now()` can be read while `data` is locked.
    advanced_secs: AtomicI64,
    data: Mutex<Data>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            config,
            origin: OnceLock::new(),
            advanced_secs: AtomicI64::new(0),
            data: Mutex::default(),
        }
    }

    pub(crate) fn set_origin(&self, base_url: &str) {
        let _ = self.origin.set(base_url.to_owned());
    }

    /// The server's clock: the machine's, moved by the skew and by every `advance_clock`
    /// (saturating at the ends of time, never panicking).
    pub(crate) fn now(&self) -> DateTime<Utc> {
        // `TimeDelta` holds up to `i64::MAX` milliseconds.
        const LIMIT: i64 = i64::MAX / 1_000;
        let secs = self
            .advanced_secs
            .load(Ordering::Relaxed)
            .clamp(-LIMIT, LIMIT);
        let advanced = TimeDelta::try_seconds(secs).unwrap_or_default();
        // Two deltas overflow only when both point the same way, as `advanced` does.
        let moved = self
            .config
            .clock_skew
            .checked_add(&advanced)
            .unwrap_or(if secs > 0 {
                TimeDelta::MAX
            } else {
                TimeDelta::MIN
            });
        Utc::now()
            .checked_add_signed(moved)
            .unwrap_or(if moved > TimeDelta::zero() {
                DateTime::<Utc>::MAX_UTC
            } else {
                DateTime::<Utc>::MIN_UTC
            })
    }

    /// Moves the clock by `secs` (negative: back); the total saturates.
    pub(crate) fn advance_clock(&self, secs: i64) {
        let _ = self
            .advanced_secs
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |total| {
                Some(total.saturating_add(secs))
            });
    }

    /// What a restart of the service loses (assumed, the server is not public): the
    /// pending logins and the sessions. Accounts stay; so does the outbox, which stands
    /// for mail already delivered.
    pub(crate) fn restart(&self) {
        let mut data = self.lock();
        data.logins.clear();
        for account in data.accounts.values_mut() {
            account.sessions.clear();
        }
    }

    fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn add_account(&self, username: &str, email: Option<&str>) {
        self.lock().accounts.insert(
            username.to_owned(),
            Account {
                email: email.map(str::to_owned),
                sessions: Vec::new(),
            },
        );
    }

    /// `POST /auth/registration`: a new account with its first session.
    pub(crate) fn register(
        &self,
        username: &str,
        email: Option<&str>,
        platform: &str,
    ) -> Result<String, Refusal> {
        let mut data = self.lock();
        if data.accounts.contains_key(username) {
            return Err(Refusal::UsernameTaken);
        }
        if let Some(email) = email
            && data.accounts.values().any(|account| {
                account
                    .email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
            })
        {
            return Err(Refusal::EmailTaken);
        }
        let token = new_token();
        data.accounts.insert(
            username.to_owned(),
            Account {
                email: email.map(str::to_owned),
                sessions: vec![(token.clone(), platform.to_owned())],
            },
        );
        Ok(token)
    }

    /// `POST /auth/login`: a pending login and its email; the id and the expiry.
    pub(crate) fn start_login(
        &self,
        username: &str,
        email: &str,
        platform: &str,
    ) -> Result<(String, DateTime<Utc>), Refusal> {
        let mut data = self.lock();
        let known = data.accounts.get(username).is_some_and(|account| {
            account
                .email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        });
        if !known {
            return Err(Refusal::UserNotFound);
        }
        let auth_id = uuid::Uuid::new_v4().hyphenated().to_string();
        let lifetime = TimeDelta::from_std(self.config.login_lifetime).unwrap_or(TimeDelta::MAX);
        let expires_at = self
            .now()
            .checked_add_signed(lifetime)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        data.logins.insert(
            auth_id.clone(),
            Login {
                username: username.to_owned(),
                platform: platform.to_owned(),
                expires_at,
                state: LoginState::Pending,
                polls: 0,
            },
        );
        let link = format!(
            "{}{}",
            self.origin.get().map_or("", String::as_str),
            crate::maillink::CONFIRM_ROUTE.replace("{auth_id}", &auth_id)
        );
        data.outbox.push(SentEmail {
            to: email.to_owned(),
            username: username.to_owned(),
            auth_id: auth_id.clone(),
            link,
            session_platform: platform.to_owned(),
        });
        Ok((auth_id, expires_at))
    }

    /// `GET /auth/session/{auth_id}`: the token once confirmed, else the documented refusal.
    pub(crate) fn poll(&self, auth_id: &str) -> Result<String, Refusal> {
        let now = self.now();
        let single_use = self.config.single_use;
        let confirm_after = self.config.confirm_after_polls;
        let mut data = self.lock();
        let Some(login) = data.logins.get_mut(auth_id) else {
            return Err(Refusal::NotAuthorized);
        };
        refresh_state(login, now);
        login.polls = login.polls.saturating_add(1);
        if login.state == LoginState::Pending
            && confirm_after.is_some_and(|after| login.polls > after)
        {
            login.state = LoginState::Confirmed;
        }
        match login.state {
            LoginState::Confirmed => {}
            LoginState::Consumed if !single_use => {}
            _ => return Err(Refusal::NotAuthorized),
        }
        login.state = LoginState::Consumed;
        let username = login.username.clone();
        let platform = login.platform.clone();
        let token = new_token();
        if let Some(account) = data.accounts.get_mut(&username) {
            account.sessions.push((token.clone(), platform));
        }
        Ok(token)
    }

    pub(crate) fn confirm(&self, auth_id: &str) -> bool {
        let now = self.now();
        let mut data = self.lock();
        let Some(login) = data.logins.get_mut(auth_id) else {
            return false;
        };
        refresh_state(login, now);
        if login.state != LoginState::Pending {
            return false;
        }
        login.state = LoginState::Confirmed;
        true
    }

    pub(crate) fn expire(&self, auth_id: &str) -> bool {
        let mut data = self.lock();
        let Some(login) = data.logins.get_mut(auth_id) else {
            return false;
        };
        login.state = LoginState::Expired;
        true
    }

    pub(crate) fn login_state(&self, auth_id: &str) -> Option<LoginState> {
        let now = self.now();
        let mut data = self.lock();
        let login = data.logins.get_mut(auth_id)?;
        refresh_state(login, now);
        Some(login.state)
    }

    pub(crate) fn poll_count(&self, auth_id: &str) -> u32 {
        self.lock()
            .logins
            .get(auth_id)
            .map_or(0, |login| login.polls)
    }

    pub(crate) fn outbox(&self) -> Vec<SentEmail> {
        self.lock().outbox.clone()
    }

    pub(crate) fn token_owner(&self, token: &str) -> Option<String> {
        self.lock()
            .accounts
            .iter()
            .find(|(_, account)| account.sessions.iter().any(|(t, _)| t == token))
            .map(|(name, _)| name.clone())
    }

    pub(crate) fn sessions_of(&self, username: &str) -> Vec<String> {
        self.lock()
            .accounts
            .get(username)
            .map(|account| account.sessions.iter().map(|(_, p)| p.clone()).collect())
            .unwrap_or_default()
    }
}

/// A pending or confirmed login past its expiry is expired; a consumed one stays consumed.
fn refresh_state(login: &mut Login, now: DateTime<Utc>) {
    if matches!(login.state, LoginState::Pending | LoginState::Confirmed) && now >= login.expires_at
    {
        login.state = LoginState::Expired;
    }
}

/// 256 random bytes in URL-safe base64 with padding: the shape of the wiki's example token.
fn new_token() -> String {
    let mut bytes = [0_u8; 256];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(single_use: bool) -> Shared {
        Shared::new(Config {
            login_lifetime: Duration::from_secs(60),
            single_use,
            clock_skew: TimeDelta::zero(),
            confirm_after_polls: None,
        })
    }

    #[test]
    fn tokens_look_like_the_documented_one() {
        let token = new_token();
        assert_eq!(token.len(), 344);
        assert!(token.ends_with("=="));
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_=".contains(&b))
        );
    }

    #[test]
    fn a_login_is_pending_until_confirmed_and_then_single_use() {
        let server = shared(true);
        server.add_account("alice", Some("Alice@Example.com"));
        assert_eq!(
            server.start_login("alice", "bob@example.com", "cli"),
            Err(Refusal::UserNotFound)
        );
        let (id, _) = server
            .start_login("alice", "alice@example.com", "cli")
            .unwrap();
        assert_eq!(server.poll(&id), Err(Refusal::NotAuthorized));
        assert!(server.confirm(&id));
        assert!(!server.confirm(&id), "already confirmed");
        let token = server.poll(&id).unwrap();
        assert_eq!(server.token_owner(&token).as_deref(), Some("alice"));
        assert_eq!(server.poll(&id), Err(Refusal::NotAuthorized));
        assert_eq!(server.poll_count(&id), 3);
        assert_eq!(server.login_state(&id), Some(LoginState::Consumed));
        assert_eq!(server.poll("not-an-id"), Err(Refusal::NotAuthorized));
    }

    #[test]
    fn repeatable_success_and_expiry() {
        let server = shared(false);
        server.add_account("bob", Some("bob@example.com"));
        let (id, _) = server.start_login("bob", "bob@example.com", "web").unwrap();
        assert!(server.confirm(&id));
        let first = server.poll(&id).unwrap();
        let second = server.poll(&id).unwrap();
        assert_ne!(first, second);
        assert_eq!(server.sessions_of("bob"), vec!["web", "web"]);
        let (other, _) = server.start_login("bob", "bob@example.com", "web").unwrap();
        assert!(server.expire(&other));
        assert!(!server.confirm(&other));
        assert_eq!(server.poll(&other), Err(Refusal::NotAuthorized));
    }

    #[test]
    fn the_clock_expires_logins_and_moves_their_expiry() {
        let server = shared(true);
        server.add_account("alice", Some("alice@example.com"));
        let (id, first_expiry) = server
            .start_login("alice", "alice@example.com", "cli")
            .unwrap();
        server.advance_clock(59);
        assert_eq!(server.login_state(&id), Some(LoginState::Pending));
        server.advance_clock(1);
        assert_eq!(server.login_state(&id), Some(LoginState::Expired));
        assert!(!server.confirm(&id));
        let (_, expiry) = server
            .start_login("alice", "alice@example.com", "cli")
            .unwrap();
        assert!(expiry >= first_expiry + TimeDelta::seconds(60));
        // Going back does not revive an expired login; the ends of time do not panic.
        server.advance_clock(-120);
        assert_eq!(server.login_state(&id), Some(LoginState::Expired));
        server.advance_clock(i64::MAX);
        assert_eq!(server.now(), DateTime::<Utc>::MAX_UTC);
        server.advance_clock(i64::MIN);
        server.advance_clock(i64::MIN);
        assert_eq!(server.now(), DateTime::<Utc>::MIN_UTC);
    }

    #[test]
    fn the_clock_moves_on_top_of_the_skew() {
        let server = Shared::new(Config {
            login_lifetime: Duration::from_secs(60),
            single_use: true,
            clock_skew: TimeDelta::seconds(-3_600),
            confirm_after_polls: None,
        });
        server.advance_clock(7_200);
        let ahead = server.now() - Utc::now();
        assert!(
            (TimeDelta::seconds(3_599)..=TimeDelta::seconds(3_601)).contains(&ahead),
            "{ahead}"
        );
    }

    #[test]
    fn a_restart_drops_logins_and_sessions_and_keeps_accounts() {
        let server = shared(true);
        server.add_account("alice", Some("alice@example.com"));
        let (id, _) = server
            .start_login("alice", "alice@example.com", "cli")
            .unwrap();
        assert!(server.confirm(&id));
        let token = server.poll(&id).unwrap();
        let (pending, _) = server
            .start_login("alice", "alice@example.com", "cli")
            .unwrap();
        server.restart();
        assert_eq!(server.login_state(&pending), None);
        assert_eq!(server.poll(&pending), Err(Refusal::NotAuthorized));
        assert_eq!(server.token_owner(&token), None);
        assert!(server.sessions_of("alice").is_empty());
        assert_eq!(server.outbox().len(), 2, "mail already sent stays sent");
        assert!(
            server
                .start_login("alice", "alice@example.com", "cli")
                .is_ok()
        );
        assert_eq!(
            server.register("alice", None, "cli"),
            Err(Refusal::UsernameTaken)
        );
    }

    #[test]
    fn registration_refuses_taken_names_and_emails() {
        let server = shared(true);
        assert!(server.register("carol", None, "cURL").is_ok());
        assert_eq!(
            server.register("carol", None, "cURL"),
            Err(Refusal::UsernameTaken)
        );
        assert!(server.register("dave", Some("d@example.com"), "x").is_ok());
        assert_eq!(
            server.register("eve", Some("D@example.com"), "x"),
            Err(Refusal::EmailTaken)
        );
        // An account without an email can never use the email-link login.
        assert_eq!(
            server.start_login("carol", "c@example.com", "x"),
            Err(Refusal::UserNotFound)
        );
    }
}
