//! Logs in (asking for a TOTP code when the account has 2FA), extends the token, lists the
//! contacts, and logs out.
//!
//! ```sh
//! RESONITE_USERNAME=alice RESONITE_PASSWORD=… cargo run -p resonite-api --example totp_login
//! ```
//!
//! `RESONITE_BASE_URL` points it at another deployment (an emulator from
//! `omniauth-testkit`, for one).

use std::io::{BufRead as _, Write as _};

use omniauth_types::{ErrorKind, Password, TotpCode};
use resonite_api::{Client, Device, LoginIdentifier, LoginRequest, LoginResponse};

fn env(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    std::env::var(name).map_err(|_| format!("set {name}").into())
}

fn prompt(question: &str) -> std::io::Result<String> {
    print!("{question}");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base_url = std::env::var("RESONITE_BASE_URL")
        .unwrap_or_else(|_| resonite_api::DEFAULT_BASE_URL.to_owned());
    let client = Client::new(base_url)?;
    let identifier = LoginIdentifier::guess(env("RESONITE_USERNAME")?);
    let password = Password::new(env("RESONITE_PASSWORD")?);
    let device = Device::generate();
    let request = |totp: Option<TotpCode>| {
        let request =
            LoginRequest::password(identifier.clone(), password.clone()).device(device.clone());
        match totp {
            Some(code) => request.totp(code),
            None => request,
        }
    };
    let LoginResponse { session, .. } = match client.login(&request(None)).await {
        Err(err) if err.kind() == &ErrorKind::SecondFactorRequired => {
            let code = TotpCode::new(prompt("TOTP code: ")?);
            client.login(&request(Some(code))).await?
        }
        other => other?,
    };
    println!(
        "signed in as {} until {:?}",
        session.user_id(),
        session.expires_at()
    );
    let session = client.extend(&session).await?;
    println!("extended until {:?}", session.expires_at());
    for contact in client.contacts(&session).await? {
        println!(
            "contact: {} ({:?})",
            contact.contact_username, contact.contact_status
        );
    }
    client.logout(&session).await?;
    println!("logged out");
    Ok(())
}
