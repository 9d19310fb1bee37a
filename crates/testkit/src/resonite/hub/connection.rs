//! One hub connection: the handshake, record framing, pings, the client timeout, and the
//! dispatch of invocations.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::ws::{Message, WebSocket};
use serde_json::{Value, json};
use tokio::sync::mpsc;
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
        Some(1) => None,
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
    // Records that came with the handshake.
    let pending = records(&mut buffer, "");
    for record in pending {
        if !handle(&hub, id, &user_id, &record) {
            lock(&hub.conns).remove(&id);
            return;
        }
    }
    let ping_every = hub.ping_interval();
    let mut ping = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
    let mut last_heard = Instant::now();
    loop {
        let timeout = tokio::time::sleep_until(last_heard + hub.client_timeout());
        tokio::select! {
            incoming = socket.recv() => {
                last_heard = Instant::now();
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text.as_str().to_owned(),
                    Some(Ok(Message::Binary(bytes))) => String::from_utf8_lossy(&bytes).into_owned(),
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                let mut alive = true;
                for record in records(&mut buffer, &text) {
                    if !handle(&hub, id, &user_id, &record) {
                        alive = false;
                        break;
                    }
                }
                if !alive {
                    let close = json!({"type": 7, "error": "Connection closed with an error."});
                    let _ = socket.send(frame(&close)).await;
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
            }
            out = rx.recv() => {
                match out {
                    Some(Out::Frame(text)) => {
                        if socket.send(Message::text(text)).await.is_err() {
                            break;
                        }
                    }
                    Some(Out::Close { error, allow_reconnect }) => {
                        let mut close = json!({"type": 7});
                        if let Some(error) = error {
                            close["error"] = Value::String(error);
                        }
                        if let Some(allow) = allow_reconnect {
                            close["allowReconnect"] = Value::Bool(allow);
                        }
                        let _ = socket.send(frame(&close)).await;
                        let _ = socket.send(Message::Close(None)).await;
                        break;
                    }
                    Some(Out::Abort) | None => break,
                }
            }
            _ = ping.tick() => {
                if hub.pinging.load(Ordering::Relaxed)
                    && socket.send(frame(&json!({"type": 6}))).await.is_err()
                {
                    break;
                }
            }
            () = timeout => break,
        }
    }
    lock(&hub.conns).remove(&id);
}

/// Handles one record from the client; `false` when the connection must close.
fn handle(hub: &HubState, conn: u64, user_id: &str, record: &str) -> bool {
    let Ok(Value::Object(message)) = serde_json::from_str::<Value>(record) else {
        return false;
    };
    match message.get("type").and_then(Value::as_i64) {
        Some(1) => {
            let target = message
                .get("target")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let invocation_id = message
                .get("invocationId")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let arguments = match message.get("arguments") {
                Some(Value::Array(list)) => list.clone(),
                None | Some(Value::Null) => Vec::new(),
                Some(_) => return false,
            };
            lock(&hub.invocations).push(HubInvocation {
                connection: conn,
                user_id: user_id.to_owned(),
                target: target.clone(),
                arguments: arguments.clone(),
                invocation_id: invocation_id.clone(),
            });
            let outcome = functions::dispatch(hub, conn, user_id, &target, &arguments);
            if let Some(id) = invocation_id {
                let completion = match outcome {
                    Ok(Value::Null) => json!({"type": 3, "invocationId": id}),
                    Ok(result) => json!({"type": 3, "invocationId": id, "result": result}),
                    Err(error) => json!({"type": 3, "invocationId": id, "error": error}),
                };
                let text = {
                    let mut text = completion.to_string();
                    text.push(RS);
                    text
                };
                if let Some(c) = lock(&hub.conns).get(&conn) {
                    let _ = c.out.send(Out::Frame(text));
                }
            }
            true
        }
        // Pings, cancels and stream invocations: nothing to answer (no streams here).
        Some(4..=6) => true,
        _ => false,
    }
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
        assert!(
            handshake_error(r#"{"protocol":"json","version":2}"#)
                .unwrap()
                .contains("version 2")
        );
        assert!(handshake_error("nope").is_some());
    }
}
