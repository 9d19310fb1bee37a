//! OAuth2 apps (clients) of an account.

use omniauth_types::ClientSecret;

/// A registered app, from `/api/listauth`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct App {
    /// The client id.
    pub app_id: String,
    /// The app's name (1.3 only).
    pub name: Option<String>,
    /// The registered redirect URI (1.3 only).
    pub redirect_uri: Option<String>,
    /// The scopes (1.3 only; the server stores them as a JSON string, decoded here).
    pub scopes: Vec<String>,
    /// The AES key-share URI, when set (1.3 only).
    pub key_share_uri: Option<String>,
}

/// A freshly registered app: its id and its secret, shown only this once.
#[derive(Debug)]
#[non_exhaustive]
pub struct NewApp {
    /// The client id (server-chosen on 1.3, the caller's on 1.2).
    pub app_id: String,
    /// The client secret.
    pub client_secret: ClientSecret,
}
