#![doc = include_str!("../README.md")]

mod logout;
mod manager;
mod service;

pub use logout::LogoutOutcome;
pub use manager::{DEFAULT_MARGIN, SessionManager};
pub use omniauth_types::*;
pub use service::{ClientSettings, Service};

/// The Resonite cloud API client (crate `resonite-api`).
#[cfg(feature = "resonite")]
pub use resonite_api as resonite;

/// The Burgerauth client, both dialects (crate `burgerauth-api`).
#[cfg(feature = "burgerauth")]
pub use burgerauth_api as burgerauth;

/// The GoScrobble client (crate `goscrobble-api`).
#[cfg(feature = "goscrobble")]
pub use goscrobble_api as goscrobble;

/// The email-link login client (crate `maillink-auth`).
#[cfg(feature = "maillink")]
pub use maillink_auth as maillink;
