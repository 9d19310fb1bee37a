//! Rate limits (the server's 429 and the client's own bucket), retries and broken answers.

mod common;

use std::num::NonZeroU32;
use std::time::Duration;

use http::{Method, StatusCode};
use omniauth_testkit::resonite::{RATE_LIMITED, RateLimitConfig, Resonite};
use omniauth_testkit::{Fault, FaultRule, RetryAfter};
use omniauth_types::ErrorKind;
use omniauth_types::transport::{RateLimit, RetryPolicy};
use resonite_api::Client;
use resonite_api::model::UserId;

use common::{PASSWORD, RecordingSleeper, client, emulator};

#[tokio::test]
async fn the_server_answers_429_after_a_burst() {
    let resonite = Resonite::builder()
        .rate_limit(Some(RateLimitConfig {
            max_requests: 3,
            window: Duration::from_secs(3600),
            retry_after: None,
        }))
        .start()
        .await
        .unwrap();
    resonite.add_account("alice", "", PASSWORD);
    let client = client(&resonite);
    for _ in 0..3 {
        client.user(&UserId::new("U-alice")).await.unwrap();
    }
    let err = client.user(&UserId::new("U-alice")).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::RateLimited { retry_after: None });
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(err.message(), Some(RATE_LIMITED));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_for_and_retried() {
    let resonite = emulator().await;
    resonite.add_account("alice", "", PASSWORD);
    let sleeper = RecordingSleeper::default();
    let client = Client::builder()
        .base_url(resonite.base_url())
        .no_rate_limit()
        .retry(
            RetryPolicy::default()
                .with_max_retries(2)
                .with_jitter(false)
                .with_min_delay(Duration::from_millis(10))
                .with_sleeper(sleeper.clone()),
        )
        .build()
        .unwrap();
    resonite.server().faults().inject(
        FaultRule::new(
            "/users/U-alice",
            Fault::rate_limited(RetryAfter::Seconds(7)),
        )
        .times(1),
    );
    let user = client.user(&UserId::new("U-alice")).await.unwrap();
    assert_eq!(user.username, "alice");
    assert_eq!(*sleeper.0.lock().unwrap(), [Duration::from_secs(7)]);
    assert_eq!(
        resonite
            .server()
            .requests()
            .count(&Method::GET, "/users/U-alice"),
        2
    );

    // A Retry-After beyond the cap is not waited for: the error carries it.
    resonite.server().faults().inject(
        FaultRule::new(
            "/users/U-alice",
            Fault::rate_limited(RetryAfter::Seconds(3600)),
        )
        .times(1),
    );
    let err = client.user(&UserId::new("U-alice")).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
}

#[tokio::test]
async fn the_client_side_bucket_holds_requests_back() {
    let resonite = emulator().await;
    resonite.add_account("alice", "", PASSWORD);
    let limit = RateLimit::every(Duration::from_secs(3600))
        .unwrap()
        .with_burst(NonZeroU32::new(2).unwrap());
    let client = Client::builder()
        .base_url(resonite.base_url())
        .rate_limit(limit)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    assert_eq!(client.rate_limit().unwrap().burst(), 2);
    let id = UserId::new("U-alice");
    client.user(&id).await.unwrap();
    client.clone().user(&id).await.unwrap();
    let third = tokio::time::timeout(Duration::from_millis(300), client.user(&id)).await;
    assert!(
        third.is_err(),
        "the third request waits for a token an hour away"
    );
    assert_eq!(
        resonite.server().requests().all().len(),
        2,
        "and was never sent"
    );
}

#[tokio::test]
async fn broken_answers_are_errors_not_panics() {
    let resonite = emulator().await;
    resonite.add_account("alice", "", PASSWORD);
    let client = client(&resonite);
    let id = UserId::new("U-alice");
    let faults = resonite.server().faults();
    for fault in [
        Fault::NotJson,
        Fault::InvalidUtf8,
        Fault::Truncated,
        Fault::Empty(StatusCode::OK),
    ] {
        faults.inject(FaultRule::new("/users/U-alice", fault.clone()).times(1));
        let err = client.user(&id).await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Decode { .. } | ErrorKind::Transport),
            "{fault:?}: {err}"
        );
    }
    faults.inject(FaultRule::new("/users/U-alice", Fault::Html(StatusCode::BAD_GATEWAY)).times(1));
    let err = client.user(&id).await.unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::Api {
            status: 502,
            message: "Bad Gateway".into()
        }
    );
    faults.inject(FaultRule::new("/users/U-alice", Fault::Delay(Duration::from_secs(3))).times(1));
    let quick = Client::builder()
        .base_url(resonite.base_url())
        .no_rate_limit()
        .retry(RetryPolicy::none())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = quick.user(&id).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport);
    assert!(err.is_timeout());
}

#[tokio::test]
async fn a_login_answer_that_does_not_decode_keeps_no_snippet() {
    let resonite = emulator().await;
    resonite.add_account("alice", "", PASSWORD);
    let client = client(&resonite);
    resonite
        .server()
        .faults()
        .inject(FaultRule::new("/userSessions", Fault::Truncated).times(1));
    let request = resonite_api::LoginRequest::password(
        resonite_api::LoginIdentifier::guess("alice"),
        omniauth_types::Password::new(PASSWORD),
    );
    let err = client.login(&request).await.unwrap_err();
    let ErrorKind::Decode { snippet, .. } = err.kind() else {
        panic!("{err}");
    };
    assert!(snippet.contains("withheld"), "{snippet}");
}
