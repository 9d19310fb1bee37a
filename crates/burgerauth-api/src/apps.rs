//! OAuth2 apps: register, list, delete.

use omniauth_types::secret::serialize_exposed;
use omniauth_types::{Error, Result, SecretKey, Session};
use serde::Serialize;

use crate::SERVICE;
use crate::client::{Client, Dialect};
use crate::model::{App, NewApp, RawApp, RawNewApp, null_as_empty};

/// The scopes a 1.3 server accepts.
pub const SCOPES: &[&str] = &["openid", "aeskeyshare"];

#[derive(Serialize)]
struct NewAppBody<'a> {
    #[serde(rename = "secretKey", serialize_with = "serialize_exposed")]
    secret_key: &'a SecretKey,
    name: &'a str,
    #[serde(rename = "redirectUri")]
    redirect_uri: &'a str,
    /// A JSON string holding a JSON array: the way the server parses it.
    scopes: String,
    #[serde(rename = "keyShareUri", skip_serializing_if = "Option::is_none")]
    key_share_uri: Option<&'a str>,
}

#[derive(Serialize)]
struct LegacyNewAppBody<'a> {
    #[serde(rename = "appId")]
    app_id: &'a str,
    #[serde(rename = "secretKey", serialize_with = "serialize_exposed")]
    secret_key: &'a SecretKey,
    rdiruri: &'a str,
}

#[derive(Serialize)]
struct AppBody<'a> {
    #[serde(rename = "secretKey", serialize_with = "serialize_exposed")]
    secret_key: &'a SecretKey,
    #[serde(rename = "appId")]
    app_id: &'a str,
}

#[derive(serde::Deserialize)]
#[serde(transparent)]
struct RawApps(#[serde(deserialize_with = "null_as_empty")] Vec<RawApp>);

/// Decodes `/api/listauth` (`null` → empty; the scopes string decoded, bad ones dropped).
pub(crate) fn decode_apps(body: &[u8]) -> std::result::Result<Vec<App>, serde_json::Error> {
    let RawApps(raw) = serde_json::from_slice(body)?;
    Ok(raw
        .into_iter()
        .map(|app| App {
            app_id: app.app_id,
            name: app.name,
            redirect_uri: app.redirect_uri,
            scopes: match app.scopes {
                Some(serde_json::Value::String(text)) => {
                    serde_json::from_str(&text).unwrap_or_default()
                }
                Some(serde_json::Value::Array(items)) => items
                    .into_iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            },
            key_share_uri: app.key_share_uri.filter(|uri| uri != "none"),
        })
        .collect())
}

/// What to register with [`Client::create_app`].
///
/// On 1.3 the server chooses the client id (an [`app_id`](Self::app_id) is ignored) and
/// takes a name, the redirect URI, scopes (`openid`, `aeskeyshare`; sent as a JSON string
/// holding a JSON array, which is what the server parses) and, with `aeskeyshare`, a
/// key-share URI. On 1.2 the caller chooses the id (required) and the server keeps only the
/// redirect URI.
///
/// ```
/// use burgerauth_api::AppRegistration;
///
/// let app = AppRegistration::new("My app", "https://app.example/callback")
///     .scopes(&["openid"])
///     .app_id("my-app");
/// assert_eq!(app.scope_list(), ["openid"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct AppRegistration {
    name: String,
    redirect_uri: String,
    scopes: Vec<String>,
    key_share_uri: Option<String>,
    app_id: Option<String>,
}

impl AppRegistration {
    /// An app called `name` returning to `redirect_uri`, with the `openid` scope.
    pub fn new(name: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            redirect_uri: redirect_uri.into(),
            scopes: vec!["openid".to_owned()],
            key_share_uri: None,
            app_id: None,
        }
    }

    /// The scopes (replacing the default `openid`); an empty list makes an app whose tokens
    /// carry no id token.
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// The AES key-share URI (needed with `aeskeyshare`; 1.3).
    pub fn key_share_uri(mut self, uri: impl Into<String>) -> Self {
        self.key_share_uri = Some(uri.into());
        self
    }

    /// The client id (1.2, where the caller chooses it).
    pub fn app_id(mut self, id: impl Into<String>) -> Self {
        self.app_id = Some(id.into());
        self
    }

    /// The scopes.
    pub fn scope_list(&self) -> &[String] {
        &self.scopes
    }
}

impl Client {
    /// Registers an OAuth2 app (`POST /api/newauth`) and returns its client id and secret
    /// (shown only now). See [`AppRegistration`] for what each dialect takes.
    ///
    /// # Errors
    /// `InvalidInput` for an unknown scope, `aeskeyshare` without a key-share URI, or a
    /// missing id (1.2); `Api` 400 for what the server refuses; `Unauthorized` for a dead
    /// session; on 1.2, `Unauthorized` also for an id already taken (the server answers 401).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn create_app(&self, session: &Session, app: &AppRegistration) -> Result<NewApp> {
        let scopes: Vec<&str> = app.scopes.iter().map(String::as_str).collect();
        let (name, redirect_uri) = (app.name.as_str(), app.redirect_uri.as_str());
        let key_share_uri = app.key_share_uri.as_deref();
        let app_id = app.app_id.as_deref();
        let key = Self::key_of(session)?;
        if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(*s)) {
            return Err(
                Error::invalid_input(format!("unknown burgerauth scope {bad:?}"))
                    .with_service(SERVICE),
            );
        }
        if scopes.contains(&"aeskeyshare") && key_share_uri.is_none() {
            return Err(
                Error::invalid_input("the aeskeyshare scope needs a key share uri")
                    .with_service(SERVICE),
            );
        }
        let request = self.transport.post("/api/newauth").sensitive_response();
        let raw: RawNewApp = match self.dialect {
            Dialect::V1_3 => {
                let scopes = serde_json::to_string(&scopes).map_err(|err| {
                    Error::invalid_input(format!("scopes: {err}")).with_service(SERVICE)
                })?;
                request
                    .json(&NewAppBody {
                        secret_key: &key,
                        name,
                        redirect_uri,
                        scopes,
                        key_share_uri,
                    })
                    .send_json()
                    .await?
            }
            Dialect::V1_2 => {
                let Some(app_id) = app_id.filter(|id| !id.is_empty()) else {
                    return Err(Error::invalid_input(
                        "a 1.2 server needs the client to choose the app id",
                    )
                    .with_service(SERVICE));
                };
                let mut raw: RawNewApp = request
                    .json(&LegacyNewAppBody {
                        app_id,
                        secret_key: &key,
                        rdiruri: redirect_uri,
                    })
                    .send_json()
                    .await?;
                raw.app_id = Some(app_id.to_owned());
                raw
            }
        };
        let app_id = raw.app_id.ok_or_else(|| {
            Error::decode_withheld(None, 0)
                .with_service(SERVICE)
                .with_message("the answer has no appId")
        })?;
        Ok(NewApp {
            app_id,
            client_secret: raw.key,
        })
    }

    /// The account's apps (`POST /api/listauth`); empty when the server answers `null`.
    ///
    /// # Errors
    /// `Unauthorized` for a dead session.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn list_apps(&self, session: &Session) -> Result<Vec<App>> {
        let key = Self::key_of(session)?;
        let response = self
            .transport
            .post("/api/listauth")
            .json(&crate::accounts::KeyBody { secret_key: &key })
            .idempotent(true)
            .send()
            .await?;
        decode_apps(response.body()).map_err(|err| {
            response
                .decode_error()
                .with_service(SERVICE)
                .with_source(err)
        })
    }

    /// Deletes an app (`POST /api/deleteauth`). The server answers success also when there
    /// is no such app, or it is another account's: `Ok(())` does not prove a deletion.
    ///
    /// # Errors
    /// `Unauthorized` for a dead session.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn delete_app(&self, session: &Session, app_id: &str) -> Result<()> {
        let key = Self::key_of(session)?;
        self.transport
            .post("/api/deleteauth")
            .json(&AppBody {
                secret_key: &key,
                app_id,
            })
            .send_empty()
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_decode_both_dialects() {
        assert!(decode_apps(b"null").unwrap().is_empty());
        let go = decode_apps(
            br#"[{"appId":"a","name":"n","redirectUri":"https://x/cb","scopes":"[\"openid\"]","keyShareUri":"none"}]"#,
        )
        .unwrap();
        assert_eq!(go[0].scopes, vec!["openid".to_owned()]);
        assert_eq!(go[0].key_share_uri, None);
        let py = decode_apps(br#"[{"appId":"mine"}]"#).unwrap();
        assert_eq!(py[0].app_id, "mine");
        assert!(py[0].scopes.is_empty());
        let odd = decode_apps(br#"[{"appId":"a","scopes":"not json"}]"#).unwrap();
        assert!(odd[0].scopes.is_empty());
    }

    #[test]
    fn scopes_are_sent_as_a_json_string() {
        let key = SecretKey::new("k");
        let body = NewAppBody {
            secret_key: &key,
            name: "n",
            redirect_uri: "r",
            scopes: serde_json::to_string(&["openid"]).unwrap(),
            key_share_uri: None,
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json["scopes"],
            serde_json::Value::String("[\"openid\"]".into())
        );
    }
}
