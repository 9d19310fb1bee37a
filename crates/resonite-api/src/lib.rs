#![doc = include_str!("../README.md")]

mod auth;
mod authenticator;
mod client;
mod contacts;
mod device;
pub mod endpoints;
pub mod error;
mod groups;
#[cfg(feature = "hub")]
pub mod hub;
mod messages;
pub mod model;
mod records;
mod sessions;
mod stats;
mod users;
mod variables;

pub use auth::{
    AUTH_SCHEME, LIFETIME_EXTRA, LoginIdentifier, LoginRequest, LoginResponse, REMEMBER_ME_EXTRA,
    TOTP_HEADER, UID_HEADER,
};
pub use authenticator::ResoniteAuthenticator;
pub use client::{Client, ClientBuilder, default_rate_limit};
pub use device::{Device, MACHINE_ID_EXTRA, SecretMachineId, UID_EXTRA};
pub use endpoints::ENDPOINTS;
#[cfg(feature = "hub")]
pub use hub::{HubClient, HubEvent, HubEvents};
pub use messages::MessageQuery;
pub use records::RecordSearch;
pub use sessions::SessionQuery;

/// The common vocabulary (errors, sessions, secrets), re-exported.
pub use omniauth_types;

/// The service name in [`Session`](omniauth_types::Session)s and errors.
pub const SERVICE: &str = "resonite";

/// The public API.
pub const DEFAULT_BASE_URL: &str = "https://api.resonite.com";
