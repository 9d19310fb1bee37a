//! Secret newtypes: passwords, tokens, keys and codes that never reach `Debug`, `Display`,
//! logs or error messages.
//!
//! Every type here wraps a [`secrecy::SecretString`], prints as `TypeName([redacted])`, has no
//! `Display` and no `Serialize`, and hands its value out only through
//! [`ExposeSecret::expose_secret`]. The only places that call it are the ones that put the
//! value on the wire and the token store that writes it to disk.
//!
//! Service crates define their own secrets (an ingress key, a login id) with
//! [`define_secret!`](crate::define_secret) so they behave the same.

pub use secrecy::ExposeSecret;

/// Defines a secret newtype over [`secrecy::SecretString`] with a redacted `Debug`.
///
/// The type gets `new`, `From<String>`, `From<&str>`, [`ExposeSecret<str>`], a transparent
/// `Deserialize` (so it can be read straight out of a server's answer) and, unless the
/// `no_clone` form is used, `Clone`.
///
/// ```
/// omniauth_types::define_secret!(
///     /// A key that lets a scrobbler post on behalf of a user.
///     IngressKey
/// );
/// use omniauth_types::ExposeSecret;
///
/// let key = IngressKey::new("abc123");
/// assert_eq!(format!("{key:?}"), "IngressKey([redacted])");
/// assert_eq!(key.expose_secret(), "abc123");
/// ```
#[macro_export]
macro_rules! define_secret {
    ($(#[$meta:meta])* $name:ident) => {
        $crate::define_secret!(@base $(#[$meta])* $name);

        impl ::core::clone::Clone for $name {
            fn clone(&self) -> Self {
                Self(::core::clone::Clone::clone(&self.0))
            }
        }
    };
    ($(#[$meta:meta])* no_clone $name:ident) => {
        $crate::define_secret!(@base $(#[$meta])* $name);
    };
    (@base $(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        pub struct $name($crate::__private::SecretString);

        impl $name {
            /// Wraps a value as a secret.
            pub fn new(value: impl ::core::convert::Into<::std::string::String>) -> Self {
                Self($crate::__private::SecretString::from(value.into()))
            }

            /// Whether the secret is the empty string.
            pub fn is_empty(&self) -> bool {
                $crate::secret::ExposeSecret::expose_secret(&self.0).is_empty()
            }
        }

        impl $crate::secret::ExposeSecret<str> for $name {
            /// Returns the secret itself. Call it only where the value goes on the wire or
            /// into a token store: anything you print or log from here leaks it.
            fn expose_secret(&self) -> &str {
                $crate::secret::ExposeSecret::expose_secret(&self.0)
            }
        }

        impl $crate::secret::SecretValue for $name {
            fn secret_str(&self) -> &str {
                $crate::secret::ExposeSecret::expose_secret(&self.0)
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl ::core::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                Self::new(value)
            }
        }

        impl ::core::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::new(value)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> ::core::result::Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                let value: ::std::string::String =
                    $crate::__private::serde::Deserialize::deserialize(deserializer)?;
                ::core::result::Result::Ok(Self::new(value))
            }
        }
    };
}

define_secret!(
    /// A user's password, as typed.
    Password
);
define_secret!(
    /// A token that authorizes API calls (a session token, a JWT, an OAuth access token).
    AccessToken
);
define_secret!(
    /// A token that obtains a new access token without the password.
    RefreshToken
);
define_secret!(
    /// A long-lived secret key issued by a service (for example Burgerauth's session key).
    SecretKey
);
define_secret!(
    /// An OAuth2 client secret.
    ClientSecret
);
define_secret!(
    /// A one-time second-factor code (TOTP) or recovery code.
    TotpCode
);
define_secret!(
    /// A PKCE code verifier (RFC 7636). Not `Clone`: it is used once, for one exchange.
    no_clone PkceVerifier
);
define_secret!(
    /// A service-specific secret kept with a [`Session`](crate::Session) (a device secret, for
    /// one), so that a stored session carries it.
    SessionSecret
);

/// Implemented by every secret type (and references to one) so that
/// [`serialize_exposed`] takes owned and borrowed secrets alike.
pub trait SecretValue {
    /// The secret in clear text; see [`ExposeSecret::expose_secret`].
    fn secret_str(&self) -> &str;
}

impl<T: SecretValue + ?Sized> SecretValue for &T {
    fn secret_str(&self) -> &str {
        (**self).secret_str()
    }
}

/// Serializes a secret in clear text, for the one place it goes on the wire.
///
/// Use it as `#[serde(serialize_with = "omniauth_types::secret::serialize_exposed")]` on a
/// field of a request body. Secrets have no `Serialize` of their own so that no type holding
/// one can be serialized (and logged) by accident.
///
/// # Errors
/// Only those of the serializer.
pub fn serialize_exposed<S, T>(secret: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    S: serde::Serializer,
    T: SecretValue + ?Sized,
{
    capture::record(secret.secret_str());
    serializer.serialize_str(secret.secret_str())
}

/// Like [`serialize_exposed`], for an optional secret (serialize `None` as `null`, or pair
/// it with `skip_serializing_if = "Option::is_none"`).
///
/// # Errors
/// Only those of the serializer.
#[allow(clippy::ref_option)] // serde's serialize_with hands us `&Option<T>`.
pub fn serialize_exposed_option<S, T>(secret: &Option<T>, serializer: S) -> Result<S::Ok, S::Error>
where
    S: serde::Serializer,
    T: SecretValue,
{
    match secret {
        Some(value) => {
            capture::record(value.secret_str());
            serializer.serialize_some(value.secret_str())
        }
        None => serializer.serialize_none(),
    }
}

/// The secrets a request body holds, noted while the transport serializes it, so that an
/// answer echoing one can have it redacted (see `transport::RequestBuilder::json`).
pub(crate) mod capture {
    use std::cell::RefCell;

    use secrecy::SecretString;

    thread_local! {
        // Serialization is synchronous: no await can interleave another body on this thread.
        static NOTED: RefCell<Option<Vec<SecretString>>> = const { RefCell::new(None) };
    }

    /// Runs `serialize`, returning its result and every secret serialized in it through
    /// [`serialize_exposed`](super::serialize_exposed) or its `_option` form.
    pub(crate) fn secrets_of<T>(serialize: impl FnOnce() -> T) -> (T, Vec<SecretString>) {
        let outer = NOTED.replace(Some(Vec::new()));
        let result = serialize();
        let noted = NOTED.replace(outer).unwrap_or_default();
        (result, noted)
    }

    pub(super) fn record(secret: &str) {
        NOTED.with_borrow_mut(|noted| {
            if let Some(noted) = noted {
                noted.push(SecretString::from(secret));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUE: &str = "hunter2-very-secret";

    fn assert_redacted<T: std::fmt::Debug>(value: &T, name: &str) {
        let debug = format!("{value:?}");
        assert!(!debug.contains(VALUE), "{debug} leaks the secret");
        assert_eq!(debug, format!("{name}([redacted])"));
        let pretty = format!("{value:#?}");
        assert!(!pretty.contains(VALUE));
    }

    #[test]
    fn every_secret_redacts_its_debug() {
        assert_redacted(&Password::new(VALUE), "Password");
        assert_redacted(&AccessToken::new(VALUE), "AccessToken");
        assert_redacted(&RefreshToken::new(VALUE), "RefreshToken");
        assert_redacted(&SecretKey::new(VALUE), "SecretKey");
        assert_redacted(&ClientSecret::new(VALUE), "ClientSecret");
        assert_redacted(&TotpCode::new(VALUE), "TotpCode");
        assert_redacted(&PkceVerifier::new(VALUE), "PkceVerifier");
        assert_redacted(&SessionSecret::new(VALUE), "SessionSecret");
        assert!(!format!("{:?}", Some(Password::new(VALUE))).contains(VALUE));
    }

    #[test]
    fn secrets_expose_only_on_request() {
        let token = AccessToken::from(VALUE);
        assert_eq!(token.expose_secret(), VALUE);
        assert_eq!(token.clone().expose_secret(), VALUE);
        assert!(!token.is_empty());
        assert!(Password::new("").is_empty());
    }

    #[test]
    fn secrets_deserialize_transparently_and_serialize_only_when_asked() {
        #[derive(serde::Serialize)]
        struct Request<'a> {
            #[serde(serialize_with = "serialize_exposed")]
            password: &'a Password,
            #[serde(serialize_with = "serialize_exposed_option")]
            totp: Option<TotpCode>,
        }
        #[derive(serde::Deserialize, Debug)]
        struct Answer {
            token: AccessToken,
        }
        let answer: Answer = serde_json::from_str(&format!(r#"{{"token":"{VALUE}"}}"#)).unwrap();
        assert_eq!(answer.token.expose_secret(), VALUE);
        assert!(!format!("{answer:?}").contains(VALUE));

        let password = Password::new(VALUE);
        let body = serde_json::to_string(&Request {
            password: &password,
            totp: None,
        })
        .unwrap();
        assert_eq!(body, format!(r#"{{"password":"{VALUE}","totp":null}}"#));
    }
}
