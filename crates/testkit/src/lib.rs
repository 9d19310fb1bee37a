#![doc = include_str!("../README.md")]

mod behaviour;
mod control;
mod fault;
mod log;
mod server;

pub use behaviour::{Behaviour, UnknownBehaviour};
pub use control::CONTROL_PREFIX;
pub use fault::{Fault, FaultRule, Faults, RetryAfter};
pub use log::{MAX_REQUEST_BYTES, RecordedRequest, RequestLog};
pub use server::TestServer;

// Emulators, one module a service (each from its spec in shared/specs, never from client code).
#[cfg(feature = "burgerauth")]
pub mod burgerauth;
#[cfg(feature = "goscrobble")]
pub mod goscrobble;
#[cfg(feature = "maillink")]
pub mod maillink;
#[cfg(feature = "resonite")]
pub mod resonite;

// The `omniauth-emulator` binary's library side: seed, control API, listeners.
#[cfg(feature = "server")]
pub mod standalone;
