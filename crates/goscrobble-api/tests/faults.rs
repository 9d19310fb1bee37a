//! Broken answers from the fault layer end in clear errors, and reads are retried.

mod common;

use common::{RecordingSleeper, password, signed_in};
use goscrobble_api::{Client, ErrorKind};
use omniauth_testkit::{Fault, FaultRule};
use omniauth_types::http::{Method, StatusCode};
use omniauth_types::transport::RetryPolicy;

#[tokio::test]
async fn a_read_is_retried_after_a_503_and_a_login_is_not() {
    let (server, _, session) = signed_in().await;
    let sleeper = RecordingSleeper::default();
    let client = Client::builder()
        .base_url(server.base_url())
        .heavy_rate_limit(None)
        .retry(RetryPolicy::default().with_sleeper(sleeper.clone()))
        .build()
        .unwrap();
    let faults = server.server().faults();
    faults.inject(FaultRule::new("/api/v1/user", Fault::status(503)).times(1));
    client.user(&session).await.unwrap();
    assert_eq!(sleeper.0.lock().unwrap().len(), 1);
    faults.inject(FaultRule::new("/api/v1/login", Fault::status(503)).times(1));
    let err = client.login("alice", &password()).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(
        server
            .server()
            .requests()
            .count(&Method::POST, "/api/v1/login"),
        2
    );
}

#[tokio::test]
async fn broken_bodies_are_decode_or_transport_errors() {
    let (server, client, session) = signed_in().await;
    let faults = server.server().faults();
    faults.inject(FaultRule::new("/api/v1/stats", Fault::NotJson));
    assert!(matches!(
        client.stats().await.unwrap_err().kind(),
        ErrorKind::Decode { .. }
    ));
    faults.inject(FaultRule::new("/api/v1/recent", Fault::Truncated));
    assert!(matches!(
        client.recent().await.unwrap_err().kind(),
        ErrorKind::Decode { .. }
    ));
    faults.inject(FaultRule::new(
        "/api/v1/user",
        Fault::Html(StatusCode::BAD_GATEWAY),
    ));
    let err = client.user(&session).await.unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::Api {
            status: 502,
            message: "Bad Gateway".into()
        }
    );
    // A login answer that is cut short keeps no snippet of the body (it holds the JWT).
    faults.clear();
    faults.inject(FaultRule::new("/api/v1/login", Fault::Truncated));
    let err = client.login("alice", &password()).await.unwrap_err();
    assert!(err.to_string().contains("withheld"), "{err}");
}
