//! The table every service crate keeps of the endpoints it covers (`ENDPOINTS`), from which
//! the reference docs are generated.

/// What an endpoint needs to be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointAuth {
    /// Nothing: anyone may call it.
    None,
    /// A signed-in [`Session`](crate::Session).
    Session,
    /// Another credential, named here (for example `"ingress key (?key=)"`).
    Other(&'static str),
}

/// One endpoint a service crate covers.
///
/// ```
/// use omniauth_types::endpoint::{Endpoint, EndpointAuth};
///
/// const LOGIN: Endpoint = Endpoint {
///     method: "POST",
///     path: "/login",
///     auth: EndpointAuth::None,
///     function: "Client::login",
///     errors: &["InvalidCredentials", "RateLimited"],
///     notes: "",
/// };
/// assert_eq!(LOGIN.method, "POST");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// The HTTP method (`GET`, `POST`, …), or `WS` for a WebSocket.
    pub method: &'static str,
    /// The path template, relative to the client's base URL (`/users/{id}`).
    pub path: &'static str,
    /// What the call needs.
    pub auth: EndpointAuth,
    /// The Rust function that calls it (`Client::get_user`).
    pub function: &'static str,
    /// The [`ErrorKind`](crate::ErrorKind) variant names it can end in, beyond transport and
    /// decode errors.
    pub errors: &'static [&'static str],
    /// Anything a user must know (quirks, what is not covered), or empty.
    pub notes: &'static str,
}
