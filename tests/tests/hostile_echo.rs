//! Servers that echo the request in their error answers: every secret the request carried
//! (body fields, headers, derived hashes, machine ids, codes, tokens) must come back as
//! `[redacted]` in the error's `Display` and `Debug`, for every service.
//!
//! The echoing server is a raw socket on loopback: it answers every request with the whole
//! request text, as the `error` member of a JSON object or as the plain body.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use omniauth_types::{AccessToken, Error, Password, RefreshToken, Session, TokenScheme, TotpCode};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// How the echo is wrapped.
#[derive(Clone, Copy)]
enum Echo {
    /// `{"error": "<request>"}` with this status.
    Json(u16),
    /// The request itself as a `text/plain` body with this status.
    Plain(u16),
}

/// A loopback server echoing every request; keeps what it received.
struct EchoServer {
    base_url: String,
    received: Arc<Mutex<Vec<String>>>,
}

impl EchoServer {
    async fn start(echo: Echo) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut socket).await else {
                        return;
                    };
                    log.lock().unwrap().push(request.clone());
                    let (status, body) = match echo {
                        Echo::Json(status) => {
                            (status, serde_json::json!({ "error": request }).to_string())
                        }
                        Echo::Plain(status) => (status, request),
                    };
                    let answer = format!(
                        "HTTP/1.1 {status} Echo\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        Self { base_url, received }
    }

    /// The body of the last request received, as JSON.
    fn last_body(&self) -> serde_json::Value {
        let received = self.received.lock().unwrap();
        let request = received.last().expect("a request arrived");
        let body = request.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
    }
}

/// One HTTP/1.1 request: the head and a `content-length` body, as text.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&buffer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                return Some(text.into_owned());
            }
        }
    }
}

/// The error shows none of `secrets`, in `Display` or `Debug`, and shows that it redacted.
#[track_caller]
fn assert_redacted(err: &Error, secrets: &[&str]) {
    let shown = [err.to_string(), format!("{err:?}")];
    for text in &shown {
        for secret in secrets {
            assert!(!secret.is_empty());
            assert!(!text.contains(secret), "{secret:?} leaks in {text}");
        }
    }
    assert!(
        shown[0].contains("[redacted]"),
        "the echo was not shown: {}",
        shown[0]
    );
}

const PASSWORD: &str = "correct-horse-battery-staple";
const TOKEN: &str = "tok-5f2a9c81e4";

fn session(service: &'static str, scheme: TokenScheme) -> Session {
    Session::new(service, "U-alice", AccessToken::new(TOKEN), scheme)
}

#[tokio::test]
async fn resonite_login_and_token_echoes_are_redacted() {
    use resonite_api::{Device, LoginIdentifier, LoginRequest, SecretMachineId};
    let machine_id = "machine-id-7c1e0b5d2a";
    let totp = "918273";
    for echo in [Echo::Json(400), Echo::Plain(400), Echo::Json(500)] {
        let server = EchoServer::start(echo).await;
        let client = resonite_api::Client::builder()
            .base_url(&server.base_url)
            .no_rate_limit()
            .build()
            .unwrap();
        let request = LoginRequest::password(
            LoginIdentifier::Username("alice".into()),
            Password::new(PASSWORD),
        )
        .totp(TotpCode::new(totp))
        .device(Device::new("uid-1", SecretMachineId::new(machine_id)));
        let err = client.login(&request).await.unwrap_err();
        assert_redacted(&err, &[PASSWORD, machine_id, totp]);

        let recovery = "recovery-3e8b1f0c";
        let request = LoginRequest::password(
            LoginIdentifier::Username("alice".into()),
            Password::new(PASSWORD),
        )
        .recovery_code(TotpCode::new(recovery));
        let err = client.login(&request).await.unwrap_err();
        assert_redacted(&err, &[PASSWORD, recovery]);

        let session = session(
            "resonite",
            TokenScheme::UserAuthorization {
                scheme: "res".into(),
            },
        );
        let err = client.logout(&session).await.unwrap_err();
        assert_redacted(&err, &[TOKEN]);
    }
}

#[tokio::test]
async fn burgerauth_echoes_of_the_derived_hash_and_key_are_redacted() {
    for echo in [Echo::Json(400), Echo::Plain(400)] {
        let server = EchoServer::start(echo).await;
        let client = burgerauth_api::Client::builder()
            .base_url(&server.base_url)
            .dialect(burgerauth_api::Dialect::V1_3)
            .build()
            .unwrap();
        let err = client
            .login("alice", &Password::new(PASSWORD))
            .await
            .unwrap_err();
        let hash = server.last_body()["password"]
            .as_str()
            .expect("the login sent a derived hash")
            .to_owned();
        assert_redacted(&err, &[PASSWORD, &hash]);

        let key = burgerauth_api::SecretKey::new(TOKEN);
        let err = client
            .userinfo(&client.session_for_key(&key))
            .await
            .unwrap_err();
        assert_redacted(&err, &[TOKEN]);

        // Fields exposed by hand, noted with `RequestBuilder::redact`.
        let (code, verifier) = ("code-61d0a7e2c9", "verifier-b84c3f19d7e2a6");
        let err = client
            .exchange_code(
                "app-1",
                &burgerauth_api::AuthorizationCode::new(code),
                &burgerauth_api::ClientAuth::Verifier(omniauth_types::PkceVerifier::new(verifier)),
            )
            .await
            .unwrap_err();
        assert_redacted(&err, &[code, verifier]);
        let err = client
            .unique_id(&AccessToken::new(TOKEN))
            .await
            .unwrap_err();
        assert_redacted(&err, &[TOKEN]);
    }
}

#[tokio::test]
async fn goscrobble_password_and_refresh_token_echoes_are_redacted() {
    // GoScrobble reports failures as 200 with an `error` member, read by its own decoder.
    for echo in [Echo::Json(200), Echo::Json(400), Echo::Plain(400)] {
        let server = EchoServer::start(echo).await;
        let client = goscrobble_api::Client::builder()
            .base_url(&server.base_url)
            .heavy_rate_limit(None)
            .build()
            .unwrap();
        let err = client
            .login("alice", &Password::new(PASSWORD))
            .await
            .unwrap_err();
        assert_redacted(&err, &[PASSWORD]);

        let refresh = "refresh-0d9e8f7a6b";
        let session = session("goscrobble", TokenScheme::Bearer)
            .with_refresh_token(RefreshToken::new(refresh), None);
        let err = client.refresh(&session).await.unwrap_err();
        assert_redacted(&err, &[refresh]);
    }
}

#[tokio::test]
async fn maillink_auth_id_and_token_echoes_are_redacted() {
    let auth_id = "45314ce9-74c8-48dd-9094-0bcf980f335b";
    for echo in [Echo::Json(500), Echo::Plain(500)] {
        let server = EchoServer::start(echo).await;
        let client = maillink_auth::Client::builder()
            .base_url(&server.base_url)
            .build()
            .unwrap();
        let pending = client
            .resume_login(
                "alice",
                maillink_auth::AuthId::new(auth_id),
                chrono::Utc::now() + chrono::Duration::minutes(5),
                &maillink_auth::SessionPlatform::default(),
            )
            .unwrap();
        let err = tokio::time::timeout(Duration::from_secs(30), pending.poll_once())
            .await
            .expect("the poll ends")
            .unwrap_err();
        assert_redacted(&err, &[auth_id]);
    }
}
