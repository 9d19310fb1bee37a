//! GoScrobble: register, log in (a JWT), refresh it (rotating the refresh token), read the
//! ingress key and scrobble a track with it.

use omniauth::goscrobble::Client;
use omniauth::goscrobble::model::MultiScrobble;
use omniauth::{Credentials, Password, Result, Service};
use omniauth_testkit::goscrobble::GoScrobble;

use super::{emulator, step};

const NAME: &str = "goscrobble";

pub async fn run() -> Result<()> {
    // The emulator's refresh works here; a switch reproduces the real servers' broken one.
    let server = GoScrobble::builder()
        .broken_refresh(false)
        .start()
        .await
        .map_err(|e| emulator(NAME, &e))?;
    step(NAME, format_args!("emulator at {}", server.base_url()));

    let authenticator = Service::GoScrobble.authenticator(Some(server.base_url()))?;
    let credentials = Credentials::username("demo")
        .with_email("demo@example.com")
        .with_password(Password::new("a demo password"));
    authenticator.register(&credentials).await?;
    step(
        NAME,
        "registered demo (password rules checked before sending)",
    );
    let session = authenticator
        .login(&credentials)
        .await?
        .into_session()
        .ok_or_else(|| {
            omniauth::Error::new(omniauth::ErrorKind::Unauthorized).with_service(NAME)
        })?;
    let until = session
        .expires_at()
        .map_or_else(|| "?".to_owned(), |at| at.to_rfc3339());
    step(
        NAME,
        format_args!(
            "logged in: a JWT for {} valid until {until}",
            session.username().unwrap_or("?")
        ),
    );
    let session = authenticator.refresh(&session).await?;
    step(
        NAME,
        "POST /refresh: a new JWT, and the refresh token rotated",
    );

    let client = Client::new(server.base_url())?;
    let key = client.ingress_key(&session).await?;
    let play = MultiScrobble::new(
        vec!["Daft Punk".to_owned()],
        "Discovery",
        "One More Time",
        chrono::Utc::now(),
        320,
    );
    client.scrobble(&key, &play).await?;
    step(
        NAME,
        "scrobbled \"One More Time\" with the ingress key (?key=, not the JWT)",
    );
    let profile = client.profile("demo").await?;
    step(
        NAME,
        format_args!("the profile lists {} scrobble(s)", profile.scrobbles.len()),
    );
    Ok(())
}
