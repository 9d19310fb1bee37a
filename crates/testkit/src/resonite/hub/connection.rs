//! One hub connection: the handshake, record framing, pings, the client timeout, how it
//! ends, and the dispatch of invocations and streams.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::ws::{Message, WebSocket};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::functions;
use super::state::{Conn, HubInvocation, HubState, Out, lock};

const RS: char = '\u{1e}';

/// The handshake errors, as ASP.NET Core words them.
fn handshake_error(record: &str) -> Option<String> {
    let Ok(Value::Object(request)) = serde_json::from_str::<Value>(record) else {
        return Some("An unexpected error occurred during connection handshake.".into());
    };
    let protocol = request
        .get("protocol")
        .and_then(Value::as_str)
        .unwrap_or("");
    if protocol != "json" {
        return Some(format!("The protocol '{protocol}' is not supported."));
    }
    match request.get("version").and_then(Value::as_i64) {
        Some(0..=2) => None,
        Some(version) => Some(format!(
            "The server does not support version {version} of the 'json' protocol."
        )),
        None => Some("An unexpected error occurred during connection handshake.".into()),
    }
}

/// Splits a frame into records, keeping an unfinished one in `buffer`.
fn records(buffer: &mut String, frame: &str) -> Vec<String> {
    buffer.push_str(frame);
    let mut out = Vec::new();
    while let Some(end) = buffer.find(RS) {
        let record: String = buffer.drain(..=end).collect();
        let record = record.trim_end_matches(RS).to_owned();
        if !record.trim().is_empty() {
            out.push(record);
        }
    }
    out
}

fn frame(value: &Value) -> Message {
    let mut text = value.to_string();
    text.push(RS);
    Message::text(text)
}

/// Reads the handshake record and answers a bad one; the buffer (holding what came after
/// the handshake) when it is good. The caller answers `{}` once the connection is
/// registered, so that a test hook called right after the client connected reaches it.
async fn handshake(socket: &mut WebSocket) -> Option<String> {
    let mut buffer = String::new();
    // The handshake: the first record, within 15 s (ASP.NET's default).
    let deadline = Instant::now() + std::time::Duration::from_secs(15);
    let first = loop {
        let next = tokio::time::timeout_at(deadline, socket.recv()).await;
        let Ok(Some(Ok(message))) = next else {
            return None;
        };
        let text = match message {
            Message::Text(text) => text.as_str().to_owned(),
            Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Message::Close(_) => return None,
            _ => continue,
        };
        let mut got = records(&mut buffer, &text);
        if !got.is_empty() {
            let first = got.remove(0);
            // Records after the handshake in the same frame go back in the buffer.
            let rest = got.iter().fold(String::new(), |mut rest, record| {
                rest.push_str(record);
                rest.push(RS);
                rest
            });
            buffer.insert_str(0, &rest);
            break first;
        }
    };
    if let Some(error) = handshake_error(&first) {
        let _ = socket.send(frame(&json!({ "error": error }))).await;
        let _ = socket.send(Message::Close(None)).await;
        return None;
    }
    Some(buffer)
}

/// What one record from the client asks of the connection.
enum Next {
    /// Go on reading.
    Continue,
    /// The client said goodbye (type 7): end without an error.
    ClientClosed,
    /// A record the protocol cannot parse: end with an error.
    Fatal,
}

/// The close message (type 7) ASP.NET sends as a connection ends.
fn close_message(error: Option<&str>, allow_reconnect: Option<bool>) -> Value {
    let mut close = json!({"type": 7});
    if let Some(error) = error {
        close["error"] = Value::String(error.to_owned());
    }
    if let Some(allow) = allow_reconnect {
        close["allowReconnect"] = Value::Bool(allow);
    }
    close
}

/// Sends the close message and the WebSocket close frame, then waits (bounded) for the
/// client's close frame so the closing handshake completes instead of a reset.
async fn close_with(socket: &mut WebSocket, close: &Value) {
    let _ = socket.send(frame(close)).await;
    let _ = socket.send(Message::Close(None)).await;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}

/// The streams of one connection that are still running, by invocation id.
type Streams = HashMap<String, oneshot::Sender<()>>;

pub(crate) async fn run(mut socket: WebSocket, hub: Arc<HubState>, user_id: String) {
    let Some(mut buffer) = handshake(&mut socket).await else {
        return;
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let id = hub.next_conn.fetch_add(1, Ordering::Relaxed);
    lock(&hub.conns).insert(
        id,
        Conn {
            user_id: user_id.clone(),
            out: tx,
            initialized: false,
            contacts: HashSet::default(),
            keys: HashSet::default(),
        },
    );
    if socket.send(frame(&json!({}))).await.is_err() {
        lock(&hub.conns).remove(&id);
        return;
    }
    hub.handshakes.fetch_add(1, Ordering::Relaxed);
    let mut streams = Streams::new();
    let ping_every = hub.ping_interval();
    let mut ping = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
    // ASP.NET restarts the client timeout on each parsed message, not on any frame: a
    // client that only answers WebSocket pings is still silent (§0.1).
    let mut last_heard = Instant::now();
    // Records that came with the handshake.
    let mut pending = Some(String::new());
    loop {
        let text = if let Some(text) = pending.take() {
            Some(text)
        } else {
            let timeout = tokio::time::sleep_until(last_heard + hub.client_timeout());
            tokio::select! {
                incoming = socket.recv() => match incoming {
                    Some(Ok(Message::Text(text))) => Some(text.as_str().to_owned()),
                    Some(Ok(Message::Binary(bytes))) => Some(String::from_utf8_lossy(&bytes).into_owned()),
                    Some(Ok(Message::Close(_))) => {
                        // tungstenite queued the close reply; flushing sends it.
                        let _ = futures_util::SinkExt::flush(&mut socket).await;
                        break;
                    }
                    Some(Err(_)) | None => break,
                    Some(Ok(_)) => None,
                },
                out = rx.recv() => {
                    match out {
                        Some(Out::Frame(text)) => {
                            if socket.send(Message::text(text)).await.is_err() {
                                break;
                            }
                        }
                        Some(Out::Close { error, allow_reconnect }) => {
                            close_with(&mut socket, &close_message(error.as_deref(), allow_reconnect)).await;
                            break;
                        }
                        Some(Out::Abort) | None => break,
                    }
                    None
                }
                _ = ping.tick() => {
                    if hub.pinging.load(Ordering::Relaxed)
                        && socket.send(frame(&json!({"type": 6}))).await.is_err()
                    {
                        break;
                    }
                    None
                }
                () = timeout => {
                    let close = close_message(Some("Connection closed with an error."), Some(true));
                    close_with(&mut socket, &close).await;
                    break;
                }
            }
        };
        let Some(text) = text else { continue };
        let mut next = Next::Continue;
        for record in records(&mut buffer, &text) {
            last_heard = Instant::now();
            next = handle(&hub, id, &user_id, &record, &mut streams);
            if !matches!(next, Next::Continue) {
                break;
            }
        }
        match next {
            Next::Continue => {}
            Next::ClientClosed => {
                close_with(&mut socket, &close_message(None, None)).await;
                break;
            }
            Next::Fatal => {
                let close = close_message(Some("Connection closed with an error."), None);
                close_with(&mut socket, &close).await;
                break;
            }
        }
    }
    lock(&hub.conns).remove(&id);
    // Ending the connection cancels its streams.
    for (_, cancel) in streams.drain() {
        let _ = cancel.send(());
    }
}

/// Handles one record from the client.
fn handle(
    hub: &Arc<HubState>,
    conn: u64,
    user_id: &str,
    record: &str,
    streams: &mut Streams,
) -> Next {
    let Ok(Value::Object(message)) = serde_json::from_str::<Value>(record) else {
        return Next::Fatal;
    };
    let invocation_id = message
        .get("invocationId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    match message.get("type").and_then(Value::as_i64) {
        Some(kind @ (1 | 4)) => {
            let target = message.get("target").and_then(Value::as_str);
            let arguments = match message.get("arguments") {
                Some(Value::Array(list)) => Some(list.clone()),
                None | Some(Value::Null) => Some(Vec::new()),
                Some(_) => None,
            };
            lock(&hub.invocations).push(HubInvocation {
                connection: conn,
                user_id: user_id.to_owned(),
                target: target.unwrap_or("").to_owned(),
                arguments: arguments.clone().unwrap_or_default(),
                invocation_id: invocation_id.clone(),
            });
            let (Some(target), Some(arguments)) = (target, arguments) else {
                if let Some(id) = invocation_id {
                    let target = target.unwrap_or("");
                    let error =
                        format!("Failed to invoke '{target}' due to an error on the server.");
                    hub.send_one(
                        conn,
                        &json!({"type": 3, "invocationId": id, "error": error}),
                    );
                }
                return Next::Continue;
            };
            if kind == 4 {
                stream(
                    hub,
                    conn,
                    user_id,
                    target,
                    &arguments,
                    invocation_id,
                    streams,
                );
            } else {
                invoke(hub, conn, user_id, target, &arguments, invocation_id);
            }
            Next::Continue
        }
        Some(5) => {
            if let Some(cancel) = invocation_id.and_then(|id| streams.remove(&id)) {
                hub.stream_cancels.fetch_add(1, Ordering::Relaxed);
                let _ = cancel.send(());
            }
            Next::Continue
        }
        Some(3) => {
            // A client result: kept for tests; the server waits on no invocation of its own.
            lock(&hub.client_completions).push(Value::Object(message));
            Next::Continue
        }
        Some(7) => {
            hub.client_closes.fetch_add(1, Ordering::Relaxed);
            Next::ClientClosed
        }
        // Pings only restart the timeout; a client's Completion, StreamItem, Ack (8),
        // Sequence (9) or a type from a newer protocol are ignored, as ASP.NET does (§0.1).
        Some(_) => Next::Continue,
        None => Next::Fatal,
    }
}

fn invoke(
    hub: &HubState,
    conn: u64,
    user_id: &str,
    target: &str,
    arguments: &[Value],
    invocation_id: Option<String>,
) {
    let outcome = if functions::is_stream(target) {
        Err(format!(
            "The client attempted to invoke the streaming '{target}' method with a non-streaming invocation."
        ))
    } else {
        functions::dispatch(hub, conn, user_id, target, arguments)
    };
    if let Some(id) = invocation_id {
        let completion = match outcome {
            Ok(Value::Null) => json!({"type": 3, "invocationId": id}),
            Ok(_) if hub.omit_results.load(Ordering::Relaxed) => {
                json!({"type": 3, "invocationId": id})
            }
            Ok(result) => json!({"type": 3, "invocationId": id, "result": result}),
            Err(error) => json!({"type": 3, "invocationId": id, "error": error}),
        };
        hub.send_one(conn, &completion);
    }
}

/// Starts a stream: its items go out from a task of their own, so that a
/// `CancelInvocation` read meanwhile can end it.
fn stream(
    hub: &Arc<HubState>,
    conn: u64,
    user_id: &str,
    target: &str,
    arguments: &[Value],
    invocation_id: Option<String>,
    streams: &mut Streams,
) {
    // A stream invocation without an id cannot be answered; ASP.NET drops it too.
    let Some(id) = invocation_id else { return };
    let items = if functions::is_stream(target) {
        functions::stream_items(hub, conn, user_id, target, arguments)
    } else if functions::is_known(target) {
        Err(format!(
            "The client attempted to invoke the non-streaming '{target}' method with a streaming invocation."
        ))
    } else {
        Err(format!("Unknown hub method '{target}'"))
    };
    let items = match items {
        Ok(items) => items,
        Err(error) => {
            hub.send_one(
                conn,
                &json!({"type": 3, "invocationId": id, "error": error}),
            );
            return;
        }
    };
    let (cancel, mut cancelled) = oneshot::channel();
    streams.insert(id.clone(), cancel);
    let hub = hub.clone();
    tokio::spawn(async move {
        let delay = hub.stream_item_delay();
        for item in items {
            tokio::select! {
                _ = &mut cancelled => break,
                () = tokio::time::sleep(delay) => {}
            }
            if !hub.send_one(conn, &json!({"type": 2, "invocationId": id, "item": item})) {
                return;
            }
        }
        hub.send_one(conn, &json!({"type": 3, "invocationId": id}));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_and_handshakes() {
        let mut buffer = String::new();
        assert_eq!(records(&mut buffer, "{}\u{1e}{\"a\""), vec!["{}"]);
        assert_eq!(records(&mut buffer, ":1}\u{1e}"), vec!["{\"a\":1}"]);
        assert!(handshake_error(r#"{"protocol":"json","version":1}"#).is_none());
        assert_eq!(
            handshake_error(r#"{"protocol":"messagepack","version":1}"#).unwrap(),
            "The protocol 'messagepack' is not supported."
        );
        for version in 0..=2 {
            let request = format!(r#"{{"protocol":"json","version":{version}}}"#);
            assert!(handshake_error(&request).is_none(), "{request}");
        }
        assert!(
            handshake_error(r#"{"protocol":"json","version":3}"#)
                .unwrap()
                .contains("version 3")
        );
        assert!(handshake_error("nope").is_some());
    }
}
