//! What the client sends as `password`: the server never sees the user's password, only a
//! string derived from it in the browser (spec §1.3).
//!
//! - **Modern** (1.3, accounts created or migrated since 2024-07-26): Argon2id v0x13, salt
//!   `I munch Burgers!!`, 32 passes, 19 264 KiB, one lane, 32 bytes, as 64 lowercase hex
//!   characters, sent with `"modern": true`.
//! - **Legacy** (1.2, and 1.3 accounts not yet migrated): SHA3-512 applied 128 times, each
//!   round after the first hashing the previous round's 128-character lowercase hex.
//!
//! Both are costly on purpose; the async client runs them on the blocking pool. The
//! functions here are synchronous, for callers who want to derive once and reuse the result.
//!
//! ```
//! use burgerauth_api::password::derive_legacy;
//! use burgerauth_api::{ExposeSecret, Password};
//!
//! let hash = derive_legacy(&Password::new("correct horse battery staple"));
//! assert!(hash.expose_secret().starts_with("084b9acfe6ee8a11"));
//! assert_eq!(hash.expose_secret().len(), 128);
//! ```

use argon2::{Algorithm, Argon2, Params, Version};
use omniauth_types::{Error, ExposeSecret as _, Password, Result};
use sha3::{Digest as _, Sha3_512};

use crate::{DerivedPassword, SERVICE};

/// The Argon2id salt of the modern scheme.
pub const MODERN_SALT: &[u8] = b"I munch Burgers!!";
/// Argon2id passes.
pub const MODERN_ITERATIONS: u32 = 32;
/// Argon2id memory, KiB.
pub const MODERN_MEMORY_KIB: u32 = 19_264;
/// SHA3-512 rounds of the legacy scheme.
pub const LEGACY_ROUNDS: usize = 128;

/// The modern (1.3) derivation: hex Argon2id. Takes about half a second.
///
/// # Errors
/// Only if the Argon2 implementation refuses the fixed parameters (it does not).
pub fn derive_modern(password: &Password) -> Result<DerivedPassword> {
    let params = Params::new(MODERN_MEMORY_KIB, MODERN_ITERATIONS, 1, Some(32)).map_err(|err| {
        Error::invalid_input(format!("argon2 parameters: {err}")).with_service(SERVICE)
    })?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = [0_u8; 32];
    argon
        .hash_password_into(password.expose_secret().as_bytes(), MODERN_SALT, &mut out)
        .map_err(|err| Error::invalid_input(format!("argon2: {err}")).with_service(SERVICE))?;
    Ok(DerivedPassword::new(hex::encode(out)))
}

/// The legacy derivation: SHA3-512 ×128 over lowercase hex.
pub fn derive_legacy(password: &Password) -> DerivedPassword {
    let mut hex_text = hex::encode(Sha3_512::digest(password.expose_secret().as_bytes()));
    for _ in 1..LEGACY_ROUNDS {
        hex_text = hex::encode(Sha3_512::digest(hex_text.as_bytes()));
    }
    DerivedPassword::new(hex_text)
}

/// [`derive_modern`] on the blocking pool.
pub(crate) async fn modern(password: &Password) -> Result<DerivedPassword> {
    let password = password.clone();
    tokio::task::spawn_blocking(move || derive_modern(&password))
        .await
        .map_err(|err| Error::transport(err).with_service(SERVICE))?
}

/// [`derive_legacy`] on the blocking pool.
pub(crate) async fn legacy(password: &Password) -> Result<DerivedPassword> {
    let password = password.clone();
    tokio::task::spawn_blocking(move || derive_legacy(&password))
        .await
        .map_err(|err| Error::transport(err).with_service(SERVICE))
}

/// Checks a username the way the servers do (1–20 ASCII letters and digits), before sending.
///
/// # Errors
/// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) naming the rule.
pub fn check_username(username: &str) -> Result<()> {
    if username.is_empty()
        || username.len() > 20
        || !username.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(Error::invalid_input(
            "a burgerauth username is 1 to 20 ascii letters and digits",
        )
        .with_service(SERVICE));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors computed independently from the spec's definition (Python: hashlib.sha3_512
    // and cryptography's Argon2id with the same parameters).
    const PASSWORD: &str = "correct horse battery staple";

    #[test]
    fn legacy_vectors() {
        assert_eq!(
            derive_legacy(&Password::new(PASSWORD)).expose_secret(),
            "084b9acfe6ee8a110342372bde4e23d3366ea2a8584482b163f8521ed7cd6d5010be07ced9e0bcafe23ad50ee4b17e8a20593a43cb42e181be5e588235d60b9a"
        );
        assert_eq!(
            derive_legacy(&Password::new("")).expose_secret(),
            "e88b06ee93c87115fd165002a309d90c23d057a258b355c557fb397db2497b864f138d43f59caee479e265012441c30dc12061e000753977e1b4f70ebb05d766"
        );
    }

    #[test]
    fn modern_vector() {
        assert_eq!(
            derive_modern(&Password::new(PASSWORD))
                .unwrap()
                .expose_secret(),
            "e541672533a1a3e9df98de46d4cdf2252f31a690dad8824a88387f5ec0d6d1b7"
        );
    }

    #[test]
    fn usernames_are_checked() {
        assert!(check_username("Alice01").is_ok());
        assert!(check_username(&"a".repeat(20)).is_ok());
        for bad in ["", "a b", "ällo", "x-y", &"a".repeat(21)] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn derived_passwords_are_redacted() {
        let hash = derive_legacy(&Password::new(PASSWORD));
        assert_eq!(format!("{hash:?}"), "DerivedPassword([redacted])");
    }
}
