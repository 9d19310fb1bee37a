//! A caller's own `reqwest::Client` that follows redirects would carry a session header, and
//! for 307/308 a login body, to wherever a server points. The transport refuses to send a
//! secret through such a client; requests without one still go.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use omniauth_types::transport::{RetryPolicy, Transport};
use omniauth_types::{AccessToken, ErrorKind, Password};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// A loopback server answering every request with `answer`; counts the requests.
async fn server(answer: String) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (answer, counter) = (answer.clone(), counter.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut chunk = [0_u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(read) => head.extend_from_slice(&chunk[..read]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (base_url, hits)
}

#[derive(serde::Serialize)]
struct Login<'a> {
    #[serde(serialize_with = "omniauth_types::secret::serialize_exposed")]
    password: &'a Password,
}

const OK: &str = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";

fn transport(base_url: &str, http: reqwest::Client) -> Transport {
    Transport::builder("test", base_url)
        .unwrap()
        .http_client(http)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn secrets_are_refused_through_a_client_that_follows_redirects() {
    let (base_url, hits) = server(OK.to_owned()).await;
    let transport = transport(&base_url, reqwest::Client::new());
    let token = AccessToken::new("tok-never-sent");
    let err = transport
        .get("/me")
        .secret_header(
            http::header::HeaderName::from_static("x-session-token"),
            &token,
        )
        .send_raw()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("follows redirects"), "{err}");
    let err = transport
        .post("/login")
        .json(&serde_json::json!({ "user": "alice" }))
        .login()
        .send_raw()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing was sent");

    // A request without a secret goes through the same client.
    let answer = transport.get("/public").send_raw().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_client_that_follows_no_redirect_carries_secrets_and_stops_at_a_redirect() {
    let (elsewhere, elsewhere_hits) = server(OK.to_owned()).await;
    let redirect = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: {elsewhere}/steal\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
    let (base_url, hits) = server(redirect).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let transport = transport(&base_url, http);
    let password = Password::new("hunter2-redirected");
    let answer = transport
        .post("/login")
        .json(&Login {
            password: &password,
        })
        .login()
        .send_raw()
        .await
        .unwrap();
    assert_eq!(answer.status(), 307);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!(
        elsewhere_hits.load(Ordering::SeqCst),
        0,
        "the body stayed home"
    );
}
