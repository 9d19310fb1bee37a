//! The answer of a login, `POST /userSessions`.

use chrono::{DateTime, Utc};
use omniauth_types::AccessToken;
use serde::Deserialize;

use super::id::UserId;
use super::time::{lenient, lenient_bool, null_as_default, null_as_empty};

open_enum!(
    /// How the session was first logged in.
    LoginType {
        /// With a password.
        Password = 0, "Password";
        /// With SAML 2.
        Saml2 = 1, "Saml2";
        /// Migrated from Neos.
        Migration = 2, "Migration";
        /// Not known to the server.
        Unknown = 3, "UNKNOWN";
    }
);

/// A config file handed out at login.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ConfigFile {
    /// Its path.
    #[serde(deserialize_with = "null_as_default")]
    pub path: String,
    /// Its content.
    #[serde(deserialize_with = "null_as_default")]
    pub content: String,
}

/// A user session (a login). Its `Debug` hides the token; the storage leftovers
/// `partitionKey`, `rowKey` (the token again) and `eTag` are not kept.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_excessive_bools)] // The API's own flags.
pub struct UserSession {
    /// The user id, for the `Authorization` header.
    pub user_id: UserId,
    /// The token.
    pub token: AccessToken,
    /// When the session was made.
    #[serde(default, deserialize_with = "lenient")]
    pub created: Option<DateTime<Utc>>,
    /// When it expires.
    #[serde(default, deserialize_with = "lenient")]
    pub expire: Option<DateTime<Utc>>,
    /// Whether it is a 30-day session.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub remember_me: bool,
    /// Hash of the secret machine id.
    #[serde(default)]
    pub secret_machine_id_hash: Option<String>,
    /// Salt of that hash.
    #[serde(default)]
    pub secret_machine_id_salt: Option<String>,
    /// Hash of the UID.
    #[serde(default)]
    pub uid_hash: Option<String>,
    /// Salt of that hash.
    #[serde(default)]
    pub uid_salt: Option<String>,
    /// How the session was first logged in.
    #[serde(default)]
    pub original_login_type: Option<LoginType>,
    /// The first login's id (`Auth-<uuid>`).
    #[serde(default)]
    pub original_login_id: Option<String>,
    /// A logout URL, if any.
    #[serde(default)]
    pub logout_url: Option<String>,
    /// Whether the logout URL is opened by the client.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub logout_url_client_side: bool,
    /// How many logins reused this session.
    #[serde(default, deserialize_with = "null_as_default")]
    pub session_login_counter: i64,
    /// The address the login came from.
    #[serde(default, rename = "sourceIP", alias = "sourceIp")]
    pub source_ip: Option<String>,
    /// The login's user agent.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// Whether bound to the machine.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub is_machine_bound: bool,
}

/// The whole answer of a login.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSessionResult {
    /// The session.
    pub entity: UserSession,
    /// Config files (usually none).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub config_files: Vec<ConfigFile>,
}
