//! Wire types, with the API's own field names, lenient where the servers are.

mod account;
mod apps;
mod sessions;
mod tokens;

pub use account::{LoginAnswer, UserInfo};
pub use apps::{App, NewApp};
pub use sessions::SessionInfo;
pub use tokens::{Discovery, TokenResponse, TokenUserInfo};

pub(crate) use account::KeyAnswer;
pub(crate) use tokens::{Jwks, RawApp, RawNewApp};

/// Deserializes `null` as an empty list (1.3 answers `null` where it has nothing to list).
pub(crate) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    use serde::Deserialize as _;
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn list_decoders_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = crate::apps::decode_apps(&body);
            let _ = crate::sessions::decode_sessions(&body);
            let _ = crate::tokens::decode_jwks(&body);
        }

        #[test]
        fn list_decoders_survive_odd_json(text in r#"\[\{"(appId|id|scopes|keys|thisSession)":("[^"]{0,8}"|[0-9]{1,3}|null|true|\[\])\}\]"#) {
            let _ = crate::apps::decode_apps(text.as_bytes());
            let _ = crate::sessions::decode_sessions(text.as_bytes());
            let _ = crate::tokens::decode_jwks(text.as_bytes());
        }

        #[test]
        fn redirects_never_panic(location in ".{0,200}", redirect in ".{0,40}") {
            let _ = crate::oauth::parse_redirect(&location, &redirect);
        }
    }
}
