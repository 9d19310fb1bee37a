//! The hub's functions (spec §2.3), typed: arguments built as the live clients send them,
//! results read leniently.

use std::sync::PoisonError;

use chrono::{DateTime, Utc};
use omniauth_types::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::oneshot;

use super::client::HubClient;
use super::error::transport;
use super::subscriptions::Subscription;
use crate::SERVICE;
use crate::model::{Contact, Message, MessageId, MessageType, UserId, UserStatus};

/// Who a `BroadcastStatus` goes to (`BroadcastTarget.group`, numbered as one client reads
/// it: 0 public, 1 all contacts, 2 specific contacts, 3 a broadcast key, 4 connection ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BroadcastTarget {
    /// The group number.
    pub group: i32,
    /// The ids, for groups that name them.
    pub target_ids: Option<Vec<String>>,
}

impl BroadcastTarget {
    /// Every contact (group 1, what `ReCon` and Resonite.NET send).
    pub fn all_contacts() -> Self {
        Self {
            group: 1,
            target_ids: None,
        }
    }

    /// These contacts only (group 2).
    pub fn contacts(ids: impl IntoIterator<Item = UserId>) -> Self {
        Self {
            group: 2,
            target_ids: Some(ids.into_iter().map(UserId::into_string).collect()),
        }
    }
}

/// The argument of `MarkMessagesRead`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct MarkRead<'a> {
    sender_id: &'a UserId,
    ids: &'a [MessageId],
    read_time: DateTime<Utc>,
}

#[derive(Deserialize)]
struct InitializeStatusResult {
    #[serde(default)]
    contacts: Option<Vec<Contact>>,
}

/// The error for a completion without `result` for a call that expects one (spec §0.1:
/// an error, never a default value).
fn no_result(target: &str) -> Error {
    Error::decode(None, b"")
        .with_service(SERVICE)
        .with_message(format!("the {target} completion carries no result"))
}

/// Reads `InitializeStatus`'s result, `{contacts: [...]}` (a bare list is accepted too).
pub(crate) fn decode_contacts(raw: Option<&RawValue>) -> Result<Vec<Contact>> {
    let Some(raw) = raw else {
        return Err(no_result("InitializeStatus"));
    };
    let decode_error = |err: serde_json::Error| {
        Error::decode(None, raw.get().as_bytes())
            .with_service(SERVICE)
            .with_message("the InitializeStatus result is not a contact list")
            .with_source(err)
    };
    if raw.get().trim_start().starts_with('[') {
        return serde_json::from_str(raw.get()).map_err(decode_error);
    }
    let result: Option<InitializeStatusResult> =
        serde_json::from_str(raw.get()).map_err(decode_error)?;
    Ok(result.and_then(|r| r.contacts).unwrap_or_default())
}

fn to_value<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|err| {
        Error::invalid_input("the argument cannot be written as JSON")
            .with_service(SERVICE)
            .with_source(err)
    })
}

fn check_user(user: &UserId) -> Result<()> {
    if user.has_expected_prefix() {
        Ok(())
    } else {
        Err(Error::invalid_input("a user id starts with U-").with_service(SERVICE))
    }
}

impl HubClient {
    /// `InitializeStatus`: the contacts, each with its `userStatus`; the server then pushes
    /// their status changes. Replayed after every reconnect (its answer then comes as
    /// [`HubEvent::ContactsRefreshed`](super::HubEvent::ContactsRefreshed)).
    ///
    /// # Errors
    /// As [`invoke_raw`](Self::invoke_raw), and
    /// [`ErrorKind::Decode`](omniauth_types::ErrorKind::Decode) for a result of another shape
    /// or none.
    #[tracing::instrument(skip_all)]
    pub async fn initialize_status(&self) -> Result<Vec<Contact>> {
        let raw = self
            .call(
                "InitializeStatus",
                Vec::new(),
                true,
                Some(Subscription::InitializeStatus),
            )
            .await?;
        decode_contacts(raw.as_deref())
    }

    /// `InitializeContacts`, the stream variant of
    /// [`initialize_status`](Self::initialize_status) (spec §2.3): the server sends each
    /// contact as a stream item, then completes; this collects them. A stream still
    /// running when the call times out is cancelled. Not replayed after reconnects.
    ///
    /// ```no_run
    /// # async fn demo(hub: resonite_api::hub::HubClient) -> omniauth_types::Result<()> {
    /// for contact in hub.initialize_contacts().await? {
    ///     println!("{}", contact.id);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`invoke_raw`](Self::invoke_raw), and
    /// [`ErrorKind::Decode`](omniauth_types::ErrorKind::Decode) for an item that is not a
    /// contact.
    #[tracing::instrument(skip_all)]
    pub async fn initialize_contacts(&self) -> Result<Vec<Contact>> {
        let raw = self.call_stream("InitializeContacts", Vec::new()).await?;
        let raw = raw.ok_or_else(|| no_result("InitializeContacts"))?;
        serde_json::from_str(raw.get()).map_err(|err| {
            Error::decode(None, raw.get().as_bytes())
                .with_service(SERVICE)
                .with_message("an InitializeContacts item is not a contact")
                .with_source(err)
        })
    }

    /// `RequestStatus(userId | null, invisible)`: asks for one user's status (or every
    /// contact's with `None`); the answers come as
    /// [`HubEvent::StatusUpdate`](super::HubEvent::StatusUpdate).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for a user id
    /// without `U-`; otherwise as [`invoke_raw`](Self::invoke_raw).
    #[tracing::instrument(skip_all)]
    pub async fn request_status(&self, user: Option<&UserId>, invisible: bool) -> Result<()> {
        if let Some(user) = user {
            check_user(user)?;
        }
        let target = user.map_or(Value::Null, |u| Value::String(u.to_string()));
        let subscription = Subscription::RequestStatus(user.cloned(), invisible);
        self.call(
            "RequestStatus",
            vec![target, Value::Bool(invisible)],
            true,
            Some(subscription),
        )
        .await
        .map(drop)
    }

    /// `BroadcastStatus(status, target)`: tells contacts this account's presence. The
    /// status's `userId` is set to this account's.
    ///
    /// # Errors
    /// As [`invoke_raw`](Self::invoke_raw).
    #[tracing::instrument(skip_all)]
    pub async fn broadcast_status(
        &self,
        status: &UserStatus,
        target: &BroadcastTarget,
    ) -> Result<()> {
        let mut status = status.clone();
        status.user_id = Some(self.user_id().clone());
        let arguments = vec![to_value(&status)?, to_value(target)?];
        self.call("BroadcastStatus", arguments, true, None)
            .await
            .map(drop)
    }

    /// `ListenOnContact(userId)`: follow one contact's status. Replayed after reconnects.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for a user id
    /// without `U-`; otherwise as [`invoke_raw`](Self::invoke_raw).
    #[tracing::instrument(skip_all)]
    pub async fn listen_on_contact(&self, user: &UserId) -> Result<()> {
        check_user(user)?;
        let arguments = vec![Value::String(user.to_string())];
        self.call(
            "ListenOnContact",
            arguments,
            true,
            Some(Subscription::Contact(user.clone())),
        )
        .await
        .map(drop)
    }

    /// `ListenOnKey(broadcastKey)`: follow a session's updates (its `broadcastKey`, from a
    /// status). Replayed after reconnects. The updates arrive only with
    /// [`HubBuilder::session_updates`](super::HubBuilder::session_updates).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for an empty
    /// key; otherwise as [`invoke_raw`](Self::invoke_raw).
    #[tracing::instrument(skip_all)]
    pub async fn listen_on_key(&self, key: &str) -> Result<()> {
        if key.trim().is_empty() {
            return Err(Error::invalid_input("the broadcast key is empty").with_service(SERVICE));
        }
        let arguments = vec![Value::String(key.to_owned())];
        self.call(
            "ListenOnKey",
            arguments,
            true,
            Some(Subscription::Key(key.to_owned())),
        )
        .await
        .map(drop)
    }

    /// `SendMessage(message)`: sends a message as built. The server echoes it to this
    /// account's connections as [`HubEvent::MessageSent`](super::HubEvent::MessageSent).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for a message
    /// without an `MSG-` id or with a recipient without `U-`; otherwise as
    /// [`invoke_raw`](Self::invoke_raw).
    #[tracing::instrument(skip_all, fields(message_id = %message.id))]
    pub async fn send_message(&self, message: &Message) -> Result<()> {
        if !message.id.has_expected_prefix() {
            return Err(Error::invalid_input("a message id starts with MSG-").with_service(SERVICE));
        }
        check_user(&message.recipient_id)?;
        self.call("SendMessage", vec![to_value(message)?], true, None)
            .await
            .map(drop)
    }

    /// Sends a text message to `to` and resolves with the server's `MessageSent` echo of
    /// it. The message gets a fresh `MSG-<uuid>` id.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for an empty
    /// text or a recipient without `U-`; [`ErrorKind::Transport`](omniauth_types::ErrorKind::Transport)
    /// when no echo comes within the call timeout; otherwise as
    /// [`send_message`](Self::send_message).
    #[tracing::instrument(skip_all)]
    pub async fn send_text_message(&self, to: &UserId, text: &str) -> Result<Message> {
        if text.is_empty() {
            return Err(Error::invalid_input("the message text is empty").with_service(SERVICE));
        }
        check_user(to)?;
        let me = self.user_id().clone();
        let now = Utc::now();
        let message = Message {
            id: MessageId::new(format!("MSG-{}", uuid::Uuid::new_v4())),
            owner_id: me.clone(),
            sender_id: me,
            recipient_id: to.clone(),
            message_type: Some(MessageType::Text),
            content: text.to_owned(),
            send_time: Some(now),
            last_update_time: Some(now),
            ..Message::default()
        };
        let (echo_tx, echo) = oneshot::channel();
        self.echoes()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(message.id.to_string(), echo_tx);
        let result = async {
            self.send_message(&message).await?;
            match tokio::time::timeout(self.call_timeout(), echo).await {
                Ok(Ok(echoed)) => Ok(echoed),
                Ok(Err(_)) => Err(transport("the hub connection ended before the echo came")),
                Err(_) => Err(transport("the hub did not echo the message in time")),
            }
        }
        .await;
        self.echoes()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(message.id.as_str());
        result
    }

    /// `MarkMessagesRead({senderId, ids, readTime: now})`: marks messages from `sender`
    /// read; the sender gets [`HubEvent::MessagesRead`](super::HubEvent::MessagesRead).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for no ids or a
    /// sender without `U-`; otherwise as [`invoke_raw`](Self::invoke_raw).
    #[tracing::instrument(skip_all, fields(count = ids.len()))]
    pub async fn mark_messages_read(&self, sender: &UserId, ids: &[MessageId]) -> Result<()> {
        check_user(sender)?;
        if ids.is_empty() {
            return Err(Error::invalid_input("no message ids to mark read").with_service(SERVICE));
        }
        let argument = MarkRead {
            sender_id: sender,
            ids,
            read_time: Utc::now(),
        };
        self.call("MarkMessagesRead", vec![to_value(&argument)?], true, None)
            .await
            .map(drop)
    }

    /// `UpdateContact(contact)`: `contactStatus` `Accepted` adds (or accepts) a contact,
    /// `Ignored` removes one. Returns the server's boolean result.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for a contact
    /// id without `U-`; [`ErrorKind::Decode`](omniauth_types::ErrorKind::Decode) for a
    /// result that is not a boolean or missing; otherwise as [`invoke_raw`](Self::invoke_raw).
    #[tracing::instrument(skip_all, fields(contact = %contact.id))]
    pub async fn update_contact(&self, contact: &Contact) -> Result<bool> {
        check_user(&contact.id)?;
        let mut contact = contact.clone();
        if !contact.owner_id.has_expected_prefix() {
            contact.owner_id = self.user_id().clone();
        }
        let raw = self
            .call("UpdateContact", vec![to_value(&contact)?], true, None)
            .await?;
        match raw.as_deref().map(RawValue::get) {
            None => Err(no_result("UpdateContact")),
            Some(text) => serde_json::from_str(text).map_err(|err| {
                Error::decode(None, text.as_bytes())
                    .with_service(SERVICE)
                    .with_message("the UpdateContact result is not a boolean")
                    .with_source(err)
            }),
        }
    }

    /// `BroadcastSession(...)` as a raw invocation. **Unverified**: no source documents its
    /// arguments (the wiki only lists the name); this sends what you pass.
    ///
    /// # Errors
    /// As [`invoke_raw`](Self::invoke_raw).
    #[tracing::instrument(skip_all)]
    pub async fn broadcast_session(&self, arguments: Vec<Value>) -> Result<Value> {
        self.invoke_raw("BroadcastSession", arguments).await
    }

    /// `BroadcastSessionEnded(...)` as a raw invocation. **Unverified**, like
    /// [`broadcast_session`](Self::broadcast_session).
    ///
    /// # Errors
    /// As [`invoke_raw`](Self::invoke_raw).
    #[tracing::instrument(skip_all)]
    pub async fn broadcast_session_ended(&self, arguments: Vec<Value>) -> Result<Value> {
        self.invoke_raw("BroadcastSessionEnded", arguments).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn initialize_status_results() {
        let contacts = decode_contacts(Some(&raw(
            r#"{"contacts":[{"id":"U-b","contactUsername":"b","contactStatus":"Accepted","userStatus":{"onlineStatus":"Online"}}]}"#,
        )))
        .unwrap();
        assert_eq!(contacts.len(), 1);
        assert!(contacts[0].user_status.is_some());
        assert!(
            decode_contacts(None).is_err(),
            "no result is an error, not no contacts"
        );
        assert!(decode_contacts(Some(&raw("null"))).unwrap().is_empty());
        assert_eq!(
            decode_contacts(Some(&raw(r#"[{"id":"U-c"}]"#)))
                .unwrap()
                .len(),
            1
        );
        assert!(decode_contacts(Some(&raw("5"))).is_err());
    }

    #[test]
    fn broadcast_targets_and_read_marks_serialize_as_clients_send_them() {
        assert_eq!(
            serde_json::to_value(BroadcastTarget::all_contacts()).unwrap(),
            serde_json::json!({"group": 1, "targetIds": null})
        );
        let ids = [MessageId::new("MSG-1")];
        let sender = UserId::new("U-a");
        let value = serde_json::to_value(MarkRead {
            sender_id: &sender,
            ids: &ids,
            read_time: DateTime::UNIX_EPOCH,
        })
        .unwrap();
        assert_eq!(value["senderId"], "U-a");
        assert_eq!(value["ids"][0], "MSG-1");
        assert!(value["readTime"].as_str().unwrap().starts_with("1970"));
    }
}
