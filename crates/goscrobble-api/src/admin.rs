//! The admin config (`GET/POST /config`).

use omniauth_types::{Error, Result, Session};

use crate::auth::MessageAnswer;
use crate::model::{ConfigUpdate, ServerConfig};
use crate::{Client, SERVICE};

impl Client {
    /// `GET /config`: the server's config table (admins only). Its secrets are secret types.
    ///
    /// # Errors
    /// [`ErrorKind::Forbidden`](crate::ErrorKind::Forbidden) (`User is not admin`);
    /// [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized) (`Invalid JWT Token`,
    /// `Invalid user UUID`).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn config(&self, session: &Session) -> Result<ServerConfig> {
        self.api
            .get("/config")
            .auth(session)
            .sensitive_response()
            .send_json()
            .await
    }

    /// `POST /config`: sets the values in `update` (admins only). The server ignores keys it
    /// does not know but still answers success.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for an empty update;
    /// [`ErrorKind::Forbidden`](crate::ErrorKind::Forbidden);
    /// [`ErrorKind::Api`](crate::ErrorKind::Api) (`Failed to update config value.`).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn update_config(&self, session: &Session, update: &ConfigUpdate) -> Result<()> {
        if update.is_empty() {
            return Err(
                Error::invalid_input("the config update sets nothing").with_service(SERVICE)
            );
        }
        let mut request = self
            .api
            .post("/config")
            .auth(session)
            .json(&update.to_wire());
        // The wire map holds the secrets exposed: each is noted for redaction.
        for secret in update.wire_secrets() {
            request = request.redact(&secret);
        }
        request.send_json::<MessageAnswer>().await.map(drop)
    }
}
