//! The heavy tier: the client's own limiter keeps it under the server's bucket.

mod common;

use std::num::NonZeroU32;
use std::time::Duration;

use common::PASSWORD;
use goscrobble_api::{Client, ErrorKind};
use omniauth_testkit::goscrobble::{GoScrobble, Tier, TierRate};
use omniauth_types::transport::{RateLimit, RetryPolicy};

/// A heavy tier 80 times faster than the server's (burst 2, one token every 50 ms).
async fn fast_heavy_server() -> GoScrobble {
    let server = common::server_with(GoScrobble::builder().tier_rate(
        Tier::Heavy,
        TierRate {
            per_second: 20.0,
            burst: 2,
        },
    ))
    .await;
    server.add_user("alice", PASSWORD, "alice@example.com");
    server
}

fn client(server: &GoScrobble, heavy: Option<RateLimit>) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .heavy_rate_limit(heavy)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn without_the_limiter_a_burst_hits_429() {
    let server = fast_heavy_server().await;
    let client = client(&server, None);
    client.send_reset("alice@example.com").await.unwrap();
    client.send_reset("alice@example.com").await.unwrap();
    let err = client.send_reset("alice@example.com").await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::RateLimited { retry_after: None });
}

#[tokio::test]
async fn with_the_limiter_the_burst_waits_instead() {
    let server = fast_heavy_server().await;
    let limit = RateLimit::every(Duration::from_millis(100))
        .unwrap()
        .with_burst(NonZeroU32::new(2).unwrap());
    let client = client(&server, Some(limit));
    for _ in 0..4 {
        client.send_reset("alice@example.com").await.unwrap();
    }
    assert_eq!(server.outbox().len(), 4);
}
