//! Broken answers from the fault layer end in clear errors, and reads are retried.

mod common;

use common::{RecordingSleeper, api_error, client_recording, password, posts, signed_in};
use goscrobble_api::ErrorKind;
use omniauth_testkit::{Fault, FaultRule};
use omniauth_types::http::StatusCode;

#[tokio::test]
async fn a_read_is_retried_after_a_503_and_a_login_is_not() {
    let (server, _, session) = signed_in().await;
    let sleeper = RecordingSleeper::default();
    let client = client_recording(&server, &sleeper);
    let faults = server.server().faults();
    faults.inject(FaultRule::new("/api/v1/user", Fault::status(503)).times(1));
    client.user(&session).await.unwrap();
    assert_eq!(sleeper.0.lock().unwrap().len(), 1);
    faults.inject(FaultRule::new("/api/v1/login", Fault::status(503)).times(1));
    let err = client.login("alice", &password()).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(posts(&server, "/login"), 2);
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
    assert_eq!(err.kind(), &api_error(502, "Bad Gateway"));
    // A login answer that is cut short keeps no snippet of the body (it holds the JWT).
    faults.clear();
    faults.inject(FaultRule::new("/api/v1/login", Fault::Truncated));
    let err = client.login("alice", &password()).await.unwrap_err();
    assert!(err.to_string().contains("withheld"), "{err}");
}
