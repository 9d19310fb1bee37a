//! Signup, login and account answers.

use chrono::{DateTime, Utc};
use omniauth_types::SecretKey;
use serde::{Deserialize, Deserializer};

/// `{"key": …}` of signup and login.
#[derive(Debug, Deserialize)]
pub(crate) struct KeyAnswer {
    pub key: SecretKey,
}

/// What a password login yields.
#[derive(Debug)]
#[non_exhaustive]
pub struct LoginAnswer {
    /// The secret key: the session, with no expiry (lost when a 1.3 server restarts).
    pub key: SecretKey,
    /// Whether this login migrated a legacy account to the modern hash (1.3).
    pub migrated_now: bool,
}

/// `POST /api/userinfo`: the account behind a secret key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The username, as stored.
    pub username: String,
    /// The numeric account id.
    pub id: i64,
    /// When the account was created (the server sends unix seconds as a string: whole on
    /// 1.3, fractional on 1.2); `None` when unreadable.
    #[serde(deserialize_with = "unix_seconds_text", default)]
    pub created: Option<DateTime<Utc>>,
}

fn unix_seconds_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    let seconds = match value {
        serde_json::Value::String(text) => text.trim().parse::<f64>().ok(),
        serde_json::Value::Number(n) => n.as_f64(),
        _ => None,
    };
    Ok(seconds.filter(|s| s.is_finite()).and_then(|s| {
        #[allow(clippy::cast_possible_truncation)] // Checked finite; out of range → None below.
        DateTime::from_timestamp(s.trunc() as i64, 0)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_reads_both_dialects() {
        let go: UserInfo =
            serde_json::from_str(r#"{"username":"a","id":3,"created":"1722816000"}"#).unwrap();
        assert_eq!(go.created.unwrap().timestamp(), 1_722_816_000);
        let py: UserInfo =
            serde_json::from_str(r#"{"username":"a","id":3,"created":"1712000000.25"}"#).unwrap();
        assert_eq!(py.created.unwrap().timestamp(), 1_712_000_000);
        let odd: UserInfo =
            serde_json::from_str(r#"{"username":"a","id":3,"created":"soon"}"#).unwrap();
        assert!(odd.created.is_none());
    }
}
