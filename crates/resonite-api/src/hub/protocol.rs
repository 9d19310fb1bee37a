//! The SignalR JSON hub protocol's messages (spec §2.2): the handshake and the typed records,
//! read as an envelope whose payload stays raw JSON until someone wants it.

use omniauth_types::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::SERVICE;

/// The handshake the client sends right after the upgrade.
pub const HANDSHAKE: &str = r#"{"protocol":"json","version":1}"#;

/// The ping record, sent both ways.
pub const PING: &str = r#"{"type":6}"#;

/// Record types of the protocol.
pub mod message_type {
    /// Invocation (both ways).
    pub const INVOCATION: u8 = 1;
    /// Stream item (server → client).
    pub const STREAM_ITEM: u8 = 2;
    /// Completion (server → client).
    pub const COMPLETION: u8 = 3;
    /// Stream invocation (client → server).
    pub const STREAM_INVOCATION: u8 = 4;
    /// Cancel invocation (client → server).
    pub const CANCEL_INVOCATION: u8 = 5;
    /// Ping (both ways).
    pub const PING: u8 = 6;
    /// Close (server → client).
    pub const CLOSE: u8 = 7;
}

/// One record from the server, its payload (`arguments`, `result`, `item`) kept raw so that
/// a record nobody wants is never deserialized into values.
#[derive(Debug, Deserialize)]
pub struct Envelope<'a> {
    /// The record type (see [`message_type`]); absent in handshake answers.
    #[serde(rename = "type")]
    pub kind: Option<u8>,
    /// The invoked target (invocations).
    #[serde(borrow, default)]
    pub target: Option<std::borrow::Cow<'a, str>>,
    /// The invocation id (invocations that want an answer, completions, stream items).
    #[serde(rename = "invocationId", default)]
    pub invocation_id: Option<String>,
    /// The arguments (invocations).
    #[serde(borrow, default)]
    pub arguments: Option<&'a RawValue>,
    /// The result (completions).
    #[serde(borrow, default)]
    pub result: Option<&'a RawValue>,
    /// The stream item (stream items).
    #[serde(borrow, default)]
    pub item: Option<&'a RawValue>,
    /// The error (completions, close, handshake answers).
    #[serde(default)]
    pub error: Option<String>,
    /// Whether the client may reconnect (close).
    #[serde(rename = "allowReconnect", default)]
    pub allow_reconnect: Option<bool>,
}

impl<'a> Envelope<'a> {
    /// Reads one record's envelope.
    ///
    /// # Errors
    /// [`ErrorKind::Decode`](omniauth_types::ErrorKind::Decode) when the record is not a
    /// JSON object of this shape.
    pub fn parse(record: &'a str) -> Result<Self> {
        let not_a_message = || {
            Error::decode(None, record.as_bytes())
                .with_service(SERVICE)
                .with_message("a hub record is not a SignalR message")
        };
        // serde would read a struct from an array too: only objects are messages.
        if !record.trim_start().starts_with('{') {
            return Err(not_a_message());
        }
        serde_json::from_str(record).map_err(|err| not_a_message().with_source(err))
    }

    /// Whether this invocation's target is `name`, ignoring ASCII case.
    pub fn is_target(&self, name: &str) -> bool {
        self.target
            .as_deref()
            .is_some_and(|target| target.eq_ignore_ascii_case(name))
    }
}

/// An invocation the client sends; without `invocationId` it is fire-and-forget.
#[derive(Debug, Serialize)]
struct Outgoing<'a> {
    #[serde(rename = "type")]
    kind: u8,
    #[serde(rename = "invocationId", skip_serializing_if = "Option::is_none")]
    invocation_id: Option<&'a str>,
    target: &'a str,
    arguments: &'a [serde_json::Value],
}

/// The JSON of an invocation record (without separator).
///
/// # Errors
/// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) when the arguments
/// cannot be written as JSON (a map with non-string keys).
pub fn invocation_json(
    invocation_id: Option<&str>,
    target: &str,
    arguments: &[serde_json::Value],
) -> Result<String> {
    serde_json::to_string(&Outgoing {
        kind: message_type::INVOCATION,
        invocation_id,
        target,
        arguments,
    })
    .map_err(|err| {
        Error::invalid_input("the invocation's arguments are not JSON")
            .with_service(SERVICE)
            .with_source(err)
    })
}

/// Reads the server's handshake answer: `{}` is success, `{"error": …}` a refusal.
///
/// # Errors
/// The server's `error` text mapped by [`map_hub_error`](super::map_hub_error) for a refusal,
/// [`ErrorKind::Decode`](omniauth_types::ErrorKind::Decode) for anything else.
pub fn read_handshake_answer(record: &str) -> Result<()> {
    let envelope = Envelope::parse(record)?;
    if let Some(error) = envelope.error {
        return Err(super::error::map_hub_error(&error));
    }
    if envelope.kind.is_some() {
        return Err(Error::decode(None, record.as_bytes())
            .with_service(SERVICE)
            .with_message("the hub answered the handshake with a message"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_keep_payloads_raw() {
        let record = r#"{"type":1,"target":"receiveMESSAGE","arguments":[{"id":"MSG-1"}]}"#;
        let envelope = Envelope::parse(record).unwrap();
        assert_eq!(envelope.kind, Some(1));
        assert!(envelope.is_target("ReceiveMessage"));
        assert_eq!(envelope.arguments.unwrap().get(), r#"[{"id":"MSG-1"}]"#);
        let escaped = Envelope::parse(r#"{"type":1,"target":"Re\u0063eive"}"#).unwrap();
        assert!(escaped.is_target("Receive"));
        assert!(Envelope::parse("[1]").is_err());
        assert!(Envelope::parse(r#"{"type":"x"}"#).is_err());
    }

    #[test]
    fn invocations_and_handshakes() {
        let json = invocation_json(
            Some("7"),
            "RequestStatus",
            &[serde_json::Value::Null, false.into()],
        )
        .unwrap();
        assert_eq!(
            json,
            r#"{"type":1,"invocationId":"7","target":"RequestStatus","arguments":[null,false]}"#
        );
        let fire = invocation_json(None, "ListenOnKey", &["k".into()]).unwrap();
        assert!(!fire.contains("invocationId"));
        assert!(read_handshake_answer("{}").is_ok());
        let refused = read_handshake_answer(r#"{"error":"nope"}"#).unwrap_err();
        assert_eq!(refused.message(), Some("nope"));
        assert!(read_handshake_answer(r#"{"type":6}"#).is_err());
        assert!(read_handshake_answer("nope").is_err());
    }
}
