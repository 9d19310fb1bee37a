//! Resonite: a login that needs the second factor, the TOTP step, a user lookup, extending the
//! session, and logging out.

use omniauth::resonite::Client;
use omniauth::resonite::model::UserId;
use omniauth::{Credentials, LoginOutcome, Password, Result, Service, TotpCode};
use omniauth_testkit::resonite::Resonite;

use super::{emulator, step};

const NAME: &str = "resonite";
const PASSWORD: &str = "a demo password";
const TOTP: &str = "123456";

pub async fn run() -> Result<()> {
    let server = Resonite::start().await.map_err(|e| emulator(NAME, &e))?;
    let user_id = server.add_account("demo", "demo@example.com", PASSWORD);
    server.set_totp(&user_id, Some(TOTP));
    step(
        NAME,
        format_args!(
            "emulator at {}, account demo ({user_id}) with 2FA on",
            server.base_url()
        ),
    );

    let authenticator = Service::Resonite.authenticator(Some(server.base_url()))?;
    let credentials = Credentials::username("demo").with_password(Password::new(PASSWORD));
    let outcome = authenticator.login(&credentials).await?;
    if matches!(outcome, LoginOutcome::SecondFactorRequired) {
        step(
            NAME,
            "the server answered 403 `TOTP`: a second factor is needed",
        );
    }
    let session = authenticator
        .login(&credentials.with_totp(TotpCode::new(TOTP)))
        .await?
        .into_session()
        .ok_or_else(|| {
            omniauth::Error::new(omniauth::ErrorKind::SecondFactorRequired).with_service(NAME)
        })?;
    step(
        NAME,
        format_args!(
            "logged in with the TOTP code; `res {}:…` authorizes later calls",
            session.user_id()
        ),
    );

    let user = Client::new(server.base_url())?
        .user(&UserId::new(session.user_id()))
        .await?;
    step(
        NAME,
        format_args!(
            "GET /users/{}: username {}",
            user.id.as_str(),
            user.username
        ),
    );
    let extended = authenticator.refresh(&session).await?;
    let until = extended
        .expires_at()
        .map_or_else(|| "?".to_owned(), |at| at.to_rfc3339());
    step(
        NAME,
        format_args!("PATCH /userSessions extended the session until {until}"),
    );
    authenticator.logout(&extended).await?;
    step(NAME, "DELETE /userSessions/{userId}/{token}: logged out");
    Ok(())
}
