//! 1.3 tokens: JWTs checked against the server's JWKS (cached) — `EdDSA` (Ed25519) on HEAD,
//! RS256 (RSA) on the `v1.0` tag and the May–July builds, chosen by the token's header and
//! the key's type, never by the version string — the discovery document read by hand, and
//! `GET /userinfo` with a token.

use jsonwebtoken::errors::ErrorKind as JwtErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use omniauth_types::{AccessToken, Error, ErrorKind, ExposeSecret as _, Result, SecretKey};
use serde::Deserialize;

use crate::client::{Client, Dialect};
use crate::model::{Discovery, Jwks, TokenUserInfo};
use crate::{IdToken, SERVICE};

/// How long a token may be past `exp` and still pass (clock skew), seconds.
pub const LEEWAY_SECS: u64 = 30;

/// A signing key of the JWKS.
#[derive(Debug, Clone)]
pub(crate) enum Jwk {
    /// `kty: OKP`, `crv: Ed25519`: the public key `x` (HEAD).
    Ed25519 { x: String },
    /// `kty: RSA`: modulus and exponent (`v1.0`), base64url without the `=` padding the
    /// server adds.
    Rsa { n: String, e: String },
}

impl Jwk {
    fn algorithm(&self) -> Algorithm {
        match self {
            Self::Ed25519 { .. } => Algorithm::EdDSA,
            Self::Rsa { .. } => Algorithm::RS256,
        }
    }

    fn decoding_key(&self) -> Option<DecodingKey> {
        match self {
            Self::Ed25519 { x } => DecodingKey::from_ed_components(x).ok(),
            Self::Rsa { n, e } => DecodingKey::from_rsa_components(n, e).ok(),
        }
    }
}

/// The claims of a verified 1.3 id token.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// The user's 255-character unique id.
    pub sub: String,
    /// The issuer (the server's config `URL`).
    pub iss: String,
    /// The username.
    pub name: String,
    /// The client id.
    pub aud: String,
    /// Expiry, unix seconds.
    pub exp: i64,
    /// Issue time, unix seconds.
    pub iat: i64,
    /// Login time, unix seconds.
    #[serde(default)]
    pub auth_time: Option<i64>,
    /// **The user's secret key** — the token is a master credential.
    pub session: SecretKey,
    /// The nonce (empty when none was sent).
    #[serde(default)]
    pub nonce: Option<String>,
}

/// The claims of a verified 1.3 access token.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct AccessTokenClaims {
    /// The client id.
    pub aud: String,
    /// Expiry, unix seconds.
    pub exp: i64,
    /// Issue time, unix seconds.
    pub iat: i64,
    /// **The user's secret key** — the token is a master credential.
    pub session: SecretKey,
}

/// Reads a JWKS body: the Ed25519 (`OKP`/`Ed25519`) and RSA keys, others skipped. The
/// `v1.0` server pads `n` with `=` (recording `burgerauth-1.3-v1.0-tag`): both forms are read.
pub(crate) fn decode_jwks(body: &[u8]) -> std::result::Result<Vec<Jwk>, serde_json::Error> {
    let jwks: Jwks = serde_json::from_slice(body)?;
    let text = |key: &serde_json::Value, name: &str| {
        key.get(name)
            .and_then(|v| v.as_str())
            .map(|v| v.trim_end_matches('=').to_owned())
    };
    Ok(jwks
        .keys
        .iter()
        .filter_map(|key| {
            match (
                key.get("kty").and_then(|v| v.as_str()),
                key.get("crv").and_then(|v| v.as_str()),
            ) {
                (Some("OKP"), Some("Ed25519")) => Some(Jwk::Ed25519 { x: text(key, "x")? }),
                (Some("RSA"), _) => Some(Jwk::Rsa {
                    n: text(key, "n")?,
                    e: text(key, "e")?,
                }),
                _ => None,
            }
        })
        .collect())
}

fn unauthorized(message: &str) -> Error {
    Error::new(ErrorKind::Unauthorized)
        .with_service(SERVICE)
        .with_message(message.to_owned())
}

/// What went wrong checking a token with one key.
enum Check<T> {
    Valid(T),
    /// Try another key (or fetch the keys again).
    BadSignature,
    Rejected(Error),
}

fn check<T: serde::de::DeserializeOwned>(
    token: &str,
    key: &Jwk,
    client_id: &str,
    issuer: Option<&str>,
) -> Check<T> {
    let Some(decoding) = key.decoding_key() else {
        return Check::BadSignature;
    };
    let mut validation = Validation::new(key.algorithm());
    validation.leeway = LEEWAY_SECS;
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "aud"]);
    if let Some(issuer) = issuer {
        validation.set_issuer(&[issuer]);
    }
    match jsonwebtoken::decode::<T>(token, &decoding, &validation) {
        Ok(data) => Check::Valid(data.claims),
        Err(err) => match err.kind() {
            JwtErrorKind::InvalidSignature | JwtErrorKind::InvalidAlgorithm => Check::BadSignature,
            JwtErrorKind::ExpiredSignature => Check::Rejected(
                Error::new(ErrorKind::Expired)
                    .with_service(SERVICE)
                    .with_message("the token has expired"),
            ),
            JwtErrorKind::InvalidAudience => {
                Check::Rejected(unauthorized("the token was issued to another client"))
            }
            JwtErrorKind::InvalidIssuer => {
                Check::Rejected(unauthorized("the token was issued by another server"))
            }
            _ => Check::Rejected(unauthorized(
                "the token is malformed or lacks required claims",
            )),
        },
    }
}

impl Client {
    /// The discovery document. Served as `text/html` and without the signing algorithms, so
    /// it is read here by hand rather than with a generic OIDC client.
    ///
    /// # Errors
    /// `Decode` when it is not the expected JSON.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn discovery(&self) -> Result<Discovery> {
        self.transport
            .get("/.well-known/openid-configuration")
            .send_json()
            .await
    }

    /// Fetches the JWKS again (it is cached after the first verification) and returns how
    /// many Ed25519 and RSA keys it holds.
    ///
    /// # Errors
    /// Transport and decode failures.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn refresh_keys(&self) -> Result<usize> {
        let response = self.transport.get("/.well-known/jwks.json").send().await?;
        let keys = decode_jwks(response.body()).map_err(|err| {
            response
                .decode_error()
                .with_service(SERVICE)
                .with_source(err)
        })?;
        let count = keys.len();
        *self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(keys);
        Ok(count)
    }

    fn cached_keys(&self) -> Option<Vec<Jwk>> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    async fn verify<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        client_id: &str,
        issuer: Option<&str>,
    ) -> Result<T> {
        if self.dialect == Dialect::V1_2 {
            return Err(Error::unsupported(
                SERVICE,
                "token verification on 1.2 (its id tokens are HS256 with the server's own secret: no client can verify them)",
            ));
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| unauthorized("the token is not a jwt"))?;
        if !matches!(header.alg, Algorithm::EdDSA | Algorithm::RS256) {
            return Err(unauthorized("the token is not signed with EdDSA or RS256"));
        }
        // The header's `kid` is hard-coded `burgerauth` while the JWKS `kid` is the server's
        // KEY_ID setting: they may differ, so every key of the token's algorithm is tried.
        let mut refetched = false;
        let mut keys = if let Some(keys) = self.cached_keys() {
            keys
        } else {
            self.refresh_keys().await?;
            refetched = true;
            self.cached_keys().unwrap_or_default()
        };
        loop {
            for key in keys.iter().filter(|key| key.algorithm() == header.alg) {
                match check::<T>(token, key, client_id, issuer) {
                    Check::Valid(claims) => return Ok(claims),
                    Check::Rejected(err) => return Err(err),
                    Check::BadSignature => {}
                }
            }
            if refetched {
                return Err(unauthorized(
                    "the token's signature does not match the server's keys",
                ));
            }
            // The server may have a new key (it makes one at first start): fetch once more.
            self.refresh_keys().await?;
            refetched = true;
            keys = self.cached_keys().unwrap_or_default();
        }
    }

    /// Verifies a 1.3 id token: `EdDSA` or RS256 signature (by the token's header and the
    /// key's type) against the server's JWKS, `iss` = the
    /// client's [issuer](Client::issuer), `aud` = `client_id`, `exp` (30 s leeway), and the
    /// `nonce` when one is expected.
    ///
    /// # Errors
    /// `Unauthorized` for a bad signature, audience, issuer or nonce; `Expired` for an
    /// expired token; `Unsupported` on 1.2.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn verify_id_token(
        &self,
        token: &IdToken,
        client_id: &str,
        nonce: Option<&str>,
    ) -> Result<IdTokenClaims> {
        let claims: IdTokenClaims = self
            .verify(token.expose_secret(), client_id, Some(&self.issuer))
            .await?;
        if let Some(expected) = nonce
            && claims.nonce.as_deref() != Some(expected)
        {
            return Err(unauthorized("the id token's nonce does not match"));
        }
        Ok(claims)
    }

    /// Verifies a 1.3 access token: signature, `aud` = `client_id`, `exp` (it has no `iss`).
    ///
    /// # Errors
    /// As [`verify_id_token`](Self::verify_id_token).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn verify_access_token(
        &self,
        token: &AccessToken,
        client_id: &str,
    ) -> Result<AccessTokenClaims> {
        self.verify(token.expose_secret(), client_id, None).await
    }

    /// `GET /userinfo` with a token (`Authorization: Bearer`). On 1.3 either token works
    /// (wrap an id token with `AccessToken::new`), and the user's session must still exist
    /// on the server; on 1.2 it takes the opaque access token.
    ///
    /// # Errors
    /// `Unauthorized` for a bad, expired or orphaned token; `Forbidden` without the `openid`
    /// scope; `NotFound` when the app was deleted.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn token_userinfo(&self, token: &AccessToken) -> Result<TokenUserInfo> {
        let session = omniauth_types::Session::new(
            SERVICE,
            "",
            token.clone(),
            omniauth_types::TokenScheme::Bearer,
        );
        self.transport
            .get("/userinfo")
            .auth(&session)
            .send_json()
            .await
    }
}

#[derive(serde::Serialize)]
struct TokenBody<'a> {
    /// Exposed only here, where the body is built to be sent.
    access_token: &'a str,
}

#[derive(Deserialize)]
struct UniqueId {
    sub: String,
}

#[derive(Deserialize)]
struct TokenApp {
    #[serde(rename = "appId")]
    app_id: String,
}

impl Client {
    /// The user's unique id (`sub`) for a 1.3 token (`POST /api/uniqueid`); the server checks
    /// the signature and that the user's session still exists.
    ///
    /// # Errors
    /// `Unauthorized` for a bad or expired token or a dead session, `NotFound` for a deleted
    /// user, `NotFound` on 1.2 (no such route).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn unique_id(&self, token: &AccessToken) -> Result<String> {
        let body = TokenBody {
            access_token: token.expose_secret(),
        };
        let answer: UniqueId = self
            .transport
            .post("/api/uniqueid")
            .json(&body)
            .redact(token)
            .idempotent(true)
            .send_json()
            .await?;
        Ok(answer.sub)
    }

    /// The client id a 1.3 token was issued to, as the server reads it (`POST
    /// /api/loggedin`): a server-side signature and expiry check.
    ///
    /// # Errors
    /// `Unauthorized` for a bad or expired token, `NotFound` on 1.2.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn token_app_id(&self, token: &AccessToken) -> Result<String> {
        let body = TokenBody {
            access_token: token.expose_secret(),
        };
        let answer: TokenApp = self
            .transport
            .post("/api/loggedin")
            .json(&body)
            .redact(token)
            .idempotent(true)
            .send_json()
            .await?;
        Ok(answer.app_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwks_keep_ed25519_and_rsa_keys() {
        let keys = decode_jwks(
            br#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"abc","kid":"k"},{"kty":"RSA","n":"xQ==","e":"AQAB"},{"kty":"OKP","crv":"X25519","x":"d"},{"kty":"RSA","e":"AQAB"}]}"#,
        )
        .unwrap();
        assert_eq!(keys.len(), 2);
        assert!(
            matches!(&keys[1], Jwk::Rsa { n, .. } if n == "xQ"),
            "padding dropped"
        );
        assert!(decode_jwks(br#"{"keys":null}"#).unwrap().is_empty());
        assert!(decode_jwks(br#"{"keys":"x"}"#).is_err());
    }

    #[test]
    fn claims_redact_the_session_key() {
        let claims: AccessTokenClaims =
            serde_json::from_str(r#"{"aud":"c","exp":1,"iat":0,"session":"master-key-123"}"#)
                .unwrap();
        assert!(!format!("{claims:?}").contains("master-key-123"));
    }
}
