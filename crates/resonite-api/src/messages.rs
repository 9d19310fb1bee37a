//! Messages over REST: the signed-in user's history (`GET /users/{me}/messages`) and
//! sending (`POST /users/{recipient}/messages`), for when the hub is not connected.

use chrono::{DateTime, SecondsFormat, Utc};
use omniauth_types::{Error, Result, Session};
use serde::Serialize;

use crate::SERVICE;
use crate::client::{Client, check_session, missing_id, require_prefix};
use crate::error::CallKind;
use crate::model::{Message, MessageId, MessageType, UserId};

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

    /// Sends a message over REST: `POST /users/{recipientId}/messages` with the message (the
    /// `resonite` crate's route); the answer is the stored message. Sent once: a retry could
    /// deliver it twice.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) when the message
    /// is not from the session's user, has no `MSG-` id or no `U-` recipient;
    /// [`ErrorKind::Unauthorized`](omniauth_types::ErrorKind::Unauthorized) for a dead token.
    #[tracing::instrument(skip_all, fields(user_id = session.user_id(), message_id = %message.id))]
    pub async fn send_message(&self, session: &Session, message: &Message) -> Result<Message> {
        check_session(session)?;
        if message.sender_id.as_str() != session.user_id() {
            return Err(
                Error::invalid_input("the sender is not the signed-in user").with_service(SERVICE)
            );
        }
        require_prefix(message.id.has_expected_prefix(), "the message id")?;
        require_prefix(
            message.recipient_id.has_expected_prefix(),
            "the recipient id",
        )?;
        let request = self
            .transport()
            .post("/users/{userId}/messages")
            .path_param("userId", message.recipient_id.as_str())
            .json(message)
            .auth(session);
        let sent: Message = self.fetch(request, CallKind::Authenticated).await?;
        if sent.id.as_str().is_empty() {
            return Err(missing_id("message"));
        }
        Ok(sent)
    }

    /// Sends a text over REST ([`Client::send_message`] with a new `MSG-` id, sent now).
    ///
    /// # Errors
    /// As [`Client::send_message`].
    pub async fn send_text(
        &self,
        session: &Session,
        recipient: &UserId,
        text: &str,
    ) -> Result<Message> {
        let now = Utc::now();
        let message = Message {
            id: MessageId::new(format!("MSG-{}", uuid::Uuid::new_v4())),
            owner_id: UserId::new(session.user_id()),
            sender_id: UserId::new(session.user_id()),
            recipient_id: recipient.clone(),
            message_type: Some(MessageType::Text),
            content: text.to_owned(),
            send_time: Some(now),
            last_update_time: Some(now),
            ..Message::default()
        };
        self.send_message(session, &message).await
    }
}
