//! The whole OAuth2 PKCE flow: sign up (or in), register an app, authorize, exchange the code,
//! verify the id token, read `/userinfo`.
//!
//! Against the in-process emulator (no network, no account):
//!
//! ```text
//! cargo run -p burgerauth-api --example oauth_pkce
//! ```
//!
//! Against a real deployment (credentials from the environment, never from argv):
//!
//! ```text
//! BURGERAUTH_URL=https://auth.example.org BURGERAUTH_USER=alice BURGERAUTH_PASSWORD=… \
//!     cargo run -p burgerauth-api --example oauth_pkce
//! ```

use burgerauth_api::{
    AccessToken, AppRegistration, AuthorizationRequest, Client, ClientAuth, ExposeSecret, Password,
};

const REDIRECT: &str = "https://app.example/callback";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator;
    let (base_url, username, password, signup) = if let Ok(url) = std::env::var("BURGERAUTH_URL") {
        (
            url,
            std::env::var("BURGERAUTH_USER")?,
            Password::new(std::env::var("BURGERAUTH_PASSWORD")?),
            false,
        )
    } else {
        {
            emulator = omniauth_testkit::burgerauth::Burgerauth::start().await?;
            println!("started the emulator at {}", emulator.base_url());
            (
                emulator.base_url().to_owned(),
                "demo".to_owned(),
                Password::new("a demo password"),
                true,
            )
        }
    };

    let client = Client::new(&base_url)?;
    let client = client.with_dialect(client.detect().await?);
    println!("server: {}", client.version().await?);
    let session = if signup {
        println!("signing up (minting the hashcash stamp and hashing the password)...");
        client.signup(&username, &password).await?
    } else {
        client.login(&username, &password).await?
    };
    println!("signed in as {}", session.username().unwrap_or("?"));

    let app = client
        .create_app(
            &session,
            &AppRegistration::new("oauth_pkce example", REDIRECT).scopes(&["openid"]),
        )
        .await?;
    let request = AuthorizationRequest::new(&app.app_id, REDIRECT).nonce("example-nonce");
    let (url, _) = client.authorization_url(&request)?;
    println!("a browser would open {}", url.path());

    let (code, pending) = client.authorize(&session, &request).await?;
    let verifier = pending.into_verifier().ok_or("no PKCE verifier")?;
    let tokens = client
        .exchange_code(&app.app_id, &code, &ClientAuth::Verifier(verifier))
        .await?;
    println!(
        "token type {}, expires in {:?} s",
        tokens.token_type, tokens.expires_in
    );

    if let Some(id_token) = &tokens.id_token {
        match client
            .verify_id_token(id_token, &app.app_id, Some("example-nonce"))
            .await
        {
            Ok(claims) => println!(
                "id token verified: name {}, sub {}…",
                claims.name,
                claims.sub.chars().take(8).collect::<String>()
            ),
            Err(err) => println!("id token not verified: {err}"),
        }
        let info = client
            .token_userinfo(&AccessToken::new(id_token.expose_secret()))
            .await?;
        println!("/userinfo says {}", info.name);
    }
    client.delete_app(&session, &app.app_id).await?;
    Ok(())
}
