//! Reading the claims of GoScrobble's JWTs, without verifying them: the HS512 key is the
//! server's `JWT_SECRET`, which a client never has. The claims only describe the session
//! (who, until when); the server decides what the token is worth.

use std::fmt;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, Utc};
use omniauth_types::{
    AccessToken, Error, ErrorKind, ExposeSecret, RefreshToken, Result, Session, TokenScheme,
};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

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

/// The claims as read, leniently as a JSON tree would be read: a text claim that is not a
/// string is `""`, a flag that is not a boolean `false`, a time that is not a number `None`;
/// other members are skipped, and of a repeated member the last one counts.
#[derive(Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct RawClaims {
    sub: String,
    username: String,
    email: String,
    admin: bool,
    moderator: bool,
    iat: Option<DateTime<Utc>>,
    exp: Option<DateTime<Utc>>,
    refresh_token: Option<String>,
    refresh_exp: Option<DateTime<Utc>>,
}

/// The claims as GoScrobble writes them, each of its own JSON type, read by serde's derive: the
/// fast path, which reads a token's claims as fast as a hand-written client's struct does
/// (the lenient reader dispatches on every value's type). A payload of any other shape (a claim
/// of another type, a repeated claim) fails here and is read by [`RawClaims`]; where this
/// succeeds, both read the same (a test holds them to it).
#[derive(serde::Deserialize)]
struct StrictClaims {
    #[serde(default)]
    sub: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    admin: bool,
    #[serde(default, rename = "mod")]
    moderator: bool,
    iat: Option<i64>,
    exp: Option<i64>,
    refresh_token: Option<String>,
    refresh_exp: Option<i64>,
}

impl From<StrictClaims> for RawClaims {
    fn from(strict: StrictClaims) -> Self {
        let time = |seconds: Option<i64>| seconds.and_then(|s| DateTime::from_timestamp(s, 0));
        Self {
            sub: strict.sub,
            username: strict.username,
            email: strict.email,
            admin: strict.admin,
            moderator: strict.moderator,
            iat: time(strict.iat),
            exp: time(strict.exp),
            refresh_token: strict.refresh_token.filter(|t| !t.is_empty()),
            refresh_exp: time(strict.refresh_exp),
        }
    }
}

impl RawClaims {
    /// Reads a payload: as GoScrobble writes it if it can, else leniently.
    fn read(payload: &[u8]) -> serde_json::Result<Self> {
        serde_json::from_slice::<StrictClaims>(payload)
            .map(Self::from)
            .or_else(|_| serde_json::from_slice::<Self>(payload))
    }
}

enum Field {
    Sub,
    Username,
    Email,
    Admin,
    Moderator,
    Iat,
    Exp,
    RefreshToken,
    RefreshExp,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a claim name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> std::result::Result<Field, E> {
                Ok(match name {
                    "sub" => Field::Sub,
                    "username" => Field::Username,
                    "email" => Field::Email,
                    "admin" => Field::Admin,
                    "mod" => Field::Moderator,
                    "iat" => Field::Iat,
                    "exp" => Field::Exp,
                    "refresh_token" => Field::RefreshToken,
                    "refresh_exp" => Field::RefreshExp,
                    _ => Field::Other,
                })
            }
        }
        deserializer.deserialize_identifier(FieldVisitor)
    }
}

/// Any JSON value, kept only when it is a scalar a claim can use.
enum Scalar {
    Text(String),
    Flag(bool),
    Number(f64),
    Integer(i64),
    Other,
}

impl Scalar {
    fn text(self) -> String {
        match self {
            Self::Text(text) => text,
            _ => String::new(),
        }
    }

    fn flag(self) -> bool {
        matches!(self, Self::Flag(true))
    }

    fn time(self) -> Option<DateTime<Utc>> {
        #[allow(clippy::cast_possible_truncation)]
        let seconds = match self {
            Self::Integer(seconds) => seconds,
            Self::Number(seconds) if seconds.is_finite() => seconds as i64,
            _ => return None,
        };
        DateTime::from_timestamp(seconds, 0)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any json value")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Text(text.to_owned()))
            }
            fn visit_string<E: de::Error>(self, text: String) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Text(text))
            }
            fn visit_bool<E: de::Error>(self, flag: bool) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Flag(flag))
            }
            fn visit_i64<E: de::Error>(self, number: i64) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Integer(number))
            }
            #[allow(clippy::cast_precision_loss)] // Past i64 no time is valid anyway.
            fn visit_u64<E: de::Error>(self, number: u64) -> std::result::Result<Scalar, E> {
                Ok(i64::try_from(number).map_or(Scalar::Number(number as f64), Scalar::Integer))
            }
            fn visit_f64<E: de::Error>(self, number: f64) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Number(number))
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

impl<'de> Deserialize<'de> for RawClaims {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct ClaimsVisitor;
        impl<'de> Visitor<'de> for ClaimsVisitor {
            type Value = RawClaims;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a json object of claims")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<RawClaims, A::Error> {
                let mut claims = RawClaims::default();
                while let Some(field) = map.next_key::<Field>()? {
                    if matches!(field, Field::Other) {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    let value = map.next_value::<Scalar>()?;
                    match field {
                        Field::Sub => claims.sub = value.text(),
                        Field::Username => claims.username = value.text(),
                        Field::Email => claims.email = value.text(),
                        Field::Admin => claims.admin = value.flag(),
                        Field::Moderator => claims.moderator = value.flag(),
                        Field::Iat => claims.iat = value.time(),
                        Field::Exp => claims.exp = value.time(),
                        Field::RefreshToken => {
                            claims.refresh_token = Some(value.text()).filter(|t| !t.is_empty());
                        }
                        Field::RefreshExp => claims.refresh_exp = value.time(),
                        Field::Other => {}
                    }
                }
                Ok(claims)
            }
        }
        deserializer.deserialize_map(ClaimsVisitor)
    }
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
        // A GoScrobble payload is about 250 bytes: it is decoded on the stack, and only one
        // too long for that (a long username or email) or in the standard alphabet takes the
        // allocating path. The buffer is zeroed on every call: it stays small.
        let mut stack = [0_u8; 512];
        let heap;
        let bytes = if let Ok(len) = LENIENT.decode_slice(payload, &mut stack) {
            &stack[..len]
        } else {
            heap = LENIENT
                .decode(payload)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(payload))
                .map_err(|_| unreadable(token, "its payload is not base64"))?;
            &heap[..]
        };
        // One pass over the payload, straight into the claims (no JSON tree in between).
        let Ok(raw) = RawClaims::read(bytes) else {
            return Err(unreadable(token, "its payload is not a json object"));
        };
        if raw.sub.is_empty() {
            return Err(unreadable(token, "it has no sub claim"));
        }
        let (Some(issued_at), Some(expires_at)) = (raw.iat, raw.exp) else {
            return Err(unreadable(token, "it has no readable iat and exp claims"));
        };
        Ok(Self {
            user_uuid: raw.sub,
            username: raw.username,
            email: raw.email,
            admin: raw.admin,
            moderator: raw.moderator,
            issued_at,
            expires_at,
            refresh_token: raw.refresh_token.map(RefreshToken::new),
            refresh_expires_at: raw.refresh_exp,
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

/// A flag as the session's extras spell it, without `bool`'s `Display` machinery.
fn flag(set: bool) -> &'static str {
    if set { "true" } else { "false" }
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
        .with_extra("admin", flag(claims.admin))
        .with_extra("mod", flag(claims.moderator));
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
    fn the_fast_path_reads_what_the_lenient_reader_reads() {
        for payload in [
            CLAIMS,
            r#"{"sub":"u","iat":1,"exp":2}"#,
            r#"{"sub":"u","iat":1,"exp":2,"refresh_token":null,"refresh_exp":null}"#,
            r#"{"sub":"u","iat":1,"exp":2,"refresh_token":"","extra":{"a":[1,2]},"n":1.5}"#,
            r#"{"sub":"u","iat":-5,"exp":99999999999999,"admin":true,"mod":false}"#,
            r#"{"username":"only"}"#,
            "{}",
        ] {
            let strict = serde_json::from_slice::<StrictClaims>(payload.as_bytes())
                .map_or_else(|err| panic!("{payload}: {err}"), RawClaims::from);
            let lenient = serde_json::from_slice::<RawClaims>(payload.as_bytes()).unwrap();
            assert_eq!(strict, lenient, "{payload}");
        }
        // What the fast path refuses goes to the lenient reader.
        for payload in [
            r#"{"sub":"u","iat":1,"exp":2,"exp":3}"#,
            r#"{"sub":"u","iat":1.5,"exp":2}"#,
            r#"{"sub":7,"iat":1,"exp":2}"#,
            r#"{"sub":"u","iat":1,"exp":2,"email":null}"#,
            r#"{"sub":"u","iat":18446744073709551615,"exp":2}"#,
        ] {
            assert!(serde_json::from_slice::<StrictClaims>(payload.as_bytes()).is_err());
            let read = RawClaims::read(payload.as_bytes()).unwrap();
            assert_eq!(
                read,
                serde_json::from_slice::<RawClaims>(payload.as_bytes()).unwrap()
            );
        }
        assert!(RawClaims::read(b"[1]").is_err());
    }

    #[test]
    fn long_payloads_and_the_standard_alphabet_read_too() {
        // Past the 512 bytes decoded on the stack, and with `/` and `+` (standard base64).
        let long = CLAIMS.replace(
            r#""username":"test""#,
            &format!(r#""username":"{}""#, "t".repeat(2000)),
        );
        let claims = Claims::decode(&token_with(&long, &URL_SAFE_NO_PAD)).unwrap();
        assert_eq!(claims.username.len(), 2000);
        let odd = CLAIMS.replace(r#""username":"test""#, r#""username":"??>>~~""#);
        let standard = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&odd);
        assert!(
            standard.contains('/') || standard.contains('+'),
            "{standard}"
        );
        let token = AccessToken::new(format!("e30.{standard}.c2ln"));
        assert_eq!(Claims::decode(&token).unwrap().username, "??>>~~");
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
    fn claims_of_other_types_are_read_leniently_in_one_pass() {
        let payload = r#"{"sub":"u","username":7,"email":null,"admin":"yes","mod":true,
            "iat":1700000000.9,"exp":1700003600,"nested":{"a":[1,{"b":2}]},"refresh_token":"",
            "refresh_exp":"soon","exp":1700007200}"#;
        let claims = Claims::decode(&token_with(payload, &URL_SAFE_NO_PAD)).unwrap();
        assert_eq!(claims.username, "", "a number is no username");
        assert_eq!(claims.email, "");
        assert!(!claims.admin && claims.moderator);
        assert_eq!(claims.issued_at.timestamp(), 1_700_000_000);
        assert_eq!(
            claims.expires_at.timestamp(),
            1_700_007_200,
            "the last exp counts"
        );
        assert!(claims.refresh_token.is_none());
        assert!(claims.refresh_expires_at.is_none());
        let huge = r#"{"sub":"u","iat":18446744073709551615,"exp":1}"#;
        assert!(Claims::decode(&token_with(huge, &URL_SAFE_NO_PAD)).is_err());
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
