//! Shared helpers of the integration tests: emulators, clients, accounts.
#![allow(dead_code)] // Each test binary uses a part.

use std::sync::OnceLock;

use burgerauth_api::password::{derive_legacy, derive_modern};
use burgerauth_api::{Client, DerivedPassword, Dialect, ExposeSecret, Password, Session};
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

pub async fn go() -> (Burgerauth, Client) {
    let emu = Burgerauth::start().await.unwrap();
    let client = Client::new(emu.base_url()).unwrap();
    (emu, client)
}

pub async fn go_with_bugs() -> (Burgerauth, Client) {
    let emu = Burgerauth::builder().real_bugs(true).start().await.unwrap();
    let client = Client::new(emu.base_url()).unwrap();
    (emu, client)
}

pub async fn python(real_bugs: bool) -> (Burgerauth, Client) {
    let emu = Burgerauth::builder()
        .dialect(EmuDialect::V1_2)
        .real_bugs(real_bugs)
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
