//! The whole OAuth2 PKCE flow: sign up (or in), register an app, authorize, exchange the code,
//! verify the id token, read `/userinfo`, delete the app.
//!
//! Against the in-process emulators (no network, no account), once per dialect (1.3, 1.2 and
//! the POST-era 1.2):
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
    AppRegistration, AuthorizationRequest, Client, ClientAuth, Dialect, Password, Session,
};
use omniauth_testkit::burgerauth::{self as emulator, Burgerauth};

const REDIRECT: &str = "https://app.example/callback";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    if let Ok(url) = std::env::var("BURGERAUTH_URL") {
        let username = std::env::var("BURGERAUTH_USER")?;
        let password = Password::new(std::env::var("BURGERAUTH_PASSWORD")?);
        let client = detected(&url).await?;
        let session = client.login(&username, &password).await?;
        flow(&client, &session).await?;
        return Ok(());
    }
    for dialect in [
        emulator::Dialect::V1_3,
        emulator::Dialect::V1_2,
        emulator::Dialect::V1_2Post,
    ] {
        demo(dialect).await?;
    }
    Ok(())
}

/// The flow against an emulator of `dialect`, signing up a new account first; what
/// `/userinfo` names (the account).
///
/// # Errors
/// The first step that fails, as the SDK reports it.
pub async fn demo(dialect: emulator::Dialect) -> Result<String> {
    let emulator = Burgerauth::builder().dialect(dialect).start().await?;
    println!("started the emulator at {}", emulator.base_url());
    let client = detected(emulator.base_url()).await?;
    println!("signing up (minting the hashcash stamp and hashing the password)...");
    let session = client
        .signup("demo", &Password::new("a demo password"))
        .await?;
    flow(&client, &session).await
}

/// A client speaking the dialect the server at `base_url` speaks.
async fn detected(base_url: &str) -> Result<Client> {
    let client = Client::new(base_url)?;
    let client = client.with_dialect(client.detect().await?);
    println!("server: {}", client.version().await?);
    Ok(client)
}

/// Register an app, authorize, exchange, verify, `/userinfo`, delete the app; what
/// `/userinfo` names.
async fn flow(client: &Client, session: &Session) -> Result<String> {
    println!("signed in as {}", session.username().unwrap_or("?"));
    // 1.3 servers choose the app id; 1.2 servers take the client's.
    let mut registration = AppRegistration::new("oauth_pkce example", REDIRECT).scopes(&["openid"]);
    if client.dialect() != Dialect::V1_3 {
        registration = registration.app_id(format!("oauth-pkce-example-{}", std::process::id()));
    }
    let app = client.create_app(session, &registration).await?;
    let request = AuthorizationRequest::new(&app.app_id, REDIRECT).nonce("example-nonce");
    let (url, _) = client.authorization_url(&request)?;
    println!("a browser would open {}", url.path());

    let (code, pending) = client.authorize(session, &request).await?;
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
    }
    // The access token works on every dialect (1.2 refuses the id token here).
    let info = client.token_userinfo(&tokens.access_token).await?;
    println!("/userinfo says {}", info.name);
    client.delete_app(session, &app.app_id).await?;
    Ok(info.name)
}
