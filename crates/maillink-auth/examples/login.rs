//! Signs in with an email link.
//!
//! Against a real deployment:
//!
//! ```sh
//! MAILLINK_BASE_URL=https://auth.example.com MAILLINK_USERNAME=alice \
//!   MAILLINK_EMAIL=alice@example.com cargo run -p maillink-auth --example login
//! ```
//!
//! Without `MAILLINK_BASE_URL` it starts the testkit's emulator, registers the user there,
//! and "clicks" the link after a few polls, so it runs with no network and no account.

use std::time::Duration;

use maillink_auth::{Client, PollEvent, SessionPlatform, WaitOptions};
use omniauth_testkit::maillink::Maillink;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let username = std::env::var("MAILLINK_USERNAME").unwrap_or_else(|_| "alice".into());
    let email = std::env::var("MAILLINK_EMAIL").unwrap_or_else(|_| "alice@example.com".into());

    // Keep the emulator alive for the whole run when there is no real deployment.
    let mut emulator = None;
    let (base_url, options) = if let Ok(url) = std::env::var("MAILLINK_BASE_URL") {
        (url, WaitOptions::new())
    } else {
        let maillink = Maillink::builder().confirm_after_polls(3).start().await?;
        maillink.add_account(&username, Some(&email));
        println!(
            "no MAILLINK_BASE_URL: using the emulator at {}",
            maillink.base_url()
        );
        let url = maillink.base_url().to_owned();
        emulator = Some(maillink);
        let quick = WaitOptions::new()
            .min_interval(Duration::from_millis(100))
            .interval(Duration::from_millis(300));
        (url, quick)
    };

    let client = Client::new(&base_url)?;
    let pending = client
        .start_login(&username, &email, &SessionPlatform::current())
        .await?;
    println!("{}", pending.instructions());

    let options = options.on_progress(|progress| match &progress.event {
        PollEvent::Started => println!("waiting for the confirmation…"),
        PollEvent::Pending => println!(
            "  not yet ({} polls, {}s left)",
            progress.polls,
            progress.remaining.as_secs()
        ),
        PollEvent::SlowDown { .. } => println!("  the server asked to slow down"),
        PollEvent::Retrying { error } => println!("  no answer ({error:?}), retrying"),
        _ => {}
    });
    let session = pending.wait(options).await?;
    println!(
        "signed in as {} (session token received, not shown)",
        session.user_id()
    );
    drop(emulator);
    Ok(())
}
