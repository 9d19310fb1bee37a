//! Shared helpers of the integration tests: emulators, clients, accounts.
#![allow(dead_code)] // Each test binary uses a part.

use std::sync::OnceLock;

use burgerauth_api::model::{NewApp, TokenResponse};
use burgerauth_api::password::{derive_legacy, derive_modern};
use burgerauth_api::{
    AppRegistration, AuthorizationCode, Client, ClientAuth, DerivedPassword, Dialect, ExposeSecret,
    Password, PendingAuthorization, Result, Session,
};
use omniauth_testkit::Behaviour;
use omniauth_testkit::burgerauth::{Burgerauth, Dialect as EmuDialect};

pub const PASSWORD: &str = "correct horse battery staple";
pub const REDIRECT: &str = "https://app.example/callback";

/// The modern hash of [`PASSWORD`], derived once per test binary (Argon2id is slow).
pub fn modern_hash() -> DerivedPassword {
    static HASH: OnceLock<String> = OnceLock::new();
    let hash = HASH.get_or_init(|| {
        derive_modern(&Password::new(PASSWORD))
            .unwrap()
            .expose_secret()
            .to_owned()
    });
    DerivedPassword::new(hash.as_str())
}

pub fn legacy_hash() -> DerivedPassword {
    derive_legacy(&Password::new(PASSWORD))
}

pub fn password() -> Password {
    Password::new(PASSWORD)
}

/// A 1.3 emulator with the documented behaviour (codes bound to clients, case-insensitive
/// names): the tests using it check the documented flow.
pub async fn go() -> (Burgerauth, Client) {
    let emu = Burgerauth::builder()
        .behaviour(Behaviour::Documented)
        .start()
        .await
        .unwrap();
    let client = Client::new(emu.base_url()).unwrap();
    (emu, client)
}

/// A 1.3 emulator playing the real server (the default), bugs included.
pub async fn go_with_bugs() -> (Burgerauth, Client) {
    let emu = Burgerauth::start().await.unwrap();
    let client = Client::new(emu.base_url()).unwrap();
    (emu, client)
}

/// A 1.2 HEAD emulator, real (`true`, the default) or documented.
pub async fn python(real_bugs: bool) -> (Burgerauth, Client) {
    python_build(EmuDialect::V1_2, real_bugs).await
}

/// A 1.2 emulator of `build` (HEAD or POST-era), real or documented.
pub async fn python_build(build: EmuDialect, real_bugs: bool) -> (Burgerauth, Client) {
    let behaviour = if real_bugs {
        Behaviour::Real
    } else {
        Behaviour::Documented
    };
    let emu = Burgerauth::builder()
        .dialect(build)
        .behaviour(behaviour)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .base_url(emu.base_url())
        .dialect(Dialect::V1_2)
        .build()
        .unwrap();
    (emu, client)
}

/// A migrated 1.3 account (created in the emulator) and a session of it, without paying for
/// Argon2id again.
pub async fn go_user(emu: &Burgerauth, client: &Client, name: &str) -> Session {
    emu.add_user(name, modern_hash().expose_secret(), true);
    let key = client
        .login_derived(name, &modern_hash(), true)
        .await
        .unwrap();
    client.session_for_key(&key)
}

/// A 1.2 account and a session of it.
pub async fn python_user(emu: &Burgerauth, client: &Client, name: &str) -> Session {
    emu.add_user(name, legacy_hash().expose_secret(), false);
    let key = client
        .login_derived(name, &legacy_hash(), false)
        .await
        .unwrap();
    client.session_for_key(&key)
}

/// A 1.2 app of `session`'s account with the id `app_id`, redirecting to `https://app/cb`.
pub async fn python_app(client: &Client, session: &Session, app_id: &str) {
    client
        .create_app(
            session,
            &AppRegistration::new("", "https://app/cb").app_id(app_id),
        )
        .await
        .unwrap();
}

/// The registration of the app `name` with the `openid` scope, redirecting to [`REDIRECT`].
pub fn openid_app(name: &str) -> AppRegistration {
    AppRegistration::new(name, REDIRECT).scopes(&["openid"])
}

/// A 1.3 emulator and client, `name`'s session (see [`go_user`]) and its app "A" (see
/// [`openid_app`]).
pub async fn go_app(name: &str) -> (Burgerauth, Client, Session, NewApp) {
    let (emu, client) = go().await;
    let session = go_user(&emu, &client, name).await;
    let app = client.create_app(&session, &openid_app("A")).await.unwrap();
    (emu, client, session, app)
}

/// Redeems `code` for `client_id` with the PKCE verifier `pending` holds.
pub async fn redeem_pkce(
    client: &Client,
    client_id: &str,
    code: &AuthorizationCode,
    pending: PendingAuthorization,
) -> Result<TokenResponse> {
    let verifier = pending.into_verifier().unwrap();
    client
        .exchange_code(client_id, code, &ClientAuth::Verifier(verifier))
        .await
}

/// Redeems `code` for `client_id` with the client secret of `app`.
pub async fn redeem_secret(
    client: &Client,
    client_id: &str,
    code: &AuthorizationCode,
    app: &NewApp,
) -> Result<TokenResponse> {
    let secret = ClientAuth::Secret(app.client_secret.clone());
    client.exchange_code(client_id, code, &secret).await
}
