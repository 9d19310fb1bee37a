//! Log in, read the ingress key, scrobble a track.
//!
//! Against a real server:
//! `GOSCROBBLE_URL=https://scrobble.example.com/api/v1 GOSCROBBLE_USER=alice GOSCROBBLE_PASSWORD=… cargo run -p goscrobble-api --example scrobble`
//!
//! Without `GOSCROBBLE_URL` it starts the testkit's emulator with a demo account.

use goscrobble_api::model::MultiScrobble;
use goscrobble_api::{Client, Password};
use omniauth_testkit::goscrobble::GoScrobble;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator;
    let (base_url, username, password) = if let Ok(url) = std::env::var("GOSCROBBLE_URL") {
        let user = std::env::var("GOSCROBBLE_USER")?;
        let password = std::env::var("GOSCROBBLE_PASSWORD")?;
        (url, user, Password::new(password))
    } else {
        emulator = GoScrobble::start().await?;
        emulator.add_user("demo", "demo-password", "demo@example.com");
        println!(
            "no GOSCROBBLE_URL: using the emulator at {}",
            emulator.base_url()
        );
        (
            emulator.base_url().to_owned(),
            "demo".to_owned(),
            Password::new("demo-password"),
        )
    };

    let client = Client::new(base_url)?;
    let session = client.login(&username, &password).await?;
    println!(
        "logged in as {} until {:?}",
        session.username().unwrap_or("?"),
        session.expires_at()
    );

    // Ingestion takes the ingress key as ?key=, not the JWT.
    let key = client.ingress_key(&session).await?;
    let play = MultiScrobble::new(
        vec!["Daft Punk".to_owned()],
        "Discovery",
        "One More Time",
        chrono::Utc::now(),
        320,
    );
    client.scrobble(&key, &play).await?;

    let profile = client.profile(&username).await?;
    for scrobble in &profile.scrobbles {
        println!(
            "{} - {} ({})",
            scrobble.artist.name, scrobble.track.name, scrobble.source
        );
    }
    Ok(())
}
