//! Secrets stay out of Debug and logs; clocks; cancellation.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{EMAIL, MS, fast, login, start};
use maillink_auth::{ExposeSecret, PollStatus};
use omniauth_testkit::maillink::Maillink;

#[tokio::test]
async fn debug_never_shows_the_id_the_token_or_the_email() {
    let (maillink, client) = start(Maillink::builder()).await;
    let pending = login(&client).await;
    let id = pending.auth_id().expose_secret().to_owned();
    let debug = format!("{pending:?} {pending:#?} {:?}", pending.auth_id());
    assert!(!debug.contains(&id), "{debug}");
    assert!(!debug.contains(EMAIL), "{debug}");
    assert!(debug.contains("AuthId([redacted])"), "{debug}");
    assert!(debug.contains("a…@example.com"), "{debug}");
    let boxed: omniauth_types::PendingLogin = pending.into();
    assert!(!format!("{boxed:?}").contains(&id));

    assert!(maillink.confirm(&id));
    let PollStatus::Ready(session) = boxed.poll_once().await.unwrap() else {
        panic!("confirmed");
    };
    let token = session.access_token().expose_secret().to_owned();
    let debug = format!(
        "{session:?} {session:#?} {:?}",
        PollStatus::Ready(session.clone())
    );
    assert!(!debug.contains(&token), "{debug}");
    assert!(!debug.contains(&token[..16]), "{debug}");
    assert!(debug.contains("AccessToken([redacted])"));
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn logs_show_the_route_template_never_the_id_token_or_email() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("maillink_auth=trace,omniauth_types=trace")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (maillink, client) = start(Maillink::builder().confirm_after_polls(2)).await;
    let registered = client
        .register(
            "bob",
            Some("bob@example.com"),
            &maillink_auth::SessionPlatform::CLI,
        )
        .await
        .unwrap();
    let pending = login(&client).await;
    maillink.server().faults().inject(
        omniauth_testkit::FaultRule::new("/auth/session/*", omniauth_testkit::Fault::status(503))
            .times(1),
    );
    let session = pending.wait(fast()).await.unwrap();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("/auth/session/{auth_id}"), "{logs}");
    assert!(
        logs.contains("waiting for the email confirmation"),
        "{logs}"
    );
    for secret in [
        pending.auth_id().expose_secret(),
        session.access_token().expose_secret(),
        registered.access_token().expose_secret(),
        EMAIL,
        "bob@example.com",
    ] {
        assert!(!logs.contains(secret), "the logs leak {secret}");
    }
}

#[tokio::test]
async fn the_deadline_cancels_the_servers_clock_skew() {
    for skew_hours in [-1, 1] {
        let (maillink, client) = start(
            Maillink::builder()
                .clock_skew(chrono::TimeDelta::hours(skew_hours))
                .login_lifetime(Duration::from_secs(30))
                .confirm_after_polls(2),
        )
        .await;
        let pending = login(&client).await;
        let left = pending.remaining();
        // Judged by the local clock alone, the login would have an hour more, or be over.
        assert!(
            left > Duration::from_secs(28) && left <= Duration::from_secs(31),
            "skew {skew_hours} h: {left:?}"
        );
        let expires_on_server = pending.expires_at() - maillink.now();
        assert!(expires_on_server.num_seconds() <= 30);
        pending.wait(fast()).await.unwrap();
    }
}

#[tokio::test]
async fn the_max_login_wait_caps_the_deadline() {
    let maillink = Maillink::start().await.unwrap();
    maillink.add_account("alice", Some(EMAIL));
    let client = maillink_auth::Client::builder()
        .base_url(maillink.base_url())
        .max_login_wait(MS * 300)
        .build()
        .unwrap();
    let pending = login(&client).await;
    assert!(pending.remaining() <= MS * 300);
    let err = pending.wait(fast()).await.unwrap_err();
    assert_eq!(err.kind(), &maillink_auth::ErrorKind::Expired);
}

#[tokio::test]
async fn dropping_a_wait_is_safe_and_the_login_can_still_finish() {
    let (maillink, client) = start(Maillink::builder()).await;
    let pending = login(&client).await;
    let slow = fast().interval(Duration::from_secs(60));
    let cut = tokio::time::timeout(MS * 50, pending.wait(slow)).await;
    assert!(cut.is_err(), "still waiting when dropped");
    assert_eq!(common::polls(&maillink, &pending), 0);
    assert!(maillink.confirm_last());
    assert!(matches!(
        pending.poll_once().await.unwrap(),
        PollStatus::Ready(_)
    ));
}
