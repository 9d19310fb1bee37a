#![doc = include_str!("../README.md")]

mod authenticator;
mod client;
pub mod endpoints;
mod error;
mod login;
pub mod model;
mod pending;
mod registration;
mod schedule;
mod wait;

pub use authenticator::MaillinkAuthenticator;
pub use client::{Client, ClientBuilder, DEFAULT_MAX_LOGIN_WAIT};
pub use endpoints::ENDPOINTS;
pub use error::ERROR_ANSWERS;
pub use model::{AuthId, SessionPlatform};
pub use pending::PendingLogin;
pub use wait::{
    Clock, DEFAULT_INTERVAL, DEFAULT_JITTER, DEFAULT_MAX_BACKOFF, DEFAULT_MIN_INTERVAL,
    DEFAULT_SLOW_DOWN_STEP, PollEvent, Progress, SystemClock, WaitOptions,
};

// The shared vocabulary, so users of this crate alone name the same types.
pub use omniauth_types::{
    self, AccessToken, Error, ErrorKind, ExposeSecret, PollStatus, Result, Session, TokenScheme,
};

/// The service's name, as sessions and errors carry it.
pub const SERVICE: &str = "maillink";

/// The session a token stands for. The service names accounts by username, so that is the
/// user id too; the platform is kept as the `session_platform` extra.
fn session_for(
    client: &Client,
    username: &str,
    platform: &SessionPlatform,
    token: AccessToken,
) -> Session {
    Session::new(SERVICE, username, token, client.token_scheme().clone())
        .with_username(username)
        .with_extra("session_platform", platform.as_str().to_owned())
}
