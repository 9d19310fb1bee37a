//! The email-link service: register, start a login, the user follows the link, the poll
//! picks the session up.

use std::time::Duration;

use omniauth::Result;
use omniauth::maillink::{Client, SessionPlatform, WaitOptions};
use omniauth_testkit::maillink::Maillink;

use super::{emulator, step};

const NAME: &str = "maillink";

pub async fn run() -> Result<()> {
    let server = Maillink::start().await.map_err(|e| emulator(NAME, &e))?;
    step(NAME, format_args!("emulator at {}", server.base_url()));
    let client = Client::new(server.base_url())?;
    let session = client
        .register("demo", Some("demo@example.com"), &SessionPlatform::CLI)
        .await?;
    step(
        NAME,
        format_args!("registered and signed in as {}", session.user_id()),
    );

    let pending = client
        .start_login("demo", "demo@example.com", &SessionPlatform::CLI)
        .await?;
    step(NAME, pending.instructions());
    // The user opens the mail on another device and follows the link.
    let confirmer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        server.confirm_last();
        server
    });
    let options = WaitOptions::new()
        .first_wait(Duration::from_millis(100))
        .interval(Duration::from_millis(200))
        .on_progress(|progress| {
            step(
                NAME,
                format_args!("polling… {:.0?} left", progress.remaining),
            );
        });
    let session = pending.wait(options).await?;
    let _server = confirmer.await.ok();
    step(
        NAME,
        format_args!(
            "the link was followed: signed in as {} on this device",
            session.user_id()
        ),
    );
    Ok(())
}
