//! What [`SessionManager::logout`](crate::SessionManager::logout) did, so that nobody has to
//! guess whether the server was told.

use omniauth_types::Session;
use omniauth_types::chrono::{DateTime, Utc};

/// The result of [`SessionManager::logout`](crate::SessionManager::logout). In every case the
/// stored session is gone; the variants say what the server knows.
///
/// ```
/// use omniauth::LogoutOutcome;
///
/// let outcome = LogoutOutcome::ServerEnded;
/// assert!(outcome.server_logout());
/// assert!(outcome.still_valid_until().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogoutOutcome {
    /// The server ended the session: its tokens no longer work.
    ServerEnded,
    /// The server had already ended the session (expired, revoked, or forgotten in a
    /// restart); only the stored copy was removed.
    AlreadyEnded,
    /// The service offers no way to end a session on the server (GoScrobble's JWTs,
    /// Burgerauth 1.3's keys, email-link sessions): the stored copy was removed, but whoever
    /// holds a copy of the token can still use it.
    LocalOnly {
        /// When the access token stops working (`None`: it does not expire, or the service
        /// did not say; Burgerauth 1.3's keys live until the server restarts).
        access_expires_at: Option<DateTime<Utc>>,
        /// When the refresh token, which can mint new access tokens, stops working
        /// (`None` when the session had none or its expiry is unknown).
        refresh_expires_at: Option<DateTime<Utc>>,
        /// Whether the session held a refresh token.
        had_refresh_token: bool,
    },
    /// No session was stored under the key: nothing to do.
    NotStored,
}

impl LogoutOutcome {
    /// The outcome for a service that cannot end `session` on the server.
    pub(crate) fn local_only(session: &Session) -> Self {
        Self::LocalOnly {
            access_expires_at: session.expires_at(),
            refresh_expires_at: session.refresh_expires_at(),
            had_refresh_token: session.refresh_token().is_some(),
        }
    }

    /// Whether the server ended the session in this call.
    pub fn server_logout(&self) -> bool {
        matches!(self, Self::ServerEnded)
    }

    /// For [`LocalOnly`](Self::LocalOnly): the last moment a copy of the session's tokens can
    /// still be used (the later of the access and refresh expiries); `None` otherwise, or
    /// when the expiry is unknown.
    pub fn still_valid_until(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::LocalOnly {
                access_expires_at,
                refresh_expires_at,
                had_refresh_token,
            } => {
                if *had_refresh_token {
                    // A refresh token of unknown lifetime makes the whole session's unknown.
                    refresh_expires_at
                        .map(|refresh| access_expires_at.map_or(refresh, |a| a.max(refresh)))
                } else {
                    *access_expires_at
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use omniauth_types::chrono::TimeZone as _;

    use super::*;

    #[test]
    fn the_later_expiry_bounds_a_local_logout() {
        let access = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let refresh = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
        let with_refresh = LogoutOutcome::LocalOnly {
            access_expires_at: Some(access),
            refresh_expires_at: Some(refresh),
            had_refresh_token: true,
        };
        assert_eq!(with_refresh.still_valid_until(), Some(refresh));
        assert!(!with_refresh.server_logout());
        let unknown_refresh = LogoutOutcome::LocalOnly {
            access_expires_at: Some(access),
            refresh_expires_at: None,
            had_refresh_token: true,
        };
        assert_eq!(unknown_refresh.still_valid_until(), None);
        let access_only = LogoutOutcome::LocalOnly {
            access_expires_at: Some(access),
            refresh_expires_at: None,
            had_refresh_token: false,
        };
        assert_eq!(access_only.still_valid_until(), Some(access));
        assert_eq!(LogoutOutcome::AlreadyEnded.still_valid_until(), None);
    }
}
