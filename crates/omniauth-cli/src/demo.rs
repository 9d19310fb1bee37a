//! `omniauth demo`: the four emulators in-process, and every flow run against them, step by
//! step. No network, no account.

mod burgerauth;
mod goscrobble;
mod maillink;
mod resonite;

use omniauth::Result;

/// Prints one step of the demo.
fn step(service: &str, what: impl std::fmt::Display) {
    println!("[{service}] {what}");
}

/// Runs every flow; stops at the first that fails.
pub async fn run() -> Result<()> {
    println!("omniauth demo: four emulated servers on 127.0.0.1, no network, no account.\n");
    resonite::run().await?;
    println!();
    burgerauth::run().await?;
    println!();
    goscrobble::run().await?;
    println!();
    maillink::run().await?;
    println!("\nevery flow worked.");
    Ok(())
}

/// Turns an emulator's start-up failure into our error.
fn emulator(service: &'static str, err: &std::io::Error) -> omniauth::Error {
    omniauth::Error::new(omniauth::ErrorKind::Transport)
        .with_service(service)
        .with_message(format!("cannot start the emulator: {err}"))
}
