//! The server's Ed25519 key: signs 1.3 tokens, publishes the JWKS, checks tokens it is shown.

use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

/// The key pair (PKCS#8 for signing, the raw public half for the JWKS).
pub(crate) struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    x: String,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field("x", &self.x)
            .finish_non_exhaustive()
    }
}

impl Keys {
    pub fn generate() -> Result<Self, String> {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| "cannot generate an Ed25519 key".to_owned())?;
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
            .map_err(|_| "cannot read the generated Ed25519 key".to_owned())?;
        let x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        let decoding = DecodingKey::from_ed_components(&x).map_err(|e| e.to_string())?;
        Ok(Self {
            encoding: EncodingKey::from_ed_der(pkcs8.as_ref()),
            decoding,
            x,
        })
    }

    /// The base64url public key (`x` of the JWK).
    pub fn x(&self) -> &str {
        &self.x
    }

    /// Signs `claims` with header `{"alg":"EdDSA","kid":"burgerauth","typ":"JWT"}` (the kid is
    /// hard-coded in the real server).
    pub fn sign(&self, claims: &serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some("burgerauth".to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap_or_default()
    }

    /// The claims of a token signed by this key and not expired, or `None` ("Malformed
    /// token"). The audience is not checked here, as on the real server.
    pub fn verify(&self, token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.validate_aud = false;
        validation.leeway = 0;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            token,
            &self.decoding,
            &validation,
        )
        .ok()
        .map(|data| data.claims)
    }
}
