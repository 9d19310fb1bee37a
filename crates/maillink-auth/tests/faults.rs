//! Polling through the server's bad moments: 429, 5xx, resets, cut bodies, lost successes.

mod common;

use std::time::Duration;

use common::{MS, Reports, fast, login, poll_path, polls, start, start_login};
use maillink_auth::{
    Client, Error, ErrorKind, ExposeSecret, PendingLogin, PollEvent, SessionPlatform,
};
use omniauth_testkit::maillink::Maillink;
use omniauth_testkit::{Fault, FaultRule, RetryAfter};

const POLLS: &str = "/auth/session/*";

/// Makes the next `times` polls meet `fault`.
fn fail_polls(maillink: &Maillink, fault: Fault, times: u32) {
    inject(maillink, FaultRule::new(POLLS, fault).times(times));
}

/// Waits for `pending` to succeed after its first poll failed in transport and was retried.
async fn wait_through_one_transport_error(maillink: &Maillink, pending: &PendingLogin) {
    let reports = Reports::default();
    pending.wait(reports.options(fast())).await.unwrap();
    assert_eq!(polls(maillink, pending), 2);
    assert_eq!(
        reports.all()[1].event,
        PollEvent::Retrying {
            error: ErrorKind::Transport
        }
    );
}

/// Starts alice's login, which must fail.
async fn failed_login(client: &Client) -> Error {
    client
        .start_login("alice", common::EMAIL, &SessionPlatform::CLI)
        .await
        .err()
        .unwrap()
}

fn inject(maillink: &Maillink, rule: FaultRule) {
    maillink.server().faults().inject(rule);
}

#[tokio::test]
async fn a_429_with_retry_after_slows_down_then_succeeds() {
    let (maillink, pending) = start_login(Maillink::builder()).await;
    fail_polls(&maillink, Fault::rate_limited(RetryAfter::Seconds(1)), 1);
    assert!(maillink.confirm_last());
    let reports = Reports::default();
    let session = pending.wait(reports.options(fast())).await.unwrap();
    assert!(
        maillink
            .token_owner(session.access_token().expose_secret())
            .is_some()
    );
    assert_eq!(polls(&maillink, &pending), 2);
    let slow = &reports.all()[1];
    assert_eq!(
        slow.event,
        PollEvent::SlowDown {
            retry_after: Some(Duration::from_secs(1))
        }
    );
    assert_eq!(
        slow.next_poll_in,
        Duration::from_secs(1),
        "Retry-After is honoured"
    );
}

#[tokio::test]
async fn poll_once_surfaces_the_rate_limit() {
    let (maillink, pending) = start_login(Maillink::builder()).await;
    fail_polls(&maillink, Fault::rate_limited(RetryAfter::Seconds(7)), 1);
    let err = pending.poll_once().await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(
        polls(&maillink, &pending),
        1,
        "the transport does not retry a poll"
    );
}

#[tokio::test]
async fn server_errors_back_off_then_succeed() {
    let (maillink, pending) = start_login(Maillink::builder()).await;
    fail_polls(&maillink, Fault::status(500), 2);
    assert!(maillink.confirm_last());
    let reports = Reports::default();
    pending.wait(reports.options(fast())).await.unwrap();
    assert_eq!(polls(&maillink, &pending), 3);
    let reports = reports.all();
    assert!(matches!(
        &reports[1].event,
        PollEvent::Retrying {
            error: ErrorKind::Api { status: 500, .. }
        }
    ));
    // 2 × 20 ms, then 4 × 20 ms.
    assert_eq!(reports[1].next_poll_in, MS * 40);
    assert_eq!(reports[2].next_poll_in, MS * 80);
}

#[tokio::test]
async fn a_reset_mid_body_is_retried() {
    let (maillink, pending) = start_login(Maillink::builder().confirm_after_polls(1)).await;
    // The first (pending) answer is cut off with the connection; the user clicks meanwhile.
    fail_polls(&maillink, Fault::ResetMidBody, 1);
    wait_through_one_transport_error(&maillink, &pending).await;
}

#[tokio::test]
async fn a_lost_success_is_polled_again_when_the_server_repeats_it() {
    let (maillink, pending) = start_login(Maillink::builder().single_use(false)).await;
    assert!(maillink.confirm_last());
    fail_polls(&maillink, Fault::ResetMidBody, 1);
    fail_polls(&maillink, Fault::Truncated, 1);
    let session = pending.wait(fast()).await.unwrap();
    assert_eq!(polls(&maillink, &pending), 3);
    // Three tokens were issued; the one received is the last.
    assert_eq!(maillink.sessions_of("alice").len(), 3);
    assert!(
        maillink
            .token_owner(session.access_token().expose_secret())
            .is_some()
    );
}

#[tokio::test]
async fn a_lost_single_use_success_ends_expired_with_a_hint() {
    let (maillink, pending) =
        start_login(Maillink::builder().login_lifetime(Duration::from_millis(500))).await;
    assert!(maillink.confirm_last());
    fail_polls(&maillink, Fault::ResetMidBody, 1);
    let err = pending.wait(fast().interval(MS * 100)).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Expired);
    assert!(err.to_string().contains("start a new login"), "{err}");
    assert_eq!(
        maillink.sessions_of("alice").len(),
        1,
        "the token went out once, lost"
    );
}

#[tokio::test]
async fn a_success_consumed_by_another_poller_ends_expired() {
    let (maillink, pending) =
        start_login(Maillink::builder().login_lifetime(Duration::from_millis(500))).await;
    assert!(maillink.confirm_last());
    // Someone else who knows the id polls first and takes the token.
    let thief = omniauth_types::reqwest::get(maillink.server().url(&poll_path(&pending)))
        .await
        .unwrap();
    assert_eq!(thief.status(), 200);
    let err = pending.wait(fast().interval(MS * 100)).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Expired);
    assert!(
        !err.to_string().contains("start a new login"),
        "no answer was lost here"
    );
}

#[tokio::test]
async fn any_other_answer_stops_the_wait() {
    let (maillink, pending) = start_login(Maillink::builder()).await;
    inject(&maillink, FaultRule::new(POLLS, Fault::status(404)));
    let err = pending.wait(fast()).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::NotFound);
    assert_eq!(polls(&maillink, &pending), 1);

    maillink.server().faults().clear();
    fail_polls(&maillink, Fault::NotJson, 1);
    let err = pending.wait(fast()).await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Decode {
                status: Some(200),
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn login_and_registration_are_never_sent_twice() {
    let (maillink, client) = start(Maillink::builder()).await;
    inject(
        &maillink,
        FaultRule::new("/auth/login", Fault::status(503)).times(1),
    );
    inject(
        &maillink,
        FaultRule::new("/auth/registration", Fault::ResetMidBody).times(1),
    );
    let err = failed_login(&client).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    let err = client
        .register("zoe", None, &SessionPlatform::CLI)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Transport);
    let log = maillink.server().requests();
    assert_eq!(log.to_path("/auth/login").len(), 1);
    assert_eq!(log.to_path("/auth/registration").len(), 1);
}

#[tokio::test]
async fn a_mangled_login_answer_is_an_error_that_hides_the_body() {
    let (maillink, client) = start(Maillink::builder()).await;
    inject(
        &maillink,
        FaultRule::new("/auth/login", Fault::Truncated).times(1),
    );
    let err = failed_login(&client).await;
    assert_eq!(err.kind(), &ErrorKind::Transport);
    let id = &maillink.outbox()[0].auth_id;
    assert!(!err.to_string().contains(&id[..8]), "{err}");
    inject(
        &maillink,
        FaultRule::new("/auth/login", Fault::Html(http::StatusCode::BAD_GATEWAY)).times(1),
    );
    let err = failed_login(&client).await;
    assert_eq!(
        err.kind(),
        &ErrorKind::Api {
            status: 502,
            message: "Bad Gateway".into()
        }
    );
}

#[tokio::test]
async fn a_timed_out_poll_is_retried() {
    let maillink = Maillink::start().await.unwrap();
    maillink.add_account("alice", Some(common::EMAIL));
    let client = maillink_auth::Client::builder()
        .base_url(maillink.base_url())
        .timeout(MS * 200)
        .build()
        .unwrap();
    let pending = login(&client).await;
    fail_polls(&maillink, Fault::Delay(Duration::from_secs(5)), 1);
    assert!(maillink.confirm_last());
    wait_through_one_transport_error(&maillink, &pending).await;
}
