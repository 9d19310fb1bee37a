//! A stale 1.2 Burgerauth session is forgotten by `SessionManager::logout`: the real 1.2
//! server answers its dead key with `500 {}`, which the client maps to `Unauthorized`.

use burgerauth_api::password::derive_legacy;
use burgerauth_api::{BurgerauthAuthenticator, Client, Dialect, ExposeSecret as _};
use omniauth::{
    Authenticator, Credentials, ErrorKind, LogoutOutcome, MemoryStore, Password, SessionManager,
};
use omniauth_testkit::burgerauth::{Burgerauth, Dialect as Build};

#[tokio::test]
async fn stale_1_2_session_is_forgotten_and_live_one_logged_out() {
    // The real 1.2 HEAD build (the emulator's default behaviour).
    let emu = Burgerauth::builder()
        .dialect(Build::V1_2)
        .start()
        .await
        .unwrap();
    let password = Password::new("correct horse battery staple");
    emu.add_user("sam", derive_legacy(&password).expose_secret(), false);
    let client = Client::builder()
        .base_url(emu.base_url())
        .dialect(Dialect::V1_2)
        .build()
        .unwrap();
    let auth = BurgerauthAuthenticator::new(client.clone());
    assert!(auth.capabilities().logout, "1.2 can log out on the server");
    let credentials = Credentials::username("sam").with_password(password);

    // A live session: logout removes it on the server.
    let live = auth
        .login(&credentials)
        .await
        .unwrap()
        .into_session()
        .unwrap();
    let manager = SessionManager::new(
        Box::new(BurgerauthAuthenticator::new(client.clone())) as Box<dyn Authenticator>,
        MemoryStore::new(),
        "burgerauth/sam",
    );
    manager.save(live.clone()).await.unwrap();
    assert_eq!(manager.logout().await.unwrap(), LogoutOutcome::ServerEnded);
    assert!(
        !client.is_logged_in(&live).await.unwrap(),
        "gone on the server"
    );

    // A stale session (removed elsewhere): the server answers 500 {}, the manager forgets it.
    let stale = auth
        .login(&credentials)
        .await
        .unwrap()
        .into_session()
        .unwrap();
    client.logout(&stale).await.unwrap();
    manager.save(stale).await.unwrap();
    assert_eq!(manager.logout().await.unwrap(), LogoutOutcome::AlreadyEnded);
    assert_eq!(
        manager.stored().await.unwrap_err().kind(),
        &ErrorKind::Unauthorized,
        "nothing stored any more"
    );
}
