//! The server's input rules, checked before anything is sent.

use omniauth_types::{Error, Password, Result};

use crate::SERVICE;

/// The longest username the server accepts.
pub(crate) const MAX_USERNAME: usize = 64;
/// The shortest password the server accepts (Go's `len`: bytes).
pub(crate) const MIN_PASSWORD: usize = 8;

/// `^[a-zA-Z0-9_.]+$`, at most 64 characters.
pub(crate) fn check_username(username: &str) -> Result<()> {
    if username.is_empty() {
        return Err(Error::invalid_input("a username is required").with_service(SERVICE));
    }
    if username.len() > MAX_USERNAME {
        return Err(Error::invalid_input(format!(
            "the username is longer than {MAX_USERNAME} characters"
        ))
        .with_service(SERVICE));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(
            Error::invalid_input("the username may hold only letters, digits, _ and .")
                .with_service(SERVICE),
        );
    }
    Ok(())
}

/// At least 8 bytes.
pub(crate) fn check_password(password: &Password) -> Result<()> {
    use omniauth_types::ExposeSecret as _;
    if password.expose_secret().len() < MIN_PASSWORD {
        return Err(Error::invalid_input(format!(
            "the password must be at least {MIN_PASSWORD} characters"
        ))
        .with_service(SERVICE));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_rules_hold() {
        assert!(check_username("alice_1.b").is_ok());
        assert!(check_username(&"a".repeat(64)).is_ok());
        for bad in ["", "al ice", "alice!", "ällo", &"a".repeat(65)] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
        assert!(check_password(&Password::new("12345678")).is_ok());
        let err = check_password(&Password::new("short-7")).unwrap_err();
        assert!(!err.to_string().contains("short-7"));
    }
}
