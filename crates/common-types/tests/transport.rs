//! The shared transport against a real loopback server with the testkit's fault layer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use omniauth_testkit::{Fault, FaultRule, RetryAfter, TestServer};
use omniauth_types::transport::{
    RateLimit, Response, RetryPolicy, Sleeper, Transport, default_error,
};
use omniauth_types::{AccessToken, Error, ErrorKind, Password, Session, TokenScheme};
use serde_json::{Value, json};

const TOKEN: &str = "tok-very-secret-123";
const PASSWORD: &str = "pw-very-secret-456";

/// Records every wait instead of spending it.
#[derive(Clone, Default)]
struct RecordingSleeper(Arc<Mutex<Vec<Duration>>>);

impl RecordingSleeper {
    fn waits(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(
        &self,
        duration: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        self.0.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

fn app() -> Router {
    Router::new()
        .route(
            "/api/v1/user",
            get(|| async { Json(json!({"id": "u-1", "name": "alice"})) }),
        )
        .route(
            "/api/v1/users/{id}",
            get(|Path(id): Path<String>| async move { Json(json!({"id": id})) }),
        )
        .route("/api/v1/echo", post(echo).get(echo))
        .route(
            "/api/v1/login",
            post(|| async { Json(json!({"token": TOKEN})) }),
        )
}

async fn echo(headers: HeaderMap, RawQuery(query): RawQuery, body: String) -> Json<Value> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Json(json!({
        "query": query,
        "body": body,
        "authorization": header("authorization"),
        "user_agent": header("user-agent"),
        "content_type": header("content-type"),
    }))
}

async fn start() -> TestServer {
    TestServer::start_at(app(), "/api/v1").await.unwrap()
}

fn transport(server: &TestServer, sleeper: &RecordingSleeper) -> Transport {
    Transport::builder("test", server.base_url())
        .unwrap()
        .user_agent("omniauth-test/1.0")
        .retry(
            RetryPolicy::default()
                .with_max_retries(2)
                .with_sleeper(sleeper.clone()),
        )
        .build()
        .unwrap()
}

/// A server whose answers `rule` spoils, a transport to it (see [`transport`]), and the
/// sleeper recording the transport's waits.
async fn start_with(rule: FaultRule) -> (TestServer, Transport, RecordingSleeper) {
    let server = start().await;
    server.faults().inject(rule);
    let sleeper = RecordingSleeper::default();
    let transport = transport(&server, &sleeper);
    (server, transport, sleeper)
}

fn session() -> Session {
    Session::new("test", "u-1", AccessToken::new(TOKEN), TokenScheme::Bearer)
}

#[derive(Debug, serde::Deserialize)]
struct User {
    id: String,
}

#[tokio::test]
async fn a_get_is_retried_after_one_503_and_succeeds() {
    let (server, transport, sleeper) =
        start_with(FaultRule::new("/api/v1/user", Fault::status(503)).times(1)).await;
    let user: User = transport.get("/user").send_json().await.unwrap();
    assert_eq!(user.id, "u-1");
    assert_eq!(
        server.requests().count(&http::Method::GET, "/api/v1/user"),
        2
    );
    assert_eq!(sleeper.waits().len(), 1);
}

#[tokio::test]
async fn a_login_is_sent_exactly_once() {
    let (server, transport, sleeper) =
        start_with(FaultRule::new("/api/v1/login", Fault::status(503))).await;
    let err = transport
        .post("/login")
        .json(&json!({"user": "alice"}))
        .idempotent(true)
        .login()
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(
        err.is_retryable(),
        "the caller may decide to retry, the transport did not"
    );
    assert_eq!(
        server
            .requests()
            .count(&http::Method::POST, "/api/v1/login"),
        1
    );
    assert!(sleeper.waits().is_empty());
}

#[tokio::test]
async fn a_plain_post_is_not_retried_after_it_was_sent() {
    let (server, transport, _) =
        start_with(FaultRule::new("/api/v1/echo", Fault::status(502))).await;
    let err = transport.post("/echo").send_empty().await.unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::Api {
            status: 502,
            message: "Bad Gateway".into()
        }
    );
    assert_eq!(
        server.requests().count(&http::Method::POST, "/api/v1/echo"),
        1
    );
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let (_server, transport, sleeper) = start_with(
        FaultRule::new("/api/v1/user", Fault::rate_limited(RetryAfter::Seconds(2))).times(1),
    )
    .await;
    let user: User = transport.get("/user").send_json().await.unwrap();
    assert_eq!(user.id, "u-1");
    let waits = sleeper.waits();
    assert_eq!(waits.len(), 1);
    assert!(waits[0] >= Duration::from_secs(2), "{waits:?}");
}

#[tokio::test]
async fn retry_after_as_a_date_is_honoured() {
    let (_server, transport, sleeper) = start_with(
        FaultRule::new(
            "/api/v1/user",
            Fault::rate_limited(RetryAfter::DateIn(Duration::from_secs(4))),
        )
        .times(1),
    )
    .await;
    transport.get("/user").send_empty().await.unwrap();
    let waits = sleeper.waits();
    assert_eq!(waits.len(), 1);
    // HTTP-dates have whole seconds: the wait is the rest of the 4 s, at least 2 s of it.
    assert!(
        waits[0] >= Duration::from_secs(2) && waits[0] <= Duration::from_secs(5),
        "{waits:?}"
    );
}

#[tokio::test]
async fn a_retry_after_over_the_cap_is_returned_not_waited_for() {
    let (server, transport, sleeper) = start_with(FaultRule::new(
        "/api/v1/user",
        Fault::rate_limited(RetryAfter::Seconds(3600)),
    ))
    .await;
    let err = transport.get("/user").send_empty().await.unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(3600))
        }
    );
    assert!(sleeper.waits().is_empty());
    assert_eq!(server.requests().all().len(), 1);
}

#[tokio::test]
async fn retries_are_bounded() {
    let (server, transport, _) =
        start_with(FaultRule::new("/api/v1/user", Fault::status(504))).await;
    let err = transport.get("/user").send_empty().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(504));
    assert_eq!(server.requests().all().len(), 3, "one try and two retries");
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused() {
    let server = start().await;
    server
        .faults()
        .inject(FaultRule::new("/api/v1/user", Fault::Oversized(64 * 1024)));
    let transport = Transport::builder("test", server.base_url())
        .unwrap()
        .max_response_bytes(16 * 1024)
        .build()
        .unwrap();
    let err = transport.get("/user").send_empty().await.unwrap_err();
    assert_eq!(
        server.requests().all().len(),
        1,
        "an oversized answer is not fetched again"
    );
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Decode {
                status: Some(200),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("exceeds the 16384-byte cap"),
        "{err}"
    );
}

#[tokio::test]
async fn each_fault_ends_in_its_error_kind() {
    type Check = fn(&Error) -> bool;
    let cases: Vec<(Fault, Check)> = vec![
        (Fault::Truncated, |e| {
            matches!(
                e.kind(),
                ErrorKind::Decode {
                    status: Some(200),
                    ..
                }
            )
        }),
        (Fault::Html(http::StatusCode::OK), |e| {
            matches!(e.kind(), ErrorKind::Decode { .. })
        }),
        (Fault::Html(http::StatusCode::BAD_GATEWAY), |e| {
            e.status().map(|s| s.as_u16()) == Some(502)
        }),
        (Fault::Empty(http::StatusCode::OK), |e| {
            matches!(e.kind(), ErrorKind::Decode { .. })
        }),
        (Fault::InvalidUtf8, |e| {
            matches!(e.kind(), ErrorKind::Decode { .. })
        }),
        (Fault::NotJson, |e| {
            matches!(e.kind(), ErrorKind::Decode { .. })
        }),
        (Fault::ResetMidBody, |e| e.kind() == &ErrorKind::Transport),
        (Fault::status(500), |e| {
            e.kind()
                == &ErrorKind::Api {
                    status: 500,
                    message: "Internal Server Error".into(),
                }
        }),
        (Fault::status(401), |e| e.kind() == &ErrorKind::Unauthorized),
        (Fault::status(404), |e| e.kind() == &ErrorKind::NotFound),
    ];
    for (fault, expected) in cases {
        let server = start().await;
        server
            .faults()
            .inject(FaultRule::new("/api/v1/user", fault.clone()));
        let transport = Transport::builder("test", server.base_url())
            .unwrap()
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let err = transport
            .get("/user")
            .send_json::<User>()
            .await
            .unwrap_err();
        assert!(expected(&err), "{fault:?} gave {err:?}");
        assert_eq!(err.service(), Some("test"));
    }
}

#[tokio::test]
async fn a_reset_mid_body_is_retried_for_a_get() {
    let (_server, transport, _) =
        start_with(FaultRule::new("/api/v1/user", Fault::ResetMidBody).times(1)).await;
    let user: User = transport.get("/user").send_json().await.unwrap();
    assert_eq!(user.id, "u-1");
}

#[tokio::test]
async fn a_mislabelled_json_body_is_still_json() {
    let server = start().await;
    server
        .faults()
        .inject(FaultRule::new("/api/v1/user", Fault::WrongContentType));
    let transport = Transport::builder("test", server.base_url())
        .unwrap()
        .build()
        .unwrap();
    let user: User = transport.get("/user").send_json().await.unwrap();
    assert_eq!(user.id, "u-1");
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let server = start().await;
    server.faults().inject(FaultRule::new(
        "/api/v1/user",
        Fault::Delay(Duration::from_secs(5)),
    ));
    let transport = Transport::builder("test", server.base_url())
        .unwrap()
        .retry(RetryPolicy::none())
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = transport.get("/user").send_empty().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport);
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let sleeper = RecordingSleeper::default();
    let transport = Transport::builder("test", format!("http://{addr}"))
        .unwrap()
        .retry(RetryPolicy::default().with_sleeper(sleeper.clone()))
        .build()
        .unwrap();
    let err = transport
        .post("/login")
        .login()
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport);
    assert!(sleeper.waits().is_empty(), "a login is never retried");
    let err = transport.post("/other").send_empty().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport);
    assert_eq!(
        sleeper.waits().len(),
        2,
        "a request that never left may be sent again"
    );
    assert!(
        !err.to_string().contains("127.0.0.1"),
        "errors carry no url: {err}"
    );
}

#[tokio::test]
async fn the_base_path_is_kept_and_params_are_one_segment() {
    let server = start().await;
    let transport = Transport::builder("test", format!("{}/", server.base_url()))
        .unwrap()
        .build()
        .unwrap();
    let user: User = transport
        .get("/users/{id}")
        .path_param("id", "a/b c?d")
        .send_json()
        .await
        .unwrap();
    assert_eq!(user.id, "a/b c?d");
    let paths: Vec<String> = server
        .requests()
        .all()
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert_eq!(paths, ["/api/v1/users/a%2Fb%20c%3Fd"]);
    let err = transport
        .get("/users/{id}")
        .path_param("id", "..")
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    let err = transport.get("/users/{id}").send_empty().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
}

#[tokio::test]
async fn bodies_queries_headers_and_auth_arrive_as_sent() {
    let server = start().await;
    let sleeper = RecordingSleeper::default();
    let transport = transport(&server, &sleeper);
    let echoed: Value = transport
        .post("/echo")
        .auth(&session())
        .query(&[("name", "a b&c"), ("n", "1")])
        .json(&json!({"k": "v"}))
        .send_json()
        .await
        .unwrap();
    assert_eq!(echoed["query"], "name=a+b%26c&n=1");
    assert_eq!(echoed["body"], r#"{"k":"v"}"#);
    assert_eq!(echoed["authorization"], format!("Bearer {TOKEN}"));
    assert_eq!(echoed["user_agent"], "omniauth-test/1.0");
    assert_eq!(echoed["content_type"], "application/json");

    let echoed: Value = transport
        .post("/echo")
        .form(&[("a", "1"), ("b", "x y")])
        .send_json()
        .await
        .unwrap();
    assert_eq!(echoed["body"], "a=1&b=x+y");
    assert_eq!(echoed["content_type"], "application/x-www-form-urlencoded");
}

#[tokio::test]
async fn the_service_decoder_sees_every_answer() {
    let server = start().await;
    // A server that reports failures as 200 {"error": ...}.
    let decoder = |response: &Response| {
        let value: Value = serde_json::from_slice(response.body()).ok()?;
        match value.get("id").and_then(Value::as_str) {
            Some("u-1") => {
                Some(Error::new(ErrorKind::InvalidCredentials).with_message("user u-1 is banned"))
            }
            _ => default_error(response),
        }
    };
    let transport = Transport::builder("test", server.base_url())
        .unwrap()
        .error_decoder(decoder)
        .build()
        .unwrap();
    let err = transport.get("/user").send_empty().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    let raw = transport.get("/user").send_raw().await.unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.route(), "/user");
}

#[tokio::test]
async fn secrets_stay_out_of_debug_display_and_logs() {
    let server = start().await;
    server
        .faults()
        .inject(FaultRule::new("/api/v1/login", Fault::Truncated));
    let logs = capture_logs();
    let transport = Transport::builder("test", server.base_url())
        .unwrap()
        .build()
        .unwrap();
    let password = Password::new(PASSWORD);
    let request = transport
        .post("/login")
        .auth(&session())
        .secret_header(
            http::header::HeaderName::from_static("x-password"),
            &password,
        )
        .query(&[("q", "query-value")])
        .login();
    let debug = format!("{request:?}");
    assert!(
        !debug.contains(TOKEN) && !debug.contains(PASSWORD),
        "{debug}"
    );
    let err = {
        let _guard = tracing::subscriber::set_default(logs.subscriber());
        request.send_json::<Value>().await.unwrap_err()
    };
    for text in [format!("{err}"), format!("{err:?}"), logs.text()] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains(PASSWORD), "password leaked: {text}");
        assert!(!text.contains("query-value"), "query leaked: {text}");
    }
    assert!(err.to_string().contains("withheld"), "{err}");
    assert!(logs.text().contains("route=\"/login\""), "{}", logs.text());
}

#[tokio::test]
async fn the_request_span_records_the_status_and_the_tries() {
    let (_server, transport, _sleeper) =
        start_with(FaultRule::new("/api/v1/user", Fault::status(503)).times(1)).await;
    let logs = capture_logs();
    {
        let _guard = tracing::subscriber::set_default(logs.subscriber());
        transport.get("/user").send_empty().await.unwrap();
    }
    let text = logs.text();
    let closed = text
        .lines()
        .find(|line| line.contains("omniauth.request") && line.contains("close"))
        .unwrap_or_else(|| panic!("no close of the request span in {text}"));
    for field in [
        "status=200",
        "attempts=2",
        "route=\"/user\"",
        "service=\"test\"",
    ] {
        assert!(closed.contains(field), "{field} missing: {closed}");
    }
    assert!(text.contains("retrying"), "{text}");
}

#[tokio::test]
async fn a_user_agent_set_on_the_request_wins_over_the_transports() {
    let server = start().await;
    let transport = transport(&server, &RecordingSleeper::default());
    let echoed: Value = transport
        .get("/echo")
        .header(http::header::USER_AGENT, "custom/2.0")
        .send_json()
        .await
        .unwrap();
    assert_eq!(echoed["user_agent"], "custom/2.0");
    let user_agents = server
        .requests()
        .all()
        .iter()
        .map(|request| {
            request
                .headers
                .get_all(http::header::USER_AGENT)
                .iter()
                .count()
        })
        .collect::<Vec<_>>();
    assert_eq!(user_agents, [1], "one user agent is sent");
}

#[tokio::test]
async fn a_rate_limit_lets_requests_through() {
    let server = start().await;
    let limit = RateLimit::per_second(std::num::NonZeroU32::new(1000).unwrap());
    let transport = Transport::builder("test", server.base_url())
        .unwrap()
        .rate_limit(limit)
        .build()
        .unwrap();
    for _ in 0..5 {
        transport.get("/user").send_empty().await.unwrap();
    }
    assert_eq!(server.requests().all().len(), 5);
}

/// Collects formatted tracing output at TRACE level.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

fn capture_logs() -> Logs {
    Logs::default()
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + use<> {
        let logs = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(move || logs.clone())
            .finish()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn clones_of_a_transport_reuse_one_connection() {
    let server = start().await;
    let transport = Transport::builder("test", server.base_url())
        .unwrap()
        .build()
        .unwrap();
    for _ in 0..10 {
        transport.clone().get("/user").send_empty().await.unwrap();
    }
    assert_eq!(server.requests().all().len(), 10);
    assert_eq!(server.connections_accepted(), 1);
}

#[tokio::test]
async fn a_large_body_under_the_cap_arrives_whole() {
    let server = start().await;
    server.faults().inject(FaultRule::new(
        "/api/v1/user",
        Fault::Oversized(3 * 1024 * 1024),
    ));
    let transport = Transport::builder("test", server.base_url())
        .unwrap()
        .build()
        .unwrap();
    let body: Value = transport.get("/user").send_json().await.unwrap();
    assert_eq!(body["pad"].as_str().unwrap().len(), 3 * 1024 * 1024 - 10);
}
