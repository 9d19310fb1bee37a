//! A transport error says why no answer came, in one line: a refused connection, a timeout
//! and an oversized header each have their own words (they all used to read `transport
//! error: error sending request`).

use std::time::Duration;

use omniauth_types::transport::{RetryPolicy, Transport};
use omniauth_types::{Error, ErrorKind};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// A loopback server that reads one request head, then runs `answer` on the socket.
async fn server<F, Fut>(answer: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let answer = std::sync::Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut chunk = [0_u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(read) => head.extend_from_slice(&chunk[..read]),
                    }
                }
                answer(socket).await;
            });
        }
    });
    base_url
}

async fn get(base_url: &str, timeout: Duration) -> Error {
    let transport = Transport::builder("test", base_url)
        .unwrap()
        .timeout(timeout)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    tokio::time::timeout(Duration::from_secs(15), transport.get("/x").send_raw())
        .await
        .expect("bounded")
        .unwrap_err()
}

#[track_caller]
fn assert_one_line(err: &Error, words: &str) {
    let shown = err.to_string();
    assert_eq!(err.kind(), &ErrorKind::Transport, "{shown}");
    assert!(shown.contains(words), "{shown:?} does not say {words:?}");
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
    assert!(!shown.contains("error sending request"), "{shown:?}");
}

#[tokio::test]
async fn a_refused_connection_says_so() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = get(&base_url, Duration::from_secs(5)).await;
    assert_one_line(&err, "connection refused");
}

#[tokio::test]
async fn a_timeout_names_its_length() {
    let base_url = server(|socket| async move {
        let _held_open = socket;
        tokio::time::sleep(Duration::from_secs(3600)).await;
    })
    .await;
    let err = get(&base_url, Duration::from_millis(300)).await;
    assert_one_line(&err, "timed out after 300 ms");
    assert!(err.is_timeout());
}

#[tokio::test]
async fn an_oversized_header_says_so() {
    let base_url = server(|mut socket| async move {
        let huge = "a".repeat(2 * 1024 * 1024);
        let answer = format!("HTTP/1.1 200 OK\r\nx-huge: {huge}\r\ncontent-length: 0\r\n\r\n");
        let _ = socket.write_all(answer.as_bytes()).await;
    })
    .await;
    let err = get(&base_url, Duration::from_secs(10)).await;
    assert_one_line(&err, "the response header is too large");
}

#[tokio::test]
async fn a_connection_closed_early_says_so() {
    let base_url = server(|mut socket| async move {
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort")
            .await;
    })
    .await;
    let err = get(&base_url, Duration::from_secs(10)).await;
    assert_one_line(&err, "closed before the answer was complete");
}
