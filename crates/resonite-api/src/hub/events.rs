//! The events the hub pushes (spec §2.4), typed, and the connection's own events.

use chrono::{DateTime, Utc};
use omniauth_types::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::SERVICE;
use crate::model::time::{lenient, null_as_default, null_as_empty};
use crate::model::{Contact, Message, MessageId, SessionId, SessionInfo, UserId, UserStatus};

/// Event targets, as the server names them (matched ignoring case).
pub mod target {
    /// `ReceiveStatusUpdate`.
    pub const RECEIVE_STATUS_UPDATE: &str = "ReceiveStatusUpdate";
    /// `ReceiveSessionUpdate` (very high volume; skipped unless asked for).
    pub const RECEIVE_SESSION_UPDATE: &str = "ReceiveSessionUpdate";
    /// `RemoveSession`.
    pub const REMOVE_SESSION: &str = "RemoveSession";
    /// `MessageSent`.
    pub const MESSAGE_SENT: &str = "MessageSent";
    /// `ReceiveMessage`.
    pub const RECEIVE_MESSAGE: &str = "ReceiveMessage";
    /// `MessagesRead`.
    pub const MESSAGES_READ: &str = "MessagesRead";
    /// `Debug`.
    pub const DEBUG: &str = "Debug";
}

/// `MessagesRead`: the recipient read some of the messages you sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessagesRead {
    /// Who read them.
    #[serde(deserialize_with = "null_as_default")]
    pub recipient_id: UserId,
    /// Which.
    #[serde(deserialize_with = "null_as_empty")]
    pub ids: Vec<MessageId>,
    /// When.
    #[serde(deserialize_with = "lenient")]
    pub read_time: Option<DateTime<Utc>>,
}

/// Something the hub connection delivers.
#[derive(Debug)]
#[non_exhaustive]
pub enum HubEvent {
    /// `ReceiveStatusUpdate`: a user's presence changed (or was asked for).
    StatusUpdate(Box<UserStatus>),
    /// `ReceiveSessionUpdate` (only with
    /// [`HubBuilder::session_updates`](super::HubBuilder::session_updates)).
    SessionUpdate(Box<SessionInfo>),
    /// `RemoveSession`: a session ended.
    RemoveSession {
        /// The session.
        session_id: SessionId,
        /// When, if readable.
        at: Option<DateTime<Utc>>,
    },
    /// `MessageSent`: the echo of a message this account sent (from any device).
    MessageSent(Box<Message>),
    /// `ReceiveMessage`: a message for this account.
    ReceiveMessage(Box<Message>),
    /// `MessagesRead`: messages this account sent were read.
    MessagesRead(MessagesRead),
    /// `Debug`: a server log line.
    Debug(String),
    /// A target this crate does not know (`SendStatusToUser`, …), kept raw.
    Unknown {
        /// The target, as sent.
        target: String,
        /// The arguments, as sent.
        arguments: serde_json::Value,
    },
    /// A record that could not be read (not JSON, wrong shape, arguments of another type):
    /// the connection goes on.
    Malformed(Error),
    /// The connection dropped; the client reconnects with backoff.
    Disconnected(Error),
    /// The contacts (with status) that the `InitializeStatus` replayed after a reconnect
    /// returned.
    ContactsRefreshed(Vec<Contact>),
    /// The connection is back: handshake done, subscriptions replayed.
    Reconnected {
        /// The attempt that succeeded (1 = the first after the drop).
        attempt: u32,
    },
    /// The connection ended for good (a close without `allowReconnect`, a refused
    /// reconnect, or [`HubClient::close`](super::HubClient::close)); no more events follow.
    Closed(Option<Error>),
}

/// Whether a record's target is the flood of session updates.
pub(crate) fn is_session_update(target: &str) -> bool {
    target.eq_ignore_ascii_case(target::RECEIVE_SESSION_UPDATE)
}

/// Decodes an invocation from the server into an event. `arguments` is the raw array.
///
/// # Errors
/// [`ErrorKind::Decode`](omniauth_types::ErrorKind::Decode) when the arguments of a known
/// target are not what it takes.
pub fn decode_event(target_name: &str, arguments: Option<&RawValue>) -> Result<HubEvent> {
    let raw = arguments.map_or("[]", RawValue::get);
    let is = |name: &str| target_name.eq_ignore_ascii_case(name);
    Ok(if is(target::RECEIVE_STATUS_UPDATE) {
        HubEvent::StatusUpdate(Box::new(first(target_name, raw)?))
    } else if is(target::RECEIVE_SESSION_UPDATE) {
        HubEvent::SessionUpdate(Box::new(first(target_name, raw)?))
    } else if is(target::REMOVE_SESSION) {
        let (session_id, at): (SessionId, Option<serde_json::Value>) =
            match args::<Vec<serde_json::Value>>(target_name, raw)?.as_slice() {
                [id, rest @ ..] => (
                    serde_json::from_value(id.clone()).map_err(|e| bad(target_name, raw, e))?,
                    rest.first().cloned(),
                ),
                [] => return Err(missing(target_name, raw)),
            };
        HubEvent::RemoveSession {
            session_id,
            at: at
                .as_ref()
                .and_then(serde_json::Value::as_str)
                .and_then(crate::model::parse_timestamp),
        }
    } else if is(target::MESSAGE_SENT) {
        HubEvent::MessageSent(Box::new(first(target_name, raw)?))
    } else if is(target::RECEIVE_MESSAGE) {
        HubEvent::ReceiveMessage(Box::new(first(target_name, raw)?))
    } else if is(target::MESSAGES_READ) {
        HubEvent::MessagesRead(first(target_name, raw)?)
    } else if is(target::DEBUG) {
        let value: serde_json::Value = first(target_name, raw)?;
        HubEvent::Debug(match value {
            serde_json::Value::String(text) => text,
            other => other.to_string(),
        })
    } else {
        HubEvent::Unknown {
            target: target_name.to_owned(),
            arguments: serde_json::from_str(raw).map_err(|e| bad(target_name, raw, e))?,
        }
    })
}

fn args<T: DeserializeOwned>(target_name: &str, raw: &str) -> Result<T> {
    serde_json::from_str(raw).map_err(|e| bad(target_name, raw, e))
}

/// The first argument, as `T`.
fn first<T: DeserializeOwned>(target_name: &str, raw: &str) -> Result<T> {
    // A tuple reads the first element and ignores no others: take a list of raw values.
    let list: Vec<Box<RawValue>> = args(target_name, raw)?;
    let head = list.first().ok_or_else(|| missing(target_name, raw))?;
    serde_json::from_str(head.get()).map_err(|e| bad(target_name, raw, e))
}

fn bad(target_name: &str, raw: &str, err: serde_json::Error) -> Error {
    Error::decode(None, raw.as_bytes())
        .with_service(SERVICE)
        .with_message(format!(
            "the arguments of {target_name} are not what it takes"
        ))
        .with_source(err)
}

fn missing(target_name: &str, raw: &str) -> Error {
    Error::decode(None, raw.as_bytes())
        .with_service(SERVICE)
        .with_message(format!("{target_name} came without arguments"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn known_targets_in_any_case() {
        let event = decode_event(
            "receivemessage",
            Some(&raw(r#"[{"id":"MSG-1","messageType":"Text","content":"hi","lastUpdateTime":"0001-01-01T00:00:00"}]"#)),
        )
        .unwrap();
        let HubEvent::ReceiveMessage(message) = event else {
            panic!("{event:?}")
        };
        assert_eq!(message.content, "hi");
        let event = decode_event(
            "RemoveSession",
            Some(&raw(r#"["S-1","2025-05-24T20:49:29.6335177Z"]"#)),
        )
        .unwrap();
        assert!(
            matches!(event, HubEvent::RemoveSession { ref session_id, at: Some(_) } if session_id == "S-1")
        );
        let read = decode_event(
            "MessagesRead",
            Some(&raw(
                r#"[{"recipientId":"U-b","ids":["MSG-1"],"readTime":null}]"#,
            )),
        )
        .unwrap();
        assert!(
            matches!(read, HubEvent::MessagesRead(ref r) if r.ids.len() == 1 && r.read_time.is_none())
        );
        assert!(matches!(
            decode_event("Debug", Some(&raw(r#"["log line"]"#))).unwrap(),
            HubEvent::Debug(line) if line == "log line"
        ));
    }

    #[test]
    fn unknown_targets_stay_raw_and_bad_arguments_are_errors() {
        let event = decode_event("SendStatusToUser", Some(&raw("[1,2]"))).unwrap();
        assert!(matches!(
            event,
            HubEvent::Unknown { ref target, ref arguments }
                if target == "SendStatusToUser" && *arguments == serde_json::json!([1, 2])
        ));
        assert!(decode_event("ReceiveMessage", Some(&raw("[]"))).is_err());
        assert!(decode_event("ReceiveMessage", Some(&raw("{}"))).is_err());
        assert!(decode_event("ReceiveMessage", Some(&raw("[5]"))).is_err());
        assert!(decode_event("RemoveSession", None).is_err());
        assert!(is_session_update("receiveSessionUpdate"));
    }
}
