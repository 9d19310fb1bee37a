//! PKCE (RFC 7636): a verifier from a CSPRNG and its `S256` or `plain` challenge.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use omniauth_types::{ExposeSecret as _, PkceVerifier};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

/// How the code is tied to the client that started the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PkceMethod {
    /// `S256`: the challenge is base64url(SHA-256(verifier)). The default.
    #[default]
    S256,
    /// `plain`: the challenge is the verifier (only for clients that cannot hash).
    Plain,
    /// No PKCE: the code is redeemed with the client secret.
    None,
}

impl PkceMethod {
    pub(crate) fn wire(self) -> &'static str {
        match self {
            Self::S256 => "S256",
            Self::Plain => "plain",
            Self::None => "none",
        }
    }
}

/// A PKCE verifier and its challenge. The verifier comes from a CSPRNG (48 random bytes,
/// base64url: 64 characters) and is not `Clone`: it is spent by one exchange.
pub struct Pkce {
    verifier: PkceVerifier,
    challenge: String,
    method: PkceMethod,
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &self.verifier)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

impl Pkce {
    /// A fresh verifier with an `S256` challenge.
    pub fn s256() -> Self {
        Self::new(PkceMethod::S256).unwrap_or_else(unreachable_pkce)
    }

    /// A fresh verifier for `method`; `None` for [`PkceMethod::None`].
    pub fn new(method: PkceMethod) -> Option<Self> {
        let mut bytes = [0_u8; 48];
        // ThreadRng: ChaCha12 seeded from the OS, a CSPRNG.
        rand::rng().fill_bytes(&mut bytes);
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        Self::from_verifier(PkceVerifier::new(verifier), method)
    }

    /// The challenge for a given verifier (for tests and for callers with their own
    /// generator); `None` for [`PkceMethod::None`].
    pub fn from_verifier(verifier: PkceVerifier, method: PkceMethod) -> Option<Self> {
        let challenge = match method {
            PkceMethod::S256 => {
                URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.expose_secret().as_bytes()))
            }
            PkceMethod::Plain => verifier.expose_secret().to_owned(),
            PkceMethod::None => return None,
        };
        Some(Self {
            verifier,
            challenge,
            method,
        })
    }

    /// The challenge sent with the authorization step.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }

    /// The method.
    pub fn method(&self) -> PkceMethod {
        self.method
    }

    /// The verifier, for the exchange.
    pub fn into_verifier(self) -> PkceVerifier {
        self.verifier
    }
}

fn unreachable_pkce() -> Pkce {
    // `new(S256)` always returns Some; keep a total function without panicking.
    Pkce {
        verifier: PkceVerifier::new(""),
        challenge: String::new(),
        method: PkceMethod::S256,
    }
}

#[cfg(test)]
mod tests {
    use omniauth_types::ExposeSecret as _;

    use super::*;

    #[test]
    fn s256_challenge_matches_rfc7636_appendix_b() {
        let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let pkce = Pkce::from_verifier(verifier, PkceMethod::S256).unwrap();
        assert_eq!(
            pkce.challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(!format!("{pkce:?}").contains("dBjftJeZ"));
        let plain = Pkce::from_verifier(PkceVerifier::new("abc"), PkceMethod::Plain).unwrap();
        assert_eq!(plain.challenge(), "abc");
        assert!(Pkce::new(PkceMethod::None).is_none());
    }

    #[test]
    fn verifiers_are_random_and_long_enough() {
        let a = Pkce::s256().into_verifier();
        let b = Pkce::s256().into_verifier();
        assert_eq!(a.expose_secret().len(), 64);
        assert_ne!(a.expose_secret(), b.expose_secret());
    }
}
