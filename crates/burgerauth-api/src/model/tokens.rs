//! Token endpoint, discovery, JWKS and app answers as they arrive.

use omniauth_types::{AccessToken, ClientSecret, RefreshToken};
use serde::Deserialize;

use crate::IdToken;
use crate::model::null_as_empty;

/// `POST /api/tokenauth`'s answer.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token: an `EdDSA` JWT on 1.3 (whose `session` claim is the user's secret
    /// key), 1024 hex characters on 1.2.
    pub access_token: AccessToken,
    /// `bearer`.
    #[serde(default)]
    pub token_type: String,
    /// Seconds the access token lives (2 592 000 on 1.3, 3600 on 1.2).
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// The id token, when the app has the `openid` scope.
    #[serde(default)]
    pub id_token: Option<IdToken>,
    /// 1.2 only; real 1.2 servers never accept it back (see `Client::refresh_tokens`).
    #[serde(default)]
    pub refresh_token: Option<RefreshToken>,
}

/// `GET /userinfo` with a token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TokenUserInfo {
    /// The subject: a 255-character unique id on 1.3, the username on 1.2.
    pub sub: String,
    /// The username.
    pub name: String,
}

/// `/.well-known/openid-configuration` (served as `text/html`, so read by hand).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Discovery {
    /// The issuer (config `URL`).
    pub issuer: String,
    /// The browser login page.
    pub authorization_endpoint: String,
    /// The token endpoint.
    pub token_endpoint: String,
    /// The token userinfo endpoint.
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// The JWKS (absent on 1.2).
    #[serde(default)]
    pub jwks_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Jwks {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub keys: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawApp {
    #[serde(rename = "appId")]
    pub app_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "redirectUri", default)]
    pub redirect_uri: Option<String>,
    #[serde(default)]
    pub scopes: Option<serde_json::Value>,
    #[serde(rename = "keyShareUri", default)]
    pub key_share_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawNewApp {
    pub key: ClientSecret,
    #[serde(rename = "appId", default)]
    pub app_id: Option<String>,
}
