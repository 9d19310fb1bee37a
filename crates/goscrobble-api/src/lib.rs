#![doc = include_str!("../README.md")]

mod admin;
mod auth;
mod authenticator;
mod client;
pub mod endpoints;
mod error;
mod image;
mod ingress;
mod jwt;
pub mod model;
mod music;
mod rules;
mod secret;
mod site;
mod user;

pub use authenticator::GoScrobbleAuthenticator;
pub use client::{Client, ClientBuilder, heavy_tier};
pub use endpoints::ENDPOINTS;
pub use error::{ERROR_ANSWERS, decode_error};
pub use image::MAX_IMAGE_BYTES;
pub use jwt::{Claims, session_from_token};
pub use music::SITE_WIDE;
pub use secret::{IngressKey, ResetToken};

/// The `uuid` crate, whose [`Uuid`](uuid::Uuid) the models and the image helpers use.
pub use uuid;

pub use omniauth_types::{
    AccessToken, Error, ErrorKind, ExposeSecret, Password, RefreshToken, Result, Session,
};

/// The service name every [`Session`] and [`Error`] of this crate carries.
pub const SERVICE: &str = "goscrobble";
