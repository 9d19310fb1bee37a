//! The sessions (secret keys) of an account: list and remove, with the servers' real
//! semantics.

use omniauth_types::secret::{SecretValue, serialize_exposed};
use omniauth_types::{Error, ErrorKind, Result, SecretKey, Session};
use serde::{Deserialize, Serialize};

use crate::accounts::KeyBody;
use crate::client::{Client, Dialect};
use crate::model::{SessionInfo, null_as_empty};
use crate::{SERVICE, SessionId};

#[derive(Deserialize)]
struct RawSession {
    id: serde_json::Value,
    #[serde(rename = "thisSession", default)]
    this_session: bool,
    #[serde(default)]
    device: String,
}

#[derive(Deserialize)]
#[serde(transparent)]
struct RawSessions(#[serde(deserialize_with = "null_as_empty")] Vec<RawSession>);

#[derive(Serialize)]
struct RemoveBody<'a> {
    #[serde(rename = "secretKey", serialize_with = "serialize_exposed")]
    secret_key: &'a SecretKey,
    #[serde(rename = "sessionId", serialize_with = "serialize_exposed")]
    session_id: &'a SessionId,
}

#[derive(Serialize)]
struct RemoveBodyNumeric<'a> {
    #[serde(rename = "secretKey", serialize_with = "serialize_exposed")]
    secret_key: &'a SecretKey,
    #[serde(rename = "sessionId")]
    session_id: i64,
}

/// Decodes `/api/sessions/list` (`null` → empty; ids as strings or numbers).
pub(crate) fn decode_sessions(
    body: &[u8],
) -> std::result::Result<Vec<SessionInfo>, serde_json::Error> {
    let RawSessions(raw) = serde_json::from_slice(body)?;
    Ok(raw
        .into_iter()
        .map(|s| SessionInfo {
            id: SessionId::new(match s.id {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            }),
            this_session: s.this_session,
            device: s.device,
        })
        .collect())
}

impl Client {
    /// Every session of the account (`POST /api/sessions/list`); empty when the server
    /// answers `null`.
    ///
    /// On 1.3 each entry's id is that session's **secret key** (a server bug): anyone with
    /// one session can read them all. They are returned as [`SessionId`] secrets.
    ///
    /// # Errors
    /// `Unauthorized` for a dead session.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn list_sessions(&self, session: &Session) -> Result<Vec<SessionInfo>> {
        let key = Self::key_of(session)?;
        let response = self
            .transport
            .post("/api/sessions/list")
            .json(&KeyBody { secret_key: &key })
            .idempotent(true)
            .sensitive_response()
            .send()
            .await?;
        decode_sessions(response.body()).map_err(|err| {
            response
                .decode_error()
                .with_service(SERVICE)
                .with_source(err)
        })
    }

    /// Asks the server to remove a session (`POST /api/sessions/remove`).
    ///
    /// **The 1.3 server always answers success**, also when nothing was removed, and it
    /// deletes by numeric row id — which `list_sessions` never shows (it shows secret keys),
    /// so passing a listed id removes nothing. `Ok(())` therefore does not mean the session
    /// is gone; [`Client::is_logged_in`] with that key tells. On 1.2 ids are row ids and the
    /// server reports `Forbidden` (another account's) and `NotFound` (no such session).
    ///
    /// # Errors
    /// `Unauthorized` for a dead session; on 1.2 `Forbidden` and `NotFound`.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn remove_session(&self, session: &Session, id: &SessionId) -> Result<()> {
        let key = Self::key_of(session)?;
        let request = self.transport.post("/api/sessions/remove");
        let request = match (self.dialect, id.secret_str().parse::<i64>()) {
            (Dialect::V1_2, Ok(number)) => request.json(&RemoveBodyNumeric {
                secret_key: &key,
                session_id: number,
            }),
            _ => request.json(&RemoveBody {
                secret_key: &key,
                session_id: id,
            }),
        };
        request.send_empty().await
    }

    /// Logs the session out: on 1.2 it lists the sessions, finds "this session" and removes
    /// it by its row id. A 1.3 server cannot do it (no request reveals a session's row id):
    /// the call fails with `Unsupported` without contacting it, and the key stays valid until
    /// the server restarts.
    ///
    /// # Errors
    /// `Unsupported` on 1.3; `Unauthorized` for a dead session (1.2 answers `500 {}`).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn logout(&self, session: &Session) -> Result<()> {
        if self.dialect == Dialect::V1_3 {
            return Err(Error::unsupported(
                SERVICE,
                "logout on 1.3 (the server cannot remove a session: its key stays valid until the server restarts)",
            ));
        }
        let sessions = self.list_sessions(session).await?;
        let Some(this) = sessions.into_iter().find(|s| s.this_session) else {
            return Err(Error::new(ErrorKind::NotFound)
                .with_service(SERVICE)
                .with_message("the server does not list this session"));
        };
        self.remove_session(session, &this.id).await
    }
}

#[cfg(test)]
mod tests {
    use omniauth_types::ExposeSecret as _;

    use super::*;

    #[test]
    fn sessions_decode_null_strings_and_numbers() {
        assert!(decode_sessions(b"null").unwrap().is_empty());
        let go = decode_sessions(br#"[{"id":"k3y","thisSession":true,"device":"ua"}]"#).unwrap();
        assert_eq!(go[0].id.expose_secret(), "k3y");
        assert!(go[0].this_session);
        assert!(!format!("{go:?}").contains("k3y"));
        let py = decode_sessions(br#"[{"id":7,"thisSession":false,"device":""}]"#).unwrap();
        assert_eq!(py[0].id.expose_secret(), "7");
        assert!(decode_sessions(b"{}").is_err());
    }
}
