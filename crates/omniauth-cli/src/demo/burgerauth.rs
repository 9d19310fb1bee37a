//! Burgerauth: sign up (hashcash + Argon2id), an app, the OAuth2 PKCE code flow, the id token
//! verified against the server's keys, `/userinfo`.

use omniauth::burgerauth::{AppRegistration, AuthorizationRequest, Client, ClientAuth};
use omniauth::{AccessToken, Credentials, ExposeSecret, Password, Result, Service};
use omniauth_testkit::burgerauth::Burgerauth;

use super::{emulator, step};

const NAME: &str = "burgerauth";
const REDIRECT: &str = "https://app.example/callback";

pub async fn run() -> Result<()> {
    let server = Burgerauth::start().await.map_err(|e| emulator(NAME, &e))?;
    step(
        NAME,
        format_args!("emulator (1.3 dialect) at {}", server.base_url()),
    );

    let authenticator = Service::Burgerauth.authenticator(Some(server.base_url()))?;
    let credentials = Credentials::username("demo").with_password(Password::new("a demo password"));
    step(
        NAME,
        "signing up: minting the 20-bit hashcash stamp, hashing the password with Argon2id",
    );
    authenticator.register(&credentials).await?;
    let session = authenticator
        .login(&credentials)
        .await?
        .into_session()
        .ok_or_else(unexpected)?;
    step(
        NAME,
        format_args!(
            "logged in as {} (a secret-key session)",
            session.username().unwrap_or("?")
        ),
    );

    let client = Client::new(server.base_url())?;
    let app = client
        .create_app(
            &session,
            &AppRegistration::new("omniauth demo", REDIRECT).scopes(&["openid"]),
        )
        .await?;
    step(
        NAME,
        format_args!("registered the app \"omniauth demo\" ({})", app.app_id),
    );
    let request = AuthorizationRequest::new(&app.app_id, REDIRECT).nonce("demo-nonce");
    let (code, pending) = client.authorize(&session, &request).await?;
    step(
        NAME,
        "authorized with PKCE (S256): got a code on the redirect",
    );
    let verifier = pending.into_verifier().ok_or_else(unexpected)?;
    let tokens = client
        .exchange_code(&app.app_id, &code, &ClientAuth::Verifier(verifier))
        .await?;
    step(
        NAME,
        "exchanged the code for tokens (form-encoded, with the verifier)",
    );
    let id_token = tokens.id_token.as_ref().ok_or_else(unexpected)?;
    let claims = client
        .verify_id_token(id_token, &app.app_id, Some("demo-nonce"))
        .await?;
    step(
        NAME,
        format_args!(
            "id token verified against the JWKS (EdDSA): name {}",
            claims.name
        ),
    );
    let info = client
        .token_userinfo(&AccessToken::new(id_token.expose_secret()))
        .await?;
    step(NAME, format_args!("/userinfo says {}", info.name));
    authenticator.validate(&session).await?;
    step(NAME, "the secret key is still logged in");
    Ok(())
}

fn unexpected() -> omniauth::Error {
    omniauth::Error::new(omniauth::ErrorKind::Decode {
        status: None,
        snippet: String::new(),
    })
    .with_service(NAME)
    .with_message("the emulator answered something the demo did not expect")
}
