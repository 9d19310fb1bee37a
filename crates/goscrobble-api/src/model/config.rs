//! The admin config table (`GET/POST /config`), whose values include secrets.

use std::collections::BTreeMap;
use std::fmt;

use omniauth_types::{ClientSecret, ExposeSecret, SecretKey};
use serde::{Deserialize, Deserializer};

/// `GET /config` (`{"configs": {KEY: value}}`). The Spotify secret and the Last.fm key are
/// secret types; keys this crate does not know are kept in [`ServerConfig::other`], whose
/// values `Debug` does not show.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct ServerConfig {
    /// `SPOTIFY_API_ID`: the Spotify app's client id (`None` when empty).
    pub spotify_api_id: Option<String>,
    /// `SPOTIFY_API_SECRET`.
    pub spotify_api_secret: Option<ClientSecret>,
    /// `LASTFM_API_KEY`.
    pub lastfm_api_key: Option<SecretKey>,
    /// `REGISTRATION_ENABLED`: `Some(true)` for `"1"`, `Some(false)` for `"0"`.
    pub registration_enabled: Option<bool>,
    /// Any other key, as text.
    pub other: BTreeMap<String, String>,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("spotify_api_id", &self.spotify_api_id)
            .field("spotify_api_secret", &self.spotify_api_secret)
            .field("lastfm_api_key", &self.lastfm_api_key)
            .field("registration_enabled", &self.registration_enabled)
            .field("other_keys", &self.other.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl<'de> Deserialize<'de> for ServerConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(default)]
            configs: Option<BTreeMap<String, serde_json::Value>>,
        }
        let wire = Wire::deserialize(deserializer)?;
        let mut config = Self::default();
        for (key, value) in wire.configs.unwrap_or_default() {
            let text = match value {
                serde_json::Value::String(text) => text,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            let present = (!text.is_empty()).then_some(text.clone());
            match key.as_str() {
                "SPOTIFY_API_ID" => config.spotify_api_id = present,
                "SPOTIFY_API_SECRET" => config.spotify_api_secret = present.map(ClientSecret::new),
                "LASTFM_API_KEY" => config.lastfm_api_key = present.map(SecretKey::new),
                "REGISTRATION_ENABLED" => {
                    config.registration_enabled = match text.trim() {
                        "1" => Some(true),
                        "0" => Some(false),
                        _ => None,
                    };
                }
                _ => {
                    config.other.insert(key, text);
                }
            }
        }
        Ok(config)
    }
}

/// The values `POST /config` sets: only what is set here is sent, always as strings (the
/// server formats other JSON kinds Go-style, e.g. `%!s(float64=1)`).
///
/// ```
/// use goscrobble_api::model::ConfigUpdate;
///
/// let update = ConfigUpdate::new().registration_enabled(false);
/// assert!(!update.is_empty());
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct ConfigUpdate {
    spotify_api_id: Option<String>,
    spotify_api_secret: Option<ClientSecret>,
    lastfm_api_key: Option<SecretKey>,
    registration_enabled: Option<bool>,
}

impl ConfigUpdate {
    /// Nothing to change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `SPOTIFY_API_ID`.
    pub fn spotify_api_id(mut self, id: impl Into<String>) -> Self {
        self.spotify_api_id = Some(id.into());
        self
    }

    /// Sets `SPOTIFY_API_SECRET`.
    pub fn spotify_api_secret(mut self, secret: ClientSecret) -> Self {
        self.spotify_api_secret = Some(secret);
        self
    }

    /// Sets `LASTFM_API_KEY`.
    pub fn lastfm_api_key(mut self, key: SecretKey) -> Self {
        self.lastfm_api_key = Some(key);
        self
    }

    /// Sets `REGISTRATION_ENABLED` (`"1"` or `"0"`).
    pub fn registration_enabled(mut self, enabled: bool) -> Self {
        self.registration_enabled = Some(enabled);
        self
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.spotify_api_id.is_none()
            && self.spotify_api_secret.is_none()
            && self.lastfm_api_key.is_none()
            && self.registration_enabled.is_none()
    }

    /// The secrets [`to_wire`](Self::to_wire) exposes, for the transport to redact from an
    /// echoing answer.
    pub(crate) fn wire_secrets(&self) -> Vec<SecretKey> {
        let secret = self
            .spotify_api_secret
            .as_ref()
            .map(ExposeSecret::expose_secret);
        let key = self
            .lastfm_api_key
            .as_ref()
            .map(ExposeSecret::expose_secret);
        secret.into_iter().chain(key).map(SecretKey::new).collect()
    }

    /// The request body, secrets exposed: only for the wire.
    pub(crate) fn to_wire(&self) -> BTreeMap<&'static str, String> {
        let mut body = BTreeMap::new();
        if let Some(id) = &self.spotify_api_id {
            body.insert("SPOTIFY_API_ID", id.clone());
        }
        if let Some(secret) = &self.spotify_api_secret {
            body.insert("SPOTIFY_API_SECRET", secret.expose_secret().to_owned());
        }
        if let Some(key) = &self.lastfm_api_key {
            body.insert("LASTFM_API_KEY", key.expose_secret().to_owned());
        }
        if let Some(enabled) = self.registration_enabled {
            body.insert(
                "REGISTRATION_ENABLED",
                if enabled { "1" } else { "0" }.to_owned(),
            );
        }
        body
    }
}

impl fmt::Debug for ConfigUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigUpdate")
            .field("spotify_api_id", &self.spotify_api_id)
            .field("spotify_api_secret", &self.spotify_api_secret)
            .field("lastfm_api_key", &self.lastfm_api_key)
            .field("registration_enabled", &self.registration_enabled)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_secrets_are_typed_and_redacted() {
        let config: ServerConfig = serde_json::from_str(
            r#"{"configs":{"SPOTIFY_API_ID":"id","SPOTIFY_API_SECRET":"sp-secret","LASTFM_API_KEY":"lf-secret","REGISTRATION_ENABLED":"0","NEW_KEY":"hidden-value"}}"#,
        )
        .unwrap();
        assert_eq!(config.spotify_api_id.as_deref(), Some("id"));
        assert_eq!(
            config.spotify_api_secret.as_ref().unwrap().expose_secret(),
            "sp-secret"
        );
        assert_eq!(config.registration_enabled, Some(false));
        let debug = format!("{config:?}");
        for secret in ["sp-secret", "lf-secret", "hidden-value"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        let update = ConfigUpdate::new()
            .spotify_api_secret(ClientSecret::new("sp-secret"))
            .lastfm_api_key(SecretKey::new("lf-secret"));
        assert!(!format!("{update:?}").contains("secret\""));
        assert!(!format!("{update:?}").contains("lf-secret"));
        assert_eq!(update.to_wire()["LASTFM_API_KEY"], "lf-secret");
    }
}
