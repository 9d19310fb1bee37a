//! Message history of the signed-in user: `GET /users/{me}/messages`.

use chrono::{DateTime, SecondsFormat, Utc};
use omniauth_types::{Error, Result, Session};
use serde::Serialize;

use crate::SERVICE;
use crate::client::{Client, check_session};
use crate::error::CallKind;
use crate::model::{Message, UserId};

/// The filters of the message history; unset ones are not sent. Newest messages come
/// first; the server caps `maxItems` around 100.
///
/// ```
/// use resonite_api::MessageQuery;
/// use resonite_api::model::UserId;
///
/// let query = MessageQuery::new().max_items(50).unread(true).with_user(UserId::new("U-bob"));
/// assert_eq!(query.to_query_string(), "maxItems=50&unread=true&user=U-bob");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct MessageQuery {
    max_items: Option<u32>,
    unread: Option<bool>,
    user: Option<UserId>,
    from_time: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    max_items: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unread: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_time: Option<String>,
}

impl MessageQuery {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most this many messages (1 or more).
    pub fn max_items(mut self, count: u32) -> Self {
        self.max_items = Some(count);
        self
    }

    /// Only unread (`true`) or read (`false`) messages.
    pub fn unread(mut self, unread: bool) -> Self {
        self.unread = Some(unread);
        self
    }

    /// Only the conversation with this user (`user=`; SUD calls it `fromUserId`).
    pub fn with_user(mut self, user: UserId) -> Self {
        self.user = Some(user);
        self
    }

    /// Only messages from this time on (sent as RFC 3339, unlike `resonite_rs`).
    pub fn from_time(mut self, from: DateTime<Utc>) -> Self {
        self.from_time = Some(from);
        self
    }

    fn wire(&self) -> Wire<'_> {
        Wire {
            max_items: self.max_items,
            unread: self.unread,
            user: self.user.as_ref().map(UserId::as_str),
            from_time: self
                .from_time
                .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        }
    }

    /// The query string sent (URL-encoded).
    pub fn to_query_string(&self) -> String {
        serde_urlencoded::to_string(self.wire()).unwrap_or_default()
    }

    fn validate(&self) -> Result<()> {
        if self.max_items == Some(0) {
            return Err(Error::invalid_input("maxItems must be at least 1").with_service(SERVICE));
        }
        if self.user.as_ref().is_some_and(|u| !u.has_expected_prefix()) {
            return Err(Error::invalid_input("a user id starts with U-").with_service(SERVICE));
        }
        Ok(())
    }
}

impl Client {
    /// The signed-in user's messages: `GET /users/{me}/messages` with the query's filters.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](omniauth_types::ErrorKind::Unauthorized) for an expired or
    /// revoked token; [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput)
    /// for `max_items(0)` or a user id without `U-`.
    #[tracing::instrument(skip_all, fields(user_id = session.user_id()))]
    pub async fn messages(&self, session: &Session, query: &MessageQuery) -> Result<Vec<Message>> {
        check_session(session)?;
        query.validate()?;
        let request = self
            .transport()
            .get("/users/{userId}/messages")
            .path_param("userId", session.user_id())
            .query(&query.wire())
            .auth(session);
        self.fetch(request, CallKind::Authenticated).await
    }
}
