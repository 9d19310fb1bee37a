//! No password, JWT, refresh token, ingress key or reset token in Debug, errors or logs.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{PASSWORD, client, password, server};
use goscrobble_api::model::MultiScrobble;
use goscrobble_api::{Claims, ExposeSecret, IngressKey, Password, ResetToken};
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

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

#[tokio::test(flavor = "current_thread")]
async fn secrets_stay_out_of_debug_errors_and_logs() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = server().await;
    server.add_user("alice", PASSWORD, "alice@example.com");
    let client = client(&server);
    let session = client.login("alice", &password()).await.unwrap();
    let jwt = session.access_token().expose_secret().to_owned();
    let refresh = session.refresh_token().unwrap().expose_secret().to_owned();
    let user = client.user(&session).await.unwrap();
    let key = user.ingress_key.expose_secret().to_owned();
    let play = MultiScrobble::new(vec!["A".into()], "B", "C", chrono::Utc::now(), 1);
    client.scrobble(&user.ingress_key, &play).await.unwrap();
    client.send_reset("alice@example.com").await.unwrap();
    let reset = server.last_reset_token("alice@example.com").unwrap();
    let reset_token = ResetToken::new(reset.clone());
    client.check_reset_token(&reset_token).await.unwrap();
    let fresh = client.refresh(&session).await.unwrap();
    // Failures too: a wrong password, a spent refresh token, a wrong key.
    let wrong = Password::new("the-wrong-password");
    let errors = [
        client.login("alice", &wrong).await.unwrap_err(),
        client.refresh(&session).await.unwrap_err(),
        client
            .scrobble(&IngressKey::new("a-wrong-ingress-key"), &play)
            .await
            .unwrap_err(),
        client
            .reset_password(&reset_token, &Password::new("short"))
            .await
            .unwrap_err(),
    ];

    let claims = Claims::from_session(&session).unwrap();
    let debug = format!(
        "{session:?} {fresh:?} {user:?} {claims:?} {reset_token:?} {:?} {:?}",
        password(),
        IngressKey::new(key.clone())
    );
    let errors = format!(
        "{errors:?} {}",
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("goscrobble"), "the spans were logged: {logs}");
    for secret in [
        PASSWORD,
        "the-wrong-password",
        jwt.as_str(),
        refresh.as_str(),
        key.as_str(),
        reset.as_str(),
        "a-wrong-ingress-key",
        fresh.access_token().expose_secret(),
    ] {
        assert!(!debug.contains(secret), "debug leaks {secret}: {debug}");
        assert!(
            !errors.contains(secret),
            "an error leaks {secret}: {errors}"
        );
        assert!(!logs.contains(secret), "the logs leak {secret}");
    }
}
