//! The server's Ed25519 key: signs 1.3 tokens, publishes the JWKS, checks tokens it is shown.

use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

/// Go's `base64.RawURLEncoding`: no padding, trailing bits not checked.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

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

    /// The claims of a token signed by this key and not expired at `now` (the emulator's
    /// clock), or `None` ("Malformed token"). The audience is not checked here, as on the
    /// real server.
    ///
    /// The signature is decoded as Go's `base64.RawURLEncoding` does, ignoring the unused
    /// low bits of its last character (recordings: `tamper_signature_last_char`, `A` → `B`,
    /// accepted by the server).
    pub fn verify(
        &self,
        token: &str,
        now: i64,
    ) -> Option<serde_json::Map<String, serde_json::Value>> {
        let (signed, signature) = token.rsplit_once('.')?;
        let signature = LENIENT.decode(signature).ok()?;
        let token = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature));
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.validate_aud = false;
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            &token,
            &self.decoding,
            &validation,
        )
        .ok()?
        .claims;
        // `exp` is checked against the emulator's clock, which a test may have moved.
        match claims.get("exp").and_then(serde_json::Value::as_f64) {
            #[allow(clippy::cast_precision_loss)] // Unix seconds fit a float's mantissa.
            Some(exp) if exp < now as f64 => None,
            _ => Some(claims),
        }
    }
}
