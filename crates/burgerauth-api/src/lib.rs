#![doc = include_str!("../README.md")]

mod accounts;
mod apps;
mod authenticator;
mod client;
mod endpoints;
mod error;
pub mod hashcash;
pub mod model;
mod oauth;
pub mod password;
mod pkce;
mod secrets;
mod sessions;
mod tokens;

pub use apps::{AppRegistration, SCOPES};
pub use authenticator::BurgerauthAuthenticator;
pub use client::{Client, ClientBuilder, Dialect};
pub use endpoints::ENDPOINTS;
pub use error::{DEAD_KEY_ROUTES, ERROR_ANSWERS, decode_error};
pub use oauth::{AuthorizationRequest, ClientAuth, PendingAuthorization};
pub use pkce::{Pkce, PkceMethod};
pub use secrets::{AuthorizationCode, DerivedPassword, IdToken, SessionId};
pub use tokens::{AccessTokenClaims, IdTokenClaims};

/// The service name in sessions and errors.
pub const SERVICE: &str = "burgerauth";

// The common vocabulary, so users need no second import.
pub use omniauth_types::{
    AccessToken, ClientSecret, Error, ErrorKind, ExposeSecret, Password, PkceVerifier,
    RefreshToken, Result, SecretKey, Session,
};
