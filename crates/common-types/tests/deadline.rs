//! The call deadline: every try, the waits between them (`Retry-After` included) and the
//! client-side rate limit fit in it, against hanging, trickling and slow-429 servers of our
//! own (raw sockets on loopback). Where a test must wait for real, its bound is generous: the
//! assertion that matters is the kind and the number of tries.

use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use omniauth_types::ErrorKind;
use omniauth_types::transport::{RateLimit, RetryPolicy, Sleeper, Transport};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with each request.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Reads the request and never answers.
    Hang,
    /// Sends the head and then one byte of the body every 200 ms.
    Trickle,
    /// Answers `429` with this `Retry-After` value.
    TooMany(&'static str),
}

struct Server {
    base_url: String,
    hits: Arc<AtomicUsize>,
}

impl Server {
    async fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(serve(socket, behaviour, counter));
            }
        });
        Self { base_url, hits }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn serve(mut socket: TcpStream, behaviour: Behaviour, hits: Arc<AtomicUsize>) {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 1024];
    loop {
        let Ok(read) = socket.read(&mut chunk).await else {
            return;
        };
        if read == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
            continue;
        }
        buffer.clear();
        hits.fetch_add(1, Ordering::SeqCst);
        match behaviour {
            Behaviour::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Behaviour::Trickle => {
                let head = "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for _ in 0..1000 {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    if socket.write_all(b"x").await.is_err() {
                        return;
                    }
                }
                return;
            }
            Behaviour::TooMany(wait) => {
                let answer = format!(
                    "HTTP/1.1 429 Too Many Requests\r\nretry-after: {wait}\r\ncontent-length: 0\r\n\r\n"
                );
                if socket.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Records the waits instead of spending them.
#[derive(Clone, Default)]
struct Recorded(Arc<Mutex<Vec<Duration>>>);

impl Sleeper for Recorded {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.0.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

fn transport(server: &Server, deadline: Duration, retry: RetryPolicy) -> Transport {
    Transport::builder("test", &server.base_url)
        .unwrap()
        .timeout(Duration::from_secs(30))
        .deadline(deadline)
        .retry(retry)
        .build()
        .unwrap()
}

/// Fails the test instead of hanging it when the deadline is not kept.
async fn bounded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(15), call)
        .await
        .expect("the call kept no deadline")
}

#[tokio::test]
async fn a_hanging_server_fails_by_the_deadline_not_after_every_try() {
    let server = Server::start(Behaviour::Hang).await;
    let transport = transport(&server, Duration::from_secs(1), RetryPolicy::default());
    let started = Instant::now();
    let err = bounded(transport.get("/hang").send_raw())
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind(), &ErrorKind::Transport, "{err}");
    assert!(err.is_timeout(), "{err}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    assert_eq!(server.hits(), 1, "no time is left for a second try");
}

#[tokio::test]
async fn a_trickling_body_fails_by_the_deadline() {
    let server = Server::start(Behaviour::Trickle).await;
    let transport = transport(&server, Duration::from_secs(1), RetryPolicy::none());
    let started = Instant::now();
    let err = bounded(transport.get("/trickle").send_raw())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport, "{err}");
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn a_retry_after_past_the_deadline_is_not_waited() {
    let server = Server::start(Behaviour::TooMany("20")).await;
    let sleeper = Recorded::default();
    let retry = RetryPolicy::default()
        .with_max_retries(5)
        .with_sleeper(sleeper.clone());
    let transport = transport(&server, Duration::from_secs(30), retry);
    let err = bounded(transport.get("/limited").send()).await.unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(20))
        }
    );
    // 20 s fit in 30 s once; a second 20 s would not.
    assert_eq!(*sleeper.0.lock().unwrap(), [Duration::from_secs(20)]);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_slow_429_ends_within_the_deadline() {
    let server = Server::start(Behaviour::TooMany("1")).await;
    let deadline = Duration::from_millis(1500);
    let transport = transport(
        &server,
        deadline,
        RetryPolicy::default().with_max_retries(5),
    );
    let started = Instant::now();
    let err = bounded(transport.get("/limited").send()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)), "{err}");
    assert_eq!(
        server.hits(),
        2,
        "one wait of 1 s fits in 1.5 s, two do not"
    );
    assert!(started.elapsed() < deadline + Duration::from_secs(2));
}

#[tokio::test]
async fn a_long_retry_after_fails_at_once_with_the_wait() {
    let server = Server::start(Behaviour::TooMany("3600")).await;
    let retry = RetryPolicy::default().with_max_retry_after(Duration::from_secs(7200));
    let transport = transport(&server, Duration::from_secs(60), retry);
    let started = Instant::now();
    let err = bounded(transport.get("/limited").send()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(server.hits(), 1);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn an_overflowing_retry_after_is_a_long_wait_not_none() {
    let server = Server::start(Behaviour::TooMany("99999999999999999999999")).await;
    let transport = transport(&server, Duration::from_secs(60), RetryPolicy::default());
    let err = bounded(transport.get("/limited").send()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(u64::MAX)));
    assert_eq!(server.hits(), 1, "nobody waits that long: no retry");
    assert!(!err.to_string().contains('\n'));
}

#[tokio::test]
async fn the_client_side_rate_limit_counts_against_the_deadline() {
    let server = Server::start(Behaviour::TooMany("0")).await;
    let limit = RateLimit::every(Duration::from_secs(3600)).unwrap();
    assert_eq!(limit.burst(), NonZeroU32::MIN.get());
    let transport = Transport::builder("test", &server.base_url)
        .unwrap()
        .deadline(Duration::from_millis(500))
        .retry(RetryPolicy::none())
        .rate_limit(limit)
        .build()
        .unwrap();
    let _first = bounded(transport.get("/one").send_raw()).await.unwrap();
    let started = Instant::now();
    let err = bounded(transport.get("/two").send_raw()).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::RateLimited { retry_after: None });
    assert!(err.to_string().contains("deadline"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(server.hits(), 1);
}

#[test]
fn a_zero_deadline_is_refused() {
    let err = Transport::builder("test", "http://127.0.0.1:9")
        .unwrap()
        .deadline(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
}
