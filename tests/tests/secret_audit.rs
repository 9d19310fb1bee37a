//! The secret audit: sign in to every service with `tracing` captured at TRACE, provoke the
//! usual errors, and check that no password, token, secret key, client secret, TOTP code,
//! auth id or refresh token shows up in the logs, in an error's `Display`/`Debug`, or in the
//! `Debug` of the public types that hold them.
//!
//! The test runs on a current-thread runtime so the subscriber set for the test sees every
//! event of the clients (the emulators' own logs are filtered out: they are the server).

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{EMAIL, PASSWORD, RecordingSleeper, retry};
use omniauth_types::{
    Authenticator as _, Credentials, Error, ExposeSecret as _, LoginOutcome, Password, Session,
    TotpCode,
};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Self;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// What the audit collects: the secrets seen, and every text that must not hold them.
#[derive(Default)]
struct Audit {
    secrets: Vec<(&'static str, String)>,
    texts: Vec<(String, String)>,
}

impl Audit {
    fn secret(&mut self, what: &'static str, value: &str) {
        assert!(
            value.len() >= 6,
            "{what} is too short to search for: {value:?}"
        );
        self.secrets.push((what, value.to_owned()));
    }

    fn error(&mut self, context: &str, err: &Error) {
        self.texts
            .push((format!("{context} (Display)"), err.to_string()));
        self.texts
            .push((format!("{context} (Debug)"), format!("{err:?}")));
    }

    fn debug(&mut self, context: &str, value: &dyn std::fmt::Debug) {
        self.texts
            .push((format!("{context} (Debug)"), format!("{value:?}")));
    }

    fn session(&mut self, context: &str, session: &Session) {
        self.secret("access token", session.access_token().expose_secret());
        if let Some(refresh) = session.refresh_token() {
            self.secret("refresh token", refresh.expose_secret());
        }
        self.debug(context, session);
    }

    fn verify(&self, logs: &str) {
        let mut leaks = Vec::new();
        let texts = self
            .texts
            .iter()
            .map(|(c, t)| (c.as_str(), t.as_str()))
            .chain([("captured logs", logs)]);
        for (context, text) in texts {
            for (what, secret) in &self.secrets {
                if text.contains(secret.as_str()) {
                    leaks.push(format!("the {what} appears in {context}"));
                }
            }
        }
        assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_in_logs_errors_or_debug() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "trace,omniauth_testkit=off,axum=off,tower=off",
        ))
        .with_span_events(FmtSpan::FULL)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::trace!("the audit's subscriber is live");

    let mut audit = Audit::default();
    audit.secret("password", PASSWORD);
    resonite(&mut audit).await;
    goscrobble(&mut audit).await;
    burgerauth(&mut audit).await;
    maillink(&mut audit).await;

    let logs = captured.text();
    assert!(
        logs.contains("the audit's subscriber is live"),
        "the logs were captured"
    );
    // The audit means something only if the clients did log at TRACE/DEBUG: their spans.
    for service in ["resonite", "goscrobble", "burgerauth", "maillink"] {
        assert!(logs.contains(service), "no log line names {service}");
    }
    audit.verify(&logs);
}

async fn resonite(audit: &mut Audit) {
    use resonite_api::{Client, LoginIdentifier, LoginRequest, ResoniteAuthenticator};
    let emulator = omniauth_testkit::resonite::Resonite::builder()
        .rate_limit(None)
        .start()
        .await
        .unwrap();
    let user_id = emulator.add_account("alice", EMAIL, PASSWORD);
    let totp = "924810";
    emulator.set_totp(&user_id, Some(totp));
    audit.secret("TOTP code", totp);
    let sleeper = RecordingSleeper::default();
    let client = Client::builder()
        .base_url(emulator.base_url())
        .no_rate_limit()
        .retry(retry(&sleeper))
        .build()
        .unwrap();
    audit.debug("resonite Client", &client);

    let bad = LoginRequest::password(
        LoginIdentifier::guess("alice"),
        Password::new("wrong password 123"),
    );
    audit.secret("password", "wrong password 123");
    audit.error(
        "resonite wrong password",
        &client.login(&bad).await.unwrap_err(),
    );
    let no_totp = LoginRequest::password(LoginIdentifier::guess("alice"), Password::new(PASSWORD));
    audit.error(
        "resonite missing TOTP",
        &client.login(&no_totp).await.unwrap_err(),
    );
    let wrong_totp =
        LoginRequest::password(LoginIdentifier::guess("alice"), Password::new(PASSWORD))
            .totp(TotpCode::new("111333"));
    audit.secret("TOTP code", "111333");
    audit.error(
        "resonite wrong TOTP",
        &client.login(&wrong_totp).await.unwrap_err(),
    );

    let request = no_totp.totp(TotpCode::new(totp));
    audit.debug("resonite LoginRequest", &request);
    let answer = client.login(&request).await.unwrap();
    audit.session("resonite Session", &answer.session);
    audit.debug("resonite LoginResponse", &answer);
    client.me(&answer.session).await.unwrap();
    let extended = client.extend(&answer.session).await.unwrap();
    audit.session("resonite extended Session", &extended);

    // Through the Authenticator, as the facade does it.
    let authenticator = ResoniteAuthenticator::new(client.clone());
    let credentials = Credentials::username("alice")
        .with_password(Password::new(PASSWORD))
        .with_totp(TotpCode::new(totp));
    audit.debug("Credentials", &credentials);
    let LoginOutcome::Authenticated(session) = authenticator.login(&credentials).await.unwrap()
    else {
        panic!("resonite logs in")
    };
    audit.session("resonite authenticator Session", &session);
    authenticator.logout(&session).await.unwrap();
    audit.error(
        "resonite extend after logout",
        &client.extend(&session).await.unwrap_err(),
    );
}

async fn goscrobble(audit: &mut Audit) {
    let sleeper = RecordingSleeper::default();
    let builder = omniauth_testkit::goscrobble::GoScrobble::builder();
    let (_emulator, client) = common::goscrobble(builder, retry(&sleeper)).await;
    let client = client.build().unwrap();
    audit.debug("goscrobble Client", &client);
    audit.error(
        "goscrobble wrong password",
        &client
            .login("alice", &Password::new("wrong password 123"))
            .await
            .unwrap_err(),
    );

    let session = client
        .login("alice", &Password::new(PASSWORD))
        .await
        .unwrap();
    audit.session("goscrobble Session", &session);
    let key = client.ingress_key(&session).await.unwrap();
    audit.secret("ingress key", key.expose_secret());
    audit.debug("goscrobble IngressKey", &key);
    let refreshed = client.refresh(&session).await.unwrap();
    audit.session("goscrobble refreshed Session", &refreshed);
    client.user(&refreshed).await.unwrap();
}

async fn burgerauth(audit: &mut Audit) {
    use burgerauth_api::{AppRegistration, Client, password::derive_modern};
    let emulator = omniauth_testkit::burgerauth::Burgerauth::start()
        .await
        .unwrap();
    let hash = derive_modern(&Password::new(PASSWORD)).unwrap();
    audit.secret("derived password", hash.expose_secret());
    emulator.add_user("alice", hash.expose_secret(), true);
    let sleeper = RecordingSleeper::default();
    let client = Client::builder()
        .base_url(emulator.base_url())
        .retry(retry(&sleeper))
        .build()
        .unwrap();
    audit.debug("burgerauth Client", &client);
    audit.error(
        "burgerauth wrong password",
        &client
            .login_derived(
                "alice",
                &derive_modern(&Password::new("wrong password 123")).unwrap(),
                true,
            )
            .await
            .unwrap_err(),
    );

    let key = client.login_derived("alice", &hash, true).await.unwrap();
    audit.secret("secret key", key.expose_secret());
    audit.debug("burgerauth SecretKey", &key);
    let session = client.session_for_key(&key);
    audit.session("burgerauth Session", &session);
    let app = client
        .create_app(
            &session,
            &AppRegistration::new("audit", "https://app.example/callback"),
        )
        .await
        .unwrap();
    audit.secret("client secret", app.client_secret.expose_secret());
    audit.debug("burgerauth NewApp", &app);
    // 1.3 cannot log out (its key lives until the server restarts): say so without the key.
    audit.error(
        "burgerauth logout",
        &client.logout(&session).await.unwrap_err(),
    );
    emulator.restart();
    audit.error(
        "burgerauth call after a restart",
        &client
            .create_app(
                &session,
                &AppRegistration::new("late", "https://app.example/cb"),
            )
            .await
            .unwrap_err(),
    );
}

async fn maillink(audit: &mut Audit) {
    use maillink_auth::{Client, SessionPlatform, WaitOptions};
    use std::time::Duration;
    let emulator = omniauth_testkit::maillink::Maillink::start().await.unwrap();
    emulator.add_account("alice", Some(EMAIL));
    let sleeper = RecordingSleeper::default();
    let client = Client::builder()
        .base_url(emulator.base_url())
        .retry(retry(&sleeper))
        .build()
        .unwrap();
    let pending = client
        .start_login("alice", EMAIL, &SessionPlatform::CLI)
        .await
        .unwrap();
    audit.secret("auth id", pending.auth_id().expose_secret());
    audit.debug("maillink PendingLogin", &pending);
    audit
        .texts
        .push(("maillink instructions".into(), pending.instructions()));
    pending.poll_once().await.unwrap();
    assert!(emulator.confirm_last());
    let options = WaitOptions::new()
        .min_interval(Duration::from_millis(1))
        .interval(Duration::from_millis(5));
    let session = pending.wait(options).await.unwrap();
    audit.session("maillink Session", &session);
    // Polling a login that was consumed or expired is an error that must not echo the id.
    let _ = emulator.expire(pending.auth_id().expose_secret());
    if let Err(err) = pending.poll_once().await {
        audit.error("maillink poll after the end", &err);
    }
}
