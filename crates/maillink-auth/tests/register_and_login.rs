//! Registration, login, polling and the Authenticator, against the emulator over loopback.

mod common;

use std::time::Duration;

use common::{EMAIL, MS, Reports, fast, login, poll_path, polls, start};
use maillink_auth::{
    AuthId, Client, ErrorKind, ExposeSecret, MaillinkAuthenticator, PollEvent, PollStatus,
    SessionPlatform, TokenScheme,
};
use omniauth_testkit::maillink::{LoginState, Maillink};
use omniauth_types::{Authenticator, Credentials, LoginOutcome};

#[tokio::test]
async fn register_signs_in_at_once_and_sends_the_documented_body() {
    let (maillink, client) = start(Maillink::builder()).await;
    let session = client
        .register(
            "bob",
            Some("bob@example.com"),
            &SessionPlatform::new("cURL"),
        )
        .await
        .unwrap();
    assert_eq!(session.service(), "maillink");
    assert_eq!(session.user_id(), "bob");
    assert_eq!(session.username(), Some("bob"));
    assert_eq!(session.scheme(), &TokenScheme::Bearer);
    assert_eq!(session.expires_at(), None);
    assert_eq!(session.extra("session_platform"), Some("cURL"));
    assert_eq!(
        maillink
            .token_owner(session.access_token().expose_secret())
            .as_deref(),
        Some("bob")
    );
    let requests = maillink.server().requests().to_path("/auth/registration");
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].json().unwrap(),
        serde_json::json!({"username": "bob", "email": "bob@example.com", "session_platform": "cURL"})
    );
    assert!(
        requests[0]
            .header("user-agent")
            .unwrap()
            .starts_with("maillink-auth/")
    );

    // Without an email the field is left out; a taken name is AccountExists.
    client
        .register("carol", None, &SessionPlatform::WEB)
        .await
        .unwrap();
    let body = maillink.server().requests().to_path("/auth/registration")[1]
        .json()
        .unwrap();
    assert_eq!(
        body,
        serde_json::json!({"username": "carol", "session_platform": "web"})
    );
    let err = client
        .register("bob", None, &SessionPlatform::WEB)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::AccountExists);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let (maillink, client) = start(Maillink::builder()).await;
    let platform = SessionPlatform::CLI;
    let errors = [
        client.register(" ", None, &platform).await.unwrap_err(),
        client
            .register("x", Some("no-at"), &platform)
            .await
            .unwrap_err(),
        client
            .start_login("", EMAIL, &platform)
            .await
            .err()
            .unwrap(),
        client
            .start_login("alice", "alice", &platform)
            .await
            .err()
            .unwrap(),
    ];
    for err in errors {
        assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err}");
    }
    let expires = chrono::Utc::now() + chrono::TimeDelta::seconds(60);
    for bad in [
        "../../auth/registration",
        "45314ce9-74c8-48dd-9094-0bcf980f335b/x",
        "45314ce9%2F74c8-48dd-9094-0bcf980f335b",
        "",
    ] {
        let err = client
            .resume_login("alice", AuthId::new(bad), expires, &platform)
            .err()
            .unwrap();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{bad}");
        if !bad.is_empty() {
            assert!(!err.to_string().contains(bad), "{err}");
        }
    }
    assert!(maillink.server().requests().all().is_empty());
}

#[tokio::test]
async fn login_is_confirmed_after_n_polls() {
    let (maillink, client) = start(Maillink::builder().confirm_after_polls(3)).await;
    let pending = login(&client).await;
    let email = maillink.outbox().pop().unwrap();
    assert_eq!(email.to, EMAIL);
    assert_eq!(email.session_platform, "cli");
    assert_eq!(pending.auth_id().expose_secret(), email.auth_id);
    let reports = Reports::default();
    let session = pending.wait(reports.options(fast())).await.unwrap();
    assert_eq!(polls(&maillink, &pending), 4);
    assert_eq!(maillink.poll_count(&email.auth_id), 4);
    assert_eq!(
        maillink
            .token_owner(session.access_token().expose_secret())
            .as_deref(),
        Some("alice")
    );
    assert_eq!(maillink.sessions_of("alice"), vec!["cli"]);
    let events: Vec<_> = reports.all().into_iter().map(|p| p.event).collect();
    assert_eq!(
        events,
        [
            PollEvent::Started,
            PollEvent::Pending,
            PollEvent::Pending,
            PollEvent::Pending
        ]
    );
    // The login was sent once, with the documented body.
    let logins = maillink.server().requests().to_path("/auth/login");
    assert_eq!(logins.len(), 1);
    assert_eq!(
        logins[0].json().unwrap(),
        serde_json::json!({"username": "alice", "email": EMAIL, "session_platform": "cli"})
    );
}

#[tokio::test]
async fn never_confirmed_ends_expired_at_the_deadline() {
    let (maillink, client) =
        start(Maillink::builder().login_lifetime(Duration::from_secs(1))).await;
    let pending = login(&client).await;
    assert!(pending.remaining() <= Duration::from_secs(2));
    let reports = Reports::default();
    let err = pending
        .wait(reports.options(fast().interval(MS * 100)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Expired);
    let text = err.to_string();
    assert!(text.contains("no confirmation before"), "{text}");
    assert!(
        text.contains("The auth id is invalid, expired, or not yet authorized"),
        "{text}"
    );
    assert!(!text.contains(pending.auth_id().expose_secret()));
    // Expired only once the deadline passed, after a last poll.
    assert_eq!(pending.remaining(), Duration::ZERO);
    let reports = reports.all();
    let last = reports.last().unwrap();
    assert_eq!(polls(&maillink, &pending), last.polls as usize + 1);
    // poll_once agrees, and says so without waiting.
    let err = pending.poll_once().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Expired);
}

#[tokio::test]
async fn poll_once_reports_pending_then_ready() {
    let (maillink, client) = start(Maillink::builder().single_use(false)).await;
    let pending = login(&client).await;
    assert!(matches!(
        pending.poll_once().await.unwrap(),
        PollStatus::Pending
    ));
    assert!(maillink.confirm_last());
    let PollStatus::Ready(session) = pending.poll_once().await.unwrap() else {
        panic!("confirmed");
    };
    assert_eq!(session.user_id(), "alice");
    assert_eq!(
        maillink.login_state(&maillink.outbox()[0].auth_id),
        Some(LoginState::Consumed)
    );
}

#[tokio::test]
async fn the_link_in_the_email_confirms_over_http() {
    let (maillink, client) = start(Maillink::builder().base_path("/api/v2")).await;
    assert!(client.base_url().as_str().ends_with("/api/v2"));
    let pending = login(&client).await;
    let link = maillink.outbox().pop().unwrap().link;
    assert!(link.starts_with(maillink.base_url()));
    let page = omniauth_types::reqwest::get(&link).await.unwrap();
    assert_eq!(page.status(), 200);
    let session = pending.wait(fast()).await.unwrap();
    assert!(
        maillink
            .token_owner(session.access_token().expose_secret())
            .is_some()
    );
    assert_eq!(
        polls(&maillink, &pending),
        0,
        "the base path is part of every route"
    );
    let api_path = format!("/api/v2{}", poll_path(&pending));
    assert_eq!(maillink.server().requests().to_path(&api_path).len(), 1);
}

#[tokio::test]
async fn unknown_accounts_are_not_found() {
    let (maillink, client) = start(Maillink::builder()).await;
    let err = client
        .start_login("alice", "mallory@example.com", &SessionPlatform::CLI)
        .await
        .err()
        .unwrap();
    assert_eq!(err.kind(), &ErrorKind::NotFound);
    assert_eq!(err.message(), Some("User not found"));
    assert!(maillink.outbox().is_empty());
}

#[tokio::test]
async fn a_resumed_login_polls_the_same_id() {
    let (maillink, client) = start(Maillink::builder()).await;
    let first = login(&client).await;
    let resumed = client
        .resume_login(
            "alice",
            first.auth_id().clone(),
            first.expires_at(),
            &SessionPlatform::CLI,
        )
        .unwrap();
    assert!(resumed.remaining() > Duration::from_secs(500));
    assert_eq!(resumed.email(), None);
    assert!(
        resumed
            .instructions()
            .starts_with("follow the link emailed for alice before")
    );
    assert!(maillink.confirm_last());
    let session = resumed.wait(fast()).await.unwrap();
    assert_eq!(session.username(), Some("alice"));
}

#[tokio::test]
async fn the_token_scheme_is_configurable() {
    let maillink = Maillink::start().await.unwrap();
    let client = Client::builder()
        .base_url(maillink.base_url())
        .token_scheme(TokenScheme::Header {
            name: "X-Session-Token".into(),
        })
        .build()
        .unwrap();
    let session = client
        .register("dora", None, &SessionPlatform::WEB)
        .await
        .unwrap();
    let (name, value) = session.auth_header().unwrap();
    assert_eq!(name.as_str(), "x-session-token");
    assert_eq!(
        value.to_str().unwrap(),
        session.access_token().expose_secret()
    );
    assert!(value.is_sensitive());
    let bearer = Client::new(maillink.base_url()).unwrap();
    let session = bearer
        .register("erin", None, &SessionPlatform::WEB)
        .await
        .unwrap();
    let (name, value) = session.auth_header().unwrap();
    assert_eq!(name, http::header::AUTHORIZATION);
    assert!(value.to_str().unwrap().starts_with("Bearer "));
}

#[tokio::test]
async fn the_authenticator_starts_a_pending_login_and_refuses_what_it_cannot_do() {
    let (maillink, client) = start(Maillink::builder().confirm_after_polls(1)).await;
    let auth: Box<dyn Authenticator> = Box::new(
        MaillinkAuthenticator::new(client)
            .with_platform(SessionPlatform::new("omniauth test"))
            .with_wait_options(fast()),
    );
    assert_eq!(auth.service(), "maillink");
    let caps = auth.capabilities();
    assert!(caps.register && !caps.refresh && !caps.validate && !caps.logout);

    let err = auth
        .login(&Credentials::username("alice"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    let creds = Credentials::username("alice").with_email(EMAIL);
    let LoginOutcome::ConfirmationPending(pending) = auth.login(&creds).await.unwrap() else {
        panic!("an email-link login is pending");
    };
    let instructions = pending.instructions();
    assert!(instructions.contains("a…@example.com"), "{instructions}");
    assert!(!instructions.contains(EMAIL));
    assert!(pending.expires_at().is_some());
    let session = pending.wait().await.unwrap();
    assert_eq!(maillink.sessions_of("alice"), vec!["omniauth test"]);

    let registered = auth
        .register(&Credentials::username("frank").with_email("frank@example.com"))
        .await
        .unwrap()
        .into_session()
        .unwrap();
    assert_eq!(registered.user_id(), "frank");
    for err in [
        auth.refresh(&session).await.unwrap_err(),
        auth.validate(&session).await.unwrap_err(),
        auth.logout(&session).await.unwrap_err(),
    ] {
        assert_eq!(err.kind(), &ErrorKind::Unsupported);
        assert!(
            err.to_string().contains("not supported by this service"),
            "{err}"
        );
    }
}
