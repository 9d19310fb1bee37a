//! A user's presence: hub `ReceiveStatusUpdate`, `BroadcastStatus`, and contacts'
//! `userStatus`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::id::UserId;
use super::session_info::{AccessLevel, OutputDevice, SessionInfo};
use super::time::{lenient, lenient_bool, null_as_default, null_as_empty};

open_enum!(
    /// Whether a user is online (names on receive, numbers 0–5 accepted).
    OnlineStatus {
        /// Offline.
        Offline = 0, "Offline";
        /// Online but shown offline.
        Invisible = 1, "Invisible";
        /// Away.
        Away = 2, "Away";
        /// Busy.
        Busy = 3, "Busy";
        /// Online.
        Online = 4, "Online";
        /// Online and sociable.
        Sociable = 5, "Sociable";
    }
);

open_enum!(
    /// What kind of program a user session is.
    SessionType {
        /// Not known.
        Unknown = 0, "Unknown";
        /// The full game.
        GraphicalClient = 1, "GraphicalClient";
        /// A chat-only client.
        ChatClient = 2, "ChatClient";
        /// A headless server.
        Headless = 3, "Headless";
        /// A bot.
        Bot = 4, "Bot";
    }
);

/// One session listed in a status, hidden behind its hash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserStatusSession {
    /// `upper-hex(SHA-256(sessionId + hashSalt))`.
    #[serde(deserialize_with = "null_as_default")]
    pub session_hash: String,
    /// Who may join.
    pub access_level: Option<AccessLevel>,
    /// Whether the session is hidden.
    #[serde(deserialize_with = "lenient_bool")]
    pub session_hidden: bool,
    /// Whether the user hosts it.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_host: bool,
    /// The key to follow the session (`ListenOnKey`).
    pub broadcast_key: Option<String>,
}

/// The public half of an RSA key; the API writes its members in `PascalCase`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RsaPublicKey {
    /// The exponent (base64).
    pub exponent: Option<String>,
    /// The modulus (base64).
    pub modulus: Option<String>,
    /// Private part, always null here.
    pub p: Option<String>,
    /// Private part, always null here.
    pub q: Option<String>,
    /// Private part, always null here.
    #[serde(rename = "DP")]
    pub dp: Option<String>,
    /// Private part, always null here.
    #[serde(rename = "DQ")]
    pub dq: Option<String>,
    /// Private part, always null here.
    pub inverse_q: Option<String>,
    /// Private part, always null here.
    pub d: Option<String>,
}

/// A user's presence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserStatus {
    /// Whose status.
    pub user_id: Option<UserId>,
    /// The user session (clients make one per run).
    pub user_session_id: Option<String>,
    /// What kind of program.
    pub session_type: Option<SessionType>,
    /// How the user sees the world.
    pub output_device: Option<OutputDevice>,
    /// Whether on a phone.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_mobile: bool,
    /// Whether present.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_present: bool,
    /// Online, away, …
    pub online_status: Option<OnlineStatus>,
    /// When last seen present.
    #[serde(deserialize_with = "lenient")]
    pub last_presence_timestamp: Option<DateTime<Utc>>,
    /// When the status last changed.
    #[serde(deserialize_with = "lenient")]
    pub last_status_change: Option<DateTime<Utc>>,
    /// The salt of [`UserStatusSession::session_hash`].
    pub hash_salt: Option<String>,
    /// The app version (may carry mod suffixes).
    pub app_version: Option<String>,
    /// The compatibility hash.
    pub compatibility_hash: Option<String>,
    /// The user's public key (wire name `publicRSAKey`).
    #[serde(rename = "publicRSAKey")]
    pub public_rsa_key: Option<RsaPublicKey>,
    /// The sessions the user is in.
    #[serde(deserialize_with = "null_as_empty")]
    pub sessions: Vec<UserStatusSession>,
    /// Which of them is current (-1: none).
    #[serde(deserialize_with = "null_as_default")]
    pub current_session_index: i32,
}

impl Default for UserStatus {
    fn default() -> Self {
        Self {
            user_id: None,
            user_session_id: None,
            session_type: None,
            output_device: None,
            is_mobile: false,
            is_present: false,
            online_status: None,
            last_presence_timestamp: None,
            last_status_change: None,
            hash_salt: None,
            app_version: None,
            compatibility_hash: None,
            public_rsa_key: None,
            sessions: Vec::new(),
            current_session_index: -1,
        }
    }
}

impl UserStatus {
    /// Finds which of `known` sessions the status lists, by hashing each session id with the
    /// status's `hashSalt` ([`session_hash`](super::session_hash)). Returns the session and
    /// the status's entry for it; `None` without a salt or a match.
    pub fn find_session<'a>(
        &'a self,
        known: &'a [SessionInfo],
    ) -> Option<(&'a SessionInfo, &'a UserStatusSession)> {
        let salt = self.hash_salt.as_deref()?;
        known.iter().find_map(|session| {
            let hash = super::session_hash(session.session_id.as_str(), salt);
            self.sessions
                .iter()
                .find(|entry| entry.session_hash.eq_ignore_ascii_case(&hash))
                .map(|entry| (session, entry))
        })
    }

    /// The session the status marks current, by [`current_session_index`](Self::current_session_index).
    pub fn current_session(&self) -> Option<&UserStatusSession> {
        usize::try_from(self.current_session_index)
            .ok()
            .and_then(|index| self.sessions.get(index))
    }
}
