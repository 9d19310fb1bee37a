//! Reading the claims of GoScrobble's JWTs, without verifying them: the HS512 key is the
//! server's `JWT_SECRET`, which a client never has. The claims only describe the session
//! (who, until when); the server decides what the token is worth.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, Utc};
use omniauth_types::{
    AccessToken, Error, ErrorKind, ExposeSecret, RefreshToken, Result, Session, TokenScheme,
};
use serde_json::{Map, Value};

use crate::SERVICE;

/// The claims GoScrobble puts in its JWTs (spec §2.3): `sub`, `username`, `email`, `admin`,
/// `mod`, `iat`, `exp`, `refresh_token`, `refresh_exp`. Other claims are ignored.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Claims {
    /// `sub`: the user's UUID.
    pub user_uuid: String,
    /// `username`.
    pub username: String,
    /// `email` (`""` when the account has none).
    pub email: String,
    /// `admin`.
    pub admin: bool,
    /// `mod`.
    pub moderator: bool,
    /// `iat`: when the token was issued.
    pub issued_at: DateTime<Utc>,
    /// `exp`: when the token stops working.
    pub expires_at: DateTime<Utc>,
    /// `refresh_token`: 64 letters for `POST /refresh`.
    pub refresh_token: Option<RefreshToken>,
    /// `refresh_exp`: when the refresh token stops working (a hint: refresh is broken on
    /// many servers).
    pub refresh_expires_at: Option<DateTime<Utc>>,
}

const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fn unreadable(token: &AccessToken, why: &str) -> Error {
    Error::decode_withheld(None, token.expose_secret().len())
        .with_service(SERVICE)
        .with_message(format!("the server's token is not a readable jwt: {why}"))
}

fn timestamp(claims: &Map<String, Value>, name: &str) -> Option<DateTime<Utc>> {
    let value = claims.get(name)?;
    #[allow(clippy::cast_possible_truncation)]
    let seconds = value
        .as_i64()
        .or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))?;
    DateTime::from_timestamp(seconds, 0)
}

impl Claims {
    /// Reads the claims of `token` (the payload part, base64url with or without padding).
    ///
    /// # Errors
    /// [`ErrorKind::Decode`] (with the token withheld) when it is not three dot-separated
    /// parts, its payload is not base64 JSON, or `sub`, `iat` or `exp` is missing.
    pub fn decode(token: &AccessToken) -> Result<Self> {
        let text = token.expose_secret();
        let mut parts = text.split('.');
        let (Some(_), Some(payload), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(unreadable(token, "it does not have three parts"));
        };
        let payload = payload.trim_end_matches('=');
        let bytes = LENIENT
            .decode(payload)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(payload))
            .map_err(|_| unreadable(token, "its payload is not base64"))?;
        let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(&bytes) else {
            return Err(unreadable(token, "its payload is not a json object"));
        };
        let text_claim = |name: &str| {
            claims
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let flag = |name: &str| claims.get(name).and_then(Value::as_bool).unwrap_or(false);
        let user_uuid = text_claim("sub");
        if user_uuid.is_empty() {
            return Err(unreadable(token, "it has no sub claim"));
        }
        let (Some(issued_at), Some(expires_at)) =
            (timestamp(&claims, "iat"), timestamp(&claims, "exp"))
        else {
            return Err(unreadable(token, "it has no readable iat and exp claims"));
        };
        let refresh_token = claims
            .get("refresh_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(RefreshToken::new);
        Ok(Self {
            user_uuid,
            username: text_claim("username"),
            email: text_claim("email"),
            admin: flag("admin"),
            moderator: flag("mod"),
            issued_at,
            expires_at,
            refresh_token,
            refresh_expires_at: timestamp(&claims, "refresh_exp"),
        })
    }

    /// The claims of a session's token.
    ///
    /// # Errors
    /// As [`Claims::decode`].
    pub fn from_session(session: &Session) -> Result<Self> {
        Self::decode(session.access_token())
    }
}

/// Builds the [`Session`] a login or refresh yields from the JWT the server answered.
///
/// The session carries the user's UUID, username, the token (sent as `Bearer`), its `exp`,
/// the refresh token and its `refresh_exp`, and the extras `admin`, `mod` and (when the
/// account has one) `email`.
///
/// # Errors
/// [`ErrorKind::Decode`] for an unreadable token; [`ErrorKind::Expired`] for a token whose
/// `exp` is not after its `iat`: a server whose `JWT_EXPIRY` is unset issues tokens that die
/// the second they are made (spec §2.3), which no client can use.
pub fn session_from_token(token: AccessToken) -> Result<Session> {
    let claims = Claims::decode(&token)?;
    if claims.expires_at <= claims.issued_at {
        return Err(Error::new(ErrorKind::Expired)
            .with_service(SERVICE)
            .with_message(
                "the server issued a token that expires when it is issued (exp == iat): its \
                 JWT_EXPIRY and REFRESH_EXPIRY are unset, ask its admin to set them",
            ));
    }
    let mut session = Session::new(SERVICE, claims.user_uuid, token, TokenScheme::Bearer)
        .with_expires_at(claims.expires_at)
        .with_extra("admin", claims.admin.to_string())
        .with_extra("mod", claims.moderator.to_string());
    if !claims.username.is_empty() {
        session = session.with_username(claims.username);
    }
    if !claims.email.is_empty() {
        session = session.with_extra("email", claims.email);
    }
    if let Some(refresh) = claims.refresh_token {
        session = session.with_refresh_token(refresh, claims.refresh_expires_at);
    }
    Ok(session)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};

    fn token_with(payload: &str, engine: &GeneralPurpose) -> AccessToken {
        AccessToken::new(format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS512","typ":"JWT"}"#),
            engine.encode(payload)
        ))
    }

    const CLAIMS: &str = r#"{"admin":false,"email":"a@b.c","exp":1641002519,"iat":1640397719,"mod":true,"refresh_exp":1641002519,"refresh_token":"abcdefghijklmnopqrstuvwxyz","sub":"418fddfb-8b1b-51ab-9bd3-4fg08ca63cff","username":"test"}"#;

    #[test]
    fn claims_are_read_with_or_without_padding() {
        for engine in [&URL_SAFE_NO_PAD, &URL_SAFE] {
            let claims = Claims::decode(&token_with(CLAIMS, engine)).unwrap();
            assert_eq!(claims.user_uuid, "418fddfb-8b1b-51ab-9bd3-4fg08ca63cff");
            assert_eq!(claims.username, "test");
            assert!(claims.moderator && !claims.admin);
            assert_eq!(claims.expires_at.timestamp(), 1_641_002_519);
            assert_eq!(
                claims.refresh_token.unwrap().expose_secret(),
                "abcdefghijklmnopqrstuvwxyz"
            );
        }
    }

    #[test]
    fn the_seed_docs_token_reads() {
        // The example token of the server's own docs (its signature is not checked).
        let token = AccessToken::new(
            "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJhZG1pbiI6ZmFsc2UsImVtYWlsIjoidGVzdEB0ZXN0LmNvbSIsImV4cCI6MTY0MTAwMjUxOSwiaWF0IjoxNjQwMzk3NzE5LCJtb2QiOnRydWUsInJlZnJlc2hfZXhwIjoxNjQxMDAyNTE5LCJyZWZyZXNoX3Rva2VuIjoiYWJjZGVmZ2hqaWtsbW5vcHF3ZXJ0dXZ3eHl6Iiwic3ViIjoiNDE4ZmRkZmItOGIxYi01MWFiLTliZHMtNGZnMDhjYTYzY2ZmIiwidXNlcm5hbWUiOiJ0ZXN0In0.fuPXjQ7IzNyttgIKpdS4-KBQ-QeHTl-BfgYkSnMCmpVrBunzMrSwr1RzxI7Xg2WWF-FHtW3Bnv9RpSqLDN4F2g",
        );
        let session = session_from_token(token).unwrap();
        assert_eq!(session.username(), Some("test"));
        assert_eq!(session.extra("email"), Some("test@test.com"));
        assert_eq!(session.extra("mod"), Some("true"));
        assert!(session.refresh_token().is_some());
    }

    #[test]
    fn exp_equal_to_iat_is_refused() {
        let payload = r#"{"sub":"u","iat":1700000000,"exp":1700000000,"username":"x"}"#;
        let err = session_from_token(token_with(payload, &URL_SAFE_NO_PAD)).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Expired);
        assert!(err.to_string().contains("JWT_EXPIRY"), "{err}");
    }

    #[test]
    fn unreadable_tokens_are_decode_errors_without_the_token() {
        for bad in [
            "",
            "a.b",
            "a.!!!.c",
            "a.b.c.d",
            &format!("x.{}.y", URL_SAFE_NO_PAD.encode("[1]")),
        ] {
            let err = Claims::decode(&AccessToken::new(bad)).unwrap_err();
            assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{bad}");
            if !bad.is_empty() {
                assert!(!err.to_string().contains(bad), "{err}");
            }
        }
        let missing = token_with(r#"{"sub":"u"}"#, &URL_SAFE_NO_PAD);
        assert!(Claims::decode(&missing).is_err());
    }
}
