//! The emulator as any client sees it: raw HTTP, no `resonite-api`.

use http::StatusCode;
use serde_json::{Value, json};

use super::Resonite;

async fn started() -> (Resonite, reqwest::Client, String) {
    let resonite = Resonite::builder().rate_limit(None).start().await.unwrap();
    let alice = resonite.add_account("alice", "alice@example.com", "pw");
    (resonite, reqwest::Client::new(), alice)
}

/// Logs Alice in with the right password; returns her token.
async fn login_token(resonite: &Resonite, http: &reqwest::Client) -> String {
    let json: Value = http
        .post(resonite.server().url("/userSessions"))
        .header("UID", "u")
        .json(&body("pw"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    json["entity"]["token"].as_str().unwrap().to_owned()
}

fn body(password: &str) -> Value {
    json!({
        "userName": "Alice",
        "authentication": {"$type": "password", "password": password},
        "secretMachineId": "m",
        "rememberMe": true
    })
}

#[tokio::test]
async fn login_answers_follow_the_spec() {
    let (resonite, http, alice) = started().await;
    let url = resonite.server().url("/userSessions");
    let answer = http
        .post(&url)
        .header("UID", "u")
        .json(&body("pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let json: Value = answer.json().await.unwrap();
    let entity = &json["entity"];
    assert_eq!(entity["userId"], alice);
    assert!(entity["token"].as_str().unwrap().ends_with('='));
    assert_eq!(entity["rowKey"], entity["token"]);
    assert_eq!(
        entity["expire"].as_str().unwrap().len(),
        "2025-05-24T20:49:29.6335177Z".len()
    );

    let answer = http
        .post(&url)
        .header("UID", "u")
        .json(&body("no"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert_eq!(answer.text().await.unwrap(), super::INVALID_CREDENTIALS);

    let answer = http.post(&url).json(&body("pw")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "no UID header");

    resonite.set_totp(&alice, Some("1234"));
    let answer = http
        .post(&url)
        .header("UID", "u")
        .json(&body("pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(answer.text().await.unwrap(), "TOTP");
    let answer = http
        .post(&url)
        .header("UID", "u")
        .header("TOTP", "1234")
        .json(&body("pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
}

#[tokio::test]
async fn tokens_authorize_extend_and_revoke() {
    let (resonite, http, alice) = started().await;
    let url = resonite.server().url("/userSessions");
    let token = login_token(&resonite, &http).await;
    let auth = format!("res {alice}:{token}");
    let patch = http
        .patch(&url)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), StatusCode::NO_CONTENT);
    let bearer = http.patch(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(bearer.status(), StatusCode::FORBIDDEN, "not Bearer");
    let other = http
        .patch(&url)
        .header("Authorization", format!("res U-bob:{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        StatusCode::FORBIDDEN,
        "someone else's token"
    );
    let contacts = resonite.server().url(&format!("/users/{alice}/contacts"));
    let listed = http
        .get(&contacts)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    let delete = resonite.server().url(&format!(
        "/userSessions/{alice}/{}",
        token.replace('/', "%2F").replace('+', "%2B")
    ));
    let gone = http
        .delete(&delete)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::OK);
    let after = http
        .get(&contacts)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        StatusCode::FORBIDDEN,
        "403, not 401, once revoked"
    );
    assert!(resonite.state().authorize(&http::HeaderMap::new()).is_err());
}

#[tokio::test]
async fn a_burst_gets_a_429() {
    let resonite = Resonite::builder()
        .rate_limit(Some(super::RateLimitConfig {
            max_requests: 2,
            window: std::time::Duration::from_secs(3600),
            retry_after: Some(5),
        }))
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let url = resonite.server().url("/testing/ping");
    for _ in 0..2 {
        assert_eq!(
            http.get(&url).send().await.unwrap().status(),
            StatusCode::OK
        );
    }
    let limited = http.get(&url).send().await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "5");
}

#[tokio::test]
async fn input_is_read_leniently_like_aspnet() {
    let (resonite, http, alice) = started().await;
    resonite.add_session(resonite.sample_session(&alice, "S-one", "One"));
    let url = resonite.server().url("/userSessions");
    let by_owner = json!({
        "ownerID": alice,
        "Authentication": {"$type": "password", "password": "pw"},
        "secretMachineId": "m",
        "rememberMe": false
    });
    let answer = http
        .post(&url)
        .header("UID", "u")
        .json(&by_owner)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let sessions = resonite
        .server()
        .url("/sessions?MINACTIVEUSERS=1&includeended=FALSE");
    let listed: Value = http
        .get(&sessions)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let bad = resonite.server().url("/sessions?minActiveUsers=lots");
    let answer = http.get(&bad).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert_eq!(answer.text().await.unwrap(), super::INVALID_REQUEST);
    let missing = http
        .get(resonite.server().url("/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

/// A WebSocket client over a bare TCP stream: enough of RFC 6455 to reach the hub and see
/// the server end the stream, with no WebSocket crate in the testkit.
mod raw_ws {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpStream;

    pub(super) async fn connect(addr: std::net::SocketAddr, auth: &str) -> TcpStream {
        let (stream, head) = upgrade(addr, auth).await;
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        stream
    }

    /// Sends the upgrade request; the stream and the answer's head.
    pub(super) async fn upgrade(addr: std::net::SocketAddr, auth: &str) -> (TcpStream, String) {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "GET /hub HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Authorization: {auth}\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(stream.read_u8().await.unwrap());
        }
        (stream, String::from_utf8(head).unwrap())
    }

    /// Sends one masked text frame.
    pub(super) async fn send(stream: &mut TcpStream, text: &str) {
        let mask = [0x5a, 0x17, 0xc3, 0x09];
        let payload = text.as_bytes();
        let mut frame = vec![0x81];
        match u8::try_from(payload.len()) {
            Ok(len) if len < 126 => frame.push(0x80 | len),
            _ => {
                let len = u16::try_from(payload.len()).expect("a test frame is short");
                frame.push(0xfe);
                frame.extend_from_slice(&len.to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        stream.write_all(&frame).await.unwrap();
    }

    /// The next data frame's text; `None` once the stream ended.
    pub(super) async fn recv(stream: &mut TcpStream) -> Option<String> {
        loop {
            let first = stream.read_u8().await.ok()?;
            let second = stream.read_u8().await.ok()?;
            let len = match second & 0x7f {
                126 => u64::from(stream.read_u16().await.ok()?),
                127 => stream.read_u64().await.ok()?,
                n => u64::from(n),
            };
            let mut payload = vec![0; usize::try_from(len).unwrap()];
            stream.read_exact(&mut payload).await.ok()?;
            if first & 0x0f == 0x1 {
                return Some(String::from_utf8(payload).unwrap());
            }
        }
    }

    /// Reads frames until `wanted` shows up in one.
    pub(super) async fn wait_for(stream: &mut TcpStream, wanted: &str) {
        let found = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while let Some(text) = recv(stream).await {
                if text.contains(wanted) {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(found, Ok(true), "{wanted} never came");
    }

    /// Reads until the server ends the stream.
    pub(super) async fn wait_for_end(stream: &mut TcpStream) {
        let ended = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while recv(stream).await.is_some() {}
        })
        .await;
        assert!(ended.is_ok(), "the server did not cut the WebSocket");
    }
}

#[tokio::test]
async fn a_restart_cuts_the_hub_keeps_the_data_and_forgets_subscriptions() {
    let (resonite, http, alice) = started().await;
    let bob = resonite.add_account("bob", "bob@example.com", "pw");
    let auth = format!("res {alice}:{}", login_token(&resonite, &http).await);
    let hub = resonite.hub();

    let mut socket = raw_ws::connect(resonite.server().addr(), &auth).await;
    raw_ws::send(&mut socket, "{\"protocol\":\"json\",\"version\":1}\u{1e}").await;
    raw_ws::wait_for(&mut socket, "{}\u{1e}").await;
    let calls = [
        r#"{"type":1,"invocationId":"1","target":"InitializeStatus","arguments":[]}"#,
        r#"{"type":1,"invocationId":"2","target":"ListenOnContact","arguments":["U-bob"]}"#,
        r#"{"type":1,"invocationId":"3","target":"ListenOnKey","arguments":["key-1"]}"#,
    ];
    raw_ws::send(&mut socket, &format!("{}\u{1e}", calls.join("\u{1e}"))).await;
    raw_ws::wait_for(&mut socket, r#""invocationId":"3""#).await;
    let before = hub.open_connections(&alice);
    assert_eq!(before.len(), 1);
    assert!(before[0].initialized);
    assert_eq!(before[0].contacts, ["U-bob"]);
    assert_eq!(before[0].keys, ["key-1"]);
    let sent = resonite.add_message(&bob, &alice, "Text", "kept", chrono::Utc::now());
    hub.set_status(&bob, json!({"onlineStatus": "Online"}));
    let base_url = resonite.base_url().to_owned();

    resonite.stop().await;
    assert!(!resonite.server().is_serving());
    raw_ws::wait_for_end(&mut socket).await;
    assert_eq!(hub.connections(&alice), 0);
    assert!(hub.open_connections(&alice).is_empty());
    assert_eq!(resonite.server().open_connections(), 0);
    assert!(
        tokio::net::TcpStream::connect(resonite.server().addr())
            .await
            .is_err(),
        "a stopped server refuses connections"
    );
    resonite.resume().unwrap();
    assert_eq!(resonite.base_url(), base_url);

    // The token and the stored message survived (a fresh client: the old one's pooled
    // connection was cut).
    let http = reqwest::Client::new();
    let messages: Value = http
        .get(resonite.server().url(&format!("/users/{alice}/messages")))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(messages[0]["id"], sent);
    assert_eq!(resonite.messages(&alice)[0]["id"], sent);
    assert_eq!(hub.status(&bob).unwrap()["onlineStatus"], "Online");
    // A user held off gets 503 until let in.
    hub.set_upgrades_refused(&alice, true);
    let (_, refused) = raw_ws::upgrade(resonite.server().addr(), &auth).await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    hub.set_upgrades_refused(&alice, false);
    // A new connection starts with no subscription and a new number.
    let mut again = raw_ws::connect(resonite.server().addr(), &auth).await;
    raw_ws::send(&mut again, "{\"protocol\":\"json\",\"version\":1}\u{1e}").await;
    raw_ws::wait_for(&mut again, "{}\u{1e}").await;
    let after = hub.open_connections(&alice);
    assert_eq!(after.len(), 1);
    assert!(after[0].connection > before[0].connection);
    assert!(!after[0].initialized);
    assert!(after[0].contacts.is_empty() && after[0].keys.is_empty());
    assert_eq!(hub.handshakes(), 2);

    // The server alone cuts an upgraded connection at the socket: the hub's task sees its
    // stream end and forgets the connection by itself.
    resonite.server().restart().await.unwrap();
    raw_ws::wait_for_end(&mut again).await;
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while hub.connections(&alice) > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the cut connection's task ends");
    assert!(resonite.server().is_serving());
}
