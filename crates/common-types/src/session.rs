//! What a login yields, for any service.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use http::{HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

use crate::secret::{AccessToken, ExposeSecret, RefreshToken, SessionSecret};

/// How a session's access token is sent on later calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TokenScheme {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: <scheme> <token>`.
    Authorization {
        /// The scheme word, e.g. `Token`.
        scheme: String,
    },
    /// `Authorization: <scheme> <user id>:<token>` (Resonite's `res` scheme).
    UserAuthorization {
        /// The scheme word, e.g. `res`.
        scheme: String,
    },
    /// `<header>: <token>`, a header of its own.
    Header {
        /// The header name.
        name: String,
    },
    /// The service takes the token inside the request body or query; the service crate
    /// puts it there, and no header is sent.
    InRequest,
}

impl TokenScheme {
    /// The header that carries `token` for `user_id` under this scheme, marked sensitive so
    /// that `http`'s `Debug` hides it. `None` for [`TokenScheme::InRequest`] or when the
    /// value cannot be a header (a control character in it).
    pub fn header(&self, user_id: &str, token: &AccessToken) -> Option<(HeaderName, HeaderValue)> {
        let token = token.expose_secret();
        let (name, value) = match self {
            Self::Bearer => (http::header::AUTHORIZATION, format!("Bearer {token}")),
            Self::Authorization { scheme } => {
                (http::header::AUTHORIZATION, format!("{scheme} {token}"))
            }
            Self::UserAuthorization { scheme } => (
                http::header::AUTHORIZATION,
                format!("{scheme} {user_id}:{token}"),
            ),
            Self::Header { name } => (HeaderName::try_from(name.as_str()).ok()?, token.to_owned()),
            Self::InRequest => return None,
        };
        let mut value = HeaderValue::try_from(value).ok()?;
        value.set_sensitive(true);
        Some((name, value))
    }
}

/// A signed-in account of one service: who, the token, how to send it, and until when.
///
/// A `Session` is built by a service crate and handed back to it for authenticated calls;
/// one client serves many sessions. Its `Debug` never shows a token. A service name, extra key
/// or extra value given as a `&'static str` is kept without a copy: a refresh builds a
/// session on every call.
///
/// ```
/// use omniauth_types::{AccessToken, Session, TokenScheme};
/// use std::time::Duration;
///
/// let session = Session::new("goscrobble", "b2c7…", AccessToken::new("jwt"), TokenScheme::Bearer)
///     .with_username("alice")
///     .with_expires_at(chrono::Utc::now() + chrono::Duration::seconds(30));
/// assert!(session.expires_within(Duration::from_secs(60)));
/// assert!(!session.is_expired());
/// assert!(!format!("{session:?}").contains("jwt"));
/// ```
#[derive(Clone)]
pub struct Session {
    service: Cow<'static, str>,
    user_id: String,
    username: Option<String>,
    access_token: AccessToken,
    scheme: TokenScheme,
    expires_at: Option<DateTime<Utc>>,
    refresh_token: Option<RefreshToken>,
    refresh_expires_at: Option<DateTime<Utc>>,
    /// Sorted by key, keys unique: sessions hold a handful, and a `Vec` of them is one
    /// allocation where a map is one per key and value besides its node.
    extra: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    secret_extra: BTreeMap<String, SessionSecret>,
}

impl Session {
    /// A session for `user_id` of `service`, with its token and how the token is sent.
    pub fn new(
        service: impl Into<Cow<'static, str>>,
        user_id: impl Into<String>,
        access_token: AccessToken,
        scheme: TokenScheme,
    ) -> Self {
        Self {
            service: service.into(),
            user_id: user_id.into(),
            username: None,
            access_token,
            scheme,
            expires_at: None,
            refresh_token: None,
            refresh_expires_at: None,
            extra: Vec::new(),
            secret_extra: BTreeMap::new(),
        }
    }

    /// Sets the username, when the service tells it.
    #[must_use]
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Sets when the access token stops working.
    #[must_use]
    pub fn with_expires_at(mut self, expires_at: DateTime<Utc>) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// Sets the refresh token and, when known, when it stops working.
    #[must_use]
    pub fn with_refresh_token(
        mut self,
        token: RefreshToken,
        expires_at: Option<DateTime<Utc>>,
    ) -> Self {
        self.refresh_token = Some(token);
        self.refresh_expires_at = expires_at;
        self
    }

    /// Keeps a non-secret, service-specific value with the session (a device id, a dialect),
    /// replacing one kept under the same key.
    ///
    /// ```
    /// use omniauth_types::{AccessToken, Session, TokenScheme};
    ///
    /// let session = Session::new("burgerauth", "u-1", AccessToken::new("t"), TokenScheme::Bearer)
    ///     .with_extra("dialect", "1.2")
    ///     .with_extra("dialect", String::from("1.3"));
    /// assert_eq!(session.extra("dialect"), Some("1.3"));
    /// ```
    #[must_use]
    pub fn with_extra(
        mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> Self {
        let (key, value) = (key.into(), value.into());
        match self.extra_at(&key) {
            Ok(at) => self.extra[at].1 = value,
            Err(at) => self.extra.insert(at, (key, value)),
        }
        self
    }

    /// Keeps a service-specific secret with the session (a device secret). Its `Debug` shows
    /// the key only; a token store writes the value like the tokens.
    #[must_use]
    pub fn with_secret_extra(mut self, key: impl Into<String>, value: SessionSecret) -> Self {
        self.secret_extra.insert(key.into(), value);
        self
    }

    /// A service-specific secret kept with the session.
    pub fn secret_extra(&self, key: &str) -> Option<&SessionSecret> {
        self.secret_extra.get(key)
    }

    /// Every service-specific secret kept with the session.
    pub fn secret_extras(&self) -> &BTreeMap<String, SessionSecret> {
        &self.secret_extra
    }

    /// Replaces the access token, keeping everything else (after a refresh).
    #[must_use]
    pub fn with_access_token(mut self, token: AccessToken) -> Self {
        self.access_token = token;
        self
    }

    /// Moves or clears the expiry (after an extend).
    pub fn set_expires_at(&mut self, expires_at: Option<DateTime<Utc>>) {
        self.expires_at = expires_at;
    }

    /// The service this session belongs to (`resonite`, `burgerauth`, …).
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The service's id of the user.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The username, when the service told it.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The access token. Use [`ExposeSecret`] only to send it.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// How the token is sent.
    pub fn scheme(&self) -> &TokenScheme {
        &self.scheme
    }

    /// The header that authorizes a call with this session (see [`TokenScheme::header`]).
    pub fn auth_header(&self) -> Option<(HeaderName, HeaderValue)> {
        self.scheme.header(&self.user_id, &self.access_token)
    }

    /// When the access token stops working; `None` when the service does not say.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }

    /// The refresh token, when the service issued one.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// When the refresh token stops working, when known.
    pub fn refresh_expires_at(&self) -> Option<DateTime<Utc>> {
        self.refresh_expires_at
    }

    /// A service-specific value kept with the session.
    pub fn extra(&self, key: &str) -> Option<&str> {
        self.extra_at(key).ok().map(|at| self.extra[at].1.as_ref())
    }

    /// Where `key` is in the sorted extras, or where it would go.
    fn extra_at(&self, key: &str) -> Result<usize, usize> {
        self.extra.binary_search_by(|(k, _)| k.as_ref().cmp(key))
    }

    /// Every service-specific value kept with the session, as `(key, value)` in key order.
    ///
    /// ```
    /// use omniauth_types::{AccessToken, Session, TokenScheme};
    ///
    /// let session = Session::new("goscrobble", "u-1", AccessToken::new("t"), TokenScheme::Bearer)
    ///     .with_extra("mod", "false")
    ///     .with_extra("admin", "true");
    /// let extras: Vec<_> = session.extras().collect();
    /// assert_eq!(extras, [("admin", "true"), ("mod", "false")]);
    /// ```
    pub fn extras(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.extra.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
    }

    /// Whether the token expires within `margin` from now (or has expired). A session without
    /// a known expiry never does.
    pub fn expires_within(&self, margin: Duration) -> bool {
        self.expires_within_at(margin, Utc::now())
    }

    /// [`Session::expires_within`] as seen at `now`.
    pub fn expires_within_at(&self, margin: Duration, now: DateTime<Utc>) -> bool {
        let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::TimeDelta::MAX);
        match self.expires_at {
            Some(expires_at) => now
                .checked_add_signed(margin)
                .is_none_or(|limit| expires_at <= limit),
            None => false,
        }
    }

    /// Whether the token has expired.
    pub fn is_expired(&self) -> bool {
        self.expires_within(Duration::ZERO)
    }

    /// Whether a refresh token is there and not known to have expired.
    pub fn can_refresh(&self) -> bool {
        self.refresh_token.is_some() && self.refresh_expires_at.is_none_or(|at| at > Utc::now())
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("service", &self.service)
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .field("access_token", &self.access_token)
            .field("scheme", &self.scheme)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("extra", &ExtrasDebug(&self.extra))
            .field("secret_extra", &self.secret_extra)
            .finish()
    }
}

/// The serialized form of a [`Session`], secrets in clear text, for token stores only.
///
/// This is the one place a secret is serialized: a [`TokenStore`](crate::TokenStore) writes
/// it and reads it back. Its `Debug` is redacted like the session's.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredSession {
    service: String,
    user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    access_token: String,
    scheme: TokenScheme,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    extra: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    secret_extra: BTreeMap<String, String>,
}

impl From<&Session> for StoredSession {
    fn from(session: &Session) -> Self {
        Self {
            service: session.service.clone().into_owned(),
            user_id: session.user_id.clone(),
            username: session.username.clone(),
            access_token: session.access_token.expose_secret().to_owned(),
            scheme: session.scheme.clone(),
            expires_at: session.expires_at,
            refresh_token: session
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            refresh_expires_at: session.refresh_expires_at,
            extra: session
                .extras()
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect(),
            secret_extra: session
                .secret_extra
                .iter()
                .map(|(key, value)| (key.clone(), value.expose_secret().to_owned()))
                .collect(),
        }
    }
}

impl From<StoredSession> for Session {
    fn from(stored: StoredSession) -> Self {
        Self {
            service: Cow::Owned(stored.service),
            user_id: stored.user_id,
            username: stored.username,
            access_token: AccessToken::new(stored.access_token),
            scheme: stored.scheme,
            expires_at: stored.expires_at,
            refresh_token: stored.refresh_token.map(RefreshToken::new),
            refresh_expires_at: stored.refresh_expires_at,
            // A `BTreeMap` iterates in key order: the pairs come sorted and unique.
            extra: stored
                .extra
                .into_iter()
                .map(|(key, value)| (Cow::Owned(key), Cow::Owned(value)))
                .collect(),
            secret_extra: stored
                .secret_extra
                .into_iter()
                .map(|(key, value)| (key, SessionSecret::new(value)))
                .collect(),
        }
    }
}

/// The extras shown as a map, as they were when they were one.
struct ExtrasDebug<'a>(&'a [(Cow<'static, str>, Cow<'static, str>)]);

impl fmt::Debug for ExtrasDebug<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

impl fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&Session::from(self.clone()), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session::new(
            "resonite",
            "U-alice",
            AccessToken::new("tok-123"),
            TokenScheme::Bearer,
        )
    }

    #[test]
    fn expiry_margin_is_inclusive_and_unknown_expiry_never_expires() {
        let now = Utc::now();
        let s = session().with_expires_at(now + chrono::Duration::seconds(60));
        assert!(s.expires_within_at(Duration::from_secs(60), now));
        assert!(!s.expires_within_at(Duration::from_secs(59), now));
        assert!(s.expires_within_at(Duration::MAX, now));
        assert!(!session().expires_within(Duration::MAX));
        assert!(
            session()
                .with_expires_at(now - chrono::Duration::seconds(1))
                .is_expired()
        );
    }

    #[test]
    fn headers_follow_the_scheme_and_are_sensitive() {
        let s = session();
        let (name, value) = s.auth_header().unwrap();
        assert_eq!(name, http::header::AUTHORIZATION);
        assert_eq!(value.to_str().unwrap(), "Bearer tok-123");
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("tok-123"));

        let res = TokenScheme::UserAuthorization {
            scheme: "res".into(),
        };
        let (_, value) = res.header("U-alice", s.access_token()).unwrap();
        assert_eq!(value.to_str().unwrap(), "res U-alice:tok-123");

        let custom = TokenScheme::Header {
            name: "X-Token".into(),
        };
        let (name, value) = custom.header("u", s.access_token()).unwrap();
        assert_eq!(name.as_str(), "x-token");
        assert_eq!(value.to_str().unwrap(), "tok-123");

        assert!(
            TokenScheme::InRequest
                .header("u", s.access_token())
                .is_none()
        );
        assert!(
            TokenScheme::Bearer
                .header("u", &AccessToken::new("a\nb"))
                .is_none()
        );
    }

    #[test]
    fn debug_redacts_both_tokens() {
        let s = session()
            .with_refresh_token(RefreshToken::new("ref-456"), None)
            .with_secret_extra("machine", SessionSecret::new("machine-789"));
        for text in [format!("{s:?}"), format!("{:?}", StoredSession::from(&s))] {
            assert!(
                !text.contains("tok-123") && !text.contains("ref-456"),
                "{text}"
            );
            assert!(text.contains("AccessToken([redacted])"));
            assert!(!text.contains("machine-789"), "{text}");
            assert!(text.contains("SessionSecret([redacted])"), "{text}");
        }
        assert!(s.can_refresh());
    }

    #[test]
    fn extras_stay_sorted_and_unique() {
        let s = session()
            .with_extra("mod", "false")
            .with_extra("admin", "false")
            .with_extra(String::from("email"), String::from("a@b.c"))
            .with_extra("admin", "true");
        assert_eq!(
            s.extras().collect::<Vec<_>>(),
            [("admin", "true"), ("email", "a@b.c"), ("mod", "false")]
        );
        assert_eq!(s.extra("email"), Some("a@b.c"));
        assert_eq!(s.extra("missing"), None);
        assert!(
            format!("{s:?}")
                .contains(r#"extra: {"admin": "true", "email": "a@b.c", "mod": "false"}"#)
        );
        let back = Session::from(StoredSession::from(&s));
        assert_eq!(
            back.extras().collect::<Vec<_>>(),
            s.extras().collect::<Vec<_>>()
        );
    }

    #[test]
    fn stored_form_round_trips() {
        let s = session()
            .with_username("alice")
            .with_extra("machine_id", "m-1")
            .with_secret_extra("machine_secret", SessionSecret::new("ms-1"))
            .with_refresh_token(RefreshToken::new("ref-456"), Some(Utc::now()));
        let json = serde_json::to_string(&StoredSession::from(&s)).unwrap();
        let back: Session = serde_json::from_str::<StoredSession>(&json).unwrap().into();
        assert_eq!(back.access_token().expose_secret(), "tok-123");
        assert_eq!(back.refresh_token().unwrap().expose_secret(), "ref-456");
        assert_eq!(back.username(), Some("alice"));
        assert_eq!(back.extra("machine_id"), Some("m-1"));
        assert_eq!(
            back.secret_extra("machine_secret").unwrap().expose_secret(),
            "ms-1"
        );
        assert_eq!(back.scheme(), &TokenScheme::Bearer);
    }
}
