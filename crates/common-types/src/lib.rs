#![doc = include_str!("../README.md")]

pub mod authenticator;
pub mod endpoint;
pub mod error;
pub mod secret;
pub mod session;
pub mod store;
pub mod text;
pub mod transport;

pub use authenticator::{
    Authenticator, Capabilities, Credentials, LoginOutcome, PendingConfirmation, PendingLogin,
    PollStatus,
};
pub use error::{Error, ErrorKind, Result};
pub use secret::{
    AccessToken, ClientSecret, ExposeSecret, Password, PkceVerifier, RefreshToken, SecretKey,
    SessionSecret, TotpCode,
};
pub use session::{Session, StoredSession, TokenScheme};
#[cfg(feature = "redis")]
pub use store::RedisStore;
pub use store::{FileStore, MemoryStore, RefreshGuard, RefreshLease, TokenStore};

// The third-party crates whose types appear in our API, so users name the same versions.
pub use async_trait;
pub use chrono;
pub use http;
pub use reqwest;
pub use secrecy;
pub use url;

#[doc(hidden)]
pub mod __private {
    //! Names used by [`define_secret!`](crate::define_secret); not part of the API.
    pub use secrecy::SecretString;
    pub use serde;
}
