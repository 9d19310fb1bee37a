//! Contacts of the signed-in user: `GET /users/{me}/contacts[/{contactId}]`.

use chrono::{DateTime, SecondsFormat, Utc};
use omniauth_types::{Result, Session};
use serde::Serialize;

use crate::client::{Client, check_session, missing_id, require_prefix};
use crate::error::CallKind;
use crate::model::{Contact, UserId};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Since {
    last_status_update: String,
}

impl Client {
    /// The signed-in user's contacts: `GET /users/{me}/contacts`.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](omniauth_types::ErrorKind::Unauthorized) for an expired or
    /// revoked token.
    #[tracing::instrument(skip_all, fields(user_id = session.user_id()))]
    pub async fn contacts(&self, session: &Session) -> Result<Vec<Contact>> {
        self.contacts_inner(session, None).await
    }

    /// The contacts whose status changed since `since`
    /// (`GET /users/{me}/contacts?lastStatusUpdate=`).
    ///
    /// # Errors
    /// As [`Client::contacts`].
    #[tracing::instrument(skip_all, fields(user_id = session.user_id()))]
    pub async fn contacts_changed_since(
        &self,
        session: &Session,
        since: DateTime<Utc>,
    ) -> Result<Vec<Contact>> {
        self.contacts_inner(session, Some(since)).await
    }

    /// One contact of the signed-in user: `GET /users/{me}/contacts/{contactId}` (SUD).
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`](omniauth_types::ErrorKind::NotFound) when that user is not in
    /// the list; [`ErrorKind::Unauthorized`](omniauth_types::ErrorKind::Unauthorized) for a
    /// dead token.
    #[tracing::instrument(skip_all, fields(user_id = session.user_id(), contact_id = %id))]
    pub async fn contact(&self, session: &Session, id: &UserId) -> Result<Contact> {
        check_session(session)?;
        require_prefix(id.has_expected_prefix(), "the contact's user id")?;
        let request = self
            .transport()
            .get("/users/{userId}/contacts/{contactId}")
            .path_param("userId", session.user_id())
            .path_param("contactId", id.as_str())
            .auth(session);
        let contact: Contact = self.fetch(request, CallKind::Authenticated).await?;
        if contact.id.as_str().is_empty() {
            return Err(missing_id("contact"));
        }
        Ok(contact)
    }

    async fn contacts_inner(
        &self,
        session: &Session,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<Contact>> {
        check_session(session)?;
        let mut request = self
            .transport()
            .get("/users/{userId}/contacts")
            .path_param("userId", session.user_id())
            .auth(session);
        if let Some(since) = since {
            request = request.query(&Since {
                last_status_update: since.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            });
        }
        self.fetch(request, CallKind::Authenticated).await
    }
}
