//! Messages: REST history (`GET /users/{me}/messages`) and, later, the hub.

use chrono::{DateTime, Utc};
use omniauth_types::Error;
use serde::{Deserialize, Serialize};

use super::id::{MessageId, UserId};
use super::record::Record;
use super::session_info::SessionInfo;
use super::time::{lenient, lenient_bool, null_as_default};

open_enum!(
    /// What a message carries. Numbering is an assumption (no source gives it).
    MessageType {
        /// Plain text.
        Text = 0, "Text";
        /// An item (a record, JSON in `content`).
        Object = 1, "Object";
        /// A voice message (a record, JSON in `content`).
        Sound = 2, "Sound";
        /// An invitation (a session, JSON in `content`).
        SessionInvite = 3, "SessionInvite";
        /// A credit transfer.
        CreditTransfer = 4, "CreditTransfer";
        /// Sugar cubes.
        SugarCubes = 5, "SugarCubes";
        /// A request to be invited (JSON in `content`).
        InviteRequest = 6, "InviteRequest";
    }
);

/// A message. `content` is plain text for `Text` and a JSON document *in a string* for the
/// other types: [`Message::decode_content`] reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Message {
    /// The id, `MSG-<uuid>`.
    #[serde(deserialize_with = "null_as_default")]
    pub id: MessageId,
    /// Whose mailbox copy this is.
    #[serde(deserialize_with = "null_as_default")]
    pub owner_id: UserId,
    /// The sender.
    #[serde(deserialize_with = "null_as_default")]
    pub sender_id: UserId,
    /// The recipient.
    #[serde(deserialize_with = "null_as_default")]
    pub recipient_id: UserId,
    /// The sender's user session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_user_session_id: Option<String>,
    /// The other party (REST history only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_id: Option<UserId>,
    /// What the message carries.
    pub message_type: Option<MessageType>,
    /// The content, as sent.
    #[serde(deserialize_with = "null_as_default")]
    pub content: String,
    /// When it was sent.
    #[serde(deserialize_with = "lenient")]
    pub send_time: Option<DateTime<Utc>>,
    /// When it was last updated (`0001-01-01T00:00:00` in `MessageSent` echoes).
    #[serde(deserialize_with = "lenient")]
    pub last_update_time: Option<DateTime<Utc>>,
    /// When it was read.
    #[serde(deserialize_with = "lenient")]
    pub read_time: Option<DateTime<Utc>>,
    /// Whether migrated from Neos.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_migrated: bool,
}

/// A message's content, decoded by its type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MessageContent {
    /// `Text`: the text.
    Text(String),
    /// `SessionInvite`: the session.
    SessionInvite(Box<SessionInfo>),
    /// `InviteRequest`: the request.
    InviteRequest(InviteRequest),
    /// `Object` or `Sound`: the record.
    Record(Box<Record>),
    /// Another type: the content as JSON when it is JSON, else as a string.
    Other(serde_json::Value),
}

impl Message {
    /// Decodes `content` by `messageType` (the JSON inside the string, for non-text types).
    ///
    /// # Errors
    /// [`ErrorKind::Decode`](omniauth_types::ErrorKind::Decode) when a typed content is not the JSON its type promises.
    pub fn decode_content(&self) -> Result<MessageContent, Error> {
        let decode_error = |err: serde_json::Error| {
            Error::decode(None, self.content.as_bytes())
                .with_service(crate::SERVICE)
                .with_message(format!(
                    "the {} content of a message is not what its type promises",
                    self.message_type
                        .as_ref()
                        .map_or("untyped", MessageType::as_str)
                ))
                .with_source(err)
        };
        Ok(match &self.message_type {
            Some(MessageType::Text) => MessageContent::Text(self.content.clone()),
            Some(MessageType::SessionInvite) => MessageContent::SessionInvite(Box::new(
                serde_json::from_str(&self.content).map_err(decode_error)?,
            )),
            Some(MessageType::InviteRequest) => MessageContent::InviteRequest(
                serde_json::from_str(&self.content).map_err(decode_error)?,
            ),
            Some(MessageType::Object | MessageType::Sound) => MessageContent::Record(Box::new(
                serde_json::from_str(&self.content).map_err(decode_error)?,
            )),
            _ => MessageContent::Other(
                serde_json::from_str(&self.content)
                    .unwrap_or_else(|_| serde_json::Value::String(self.content.clone())),
            ),
        })
    }

    /// Whether the message was read.
    pub fn is_read(&self) -> bool {
        self.read_time.is_some()
    }
}

/// The content of an `InviteRequest` message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InviteRequest {
    /// The request's id.
    pub invite_request_id: Option<String>,
    /// Who wants to be invited.
    pub user_id_to_invite: Option<UserId>,
    /// Their username.
    pub username_to_invite: Option<String>,
    /// Who asks.
    pub requesting_from_user_id: Option<UserId>,
    /// Their username.
    pub requesting_from_username: Option<String>,
    /// Into which session.
    pub for_session_id: Option<String>,
    /// Its name.
    pub for_session_name: Option<String>,
    /// Whether the asker is a contact of the host.
    pub is_contact_of_host: Option<bool>,
    /// The answer, when given.
    pub response: Option<String>,
    /// The invitation, when sent.
    pub invite: Option<serde_json::Value>,
}
