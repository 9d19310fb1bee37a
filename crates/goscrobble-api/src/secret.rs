//! GoScrobble's own secrets: the ingress key and the password-reset token.

omniauth_types::define_secret!(
    /// A user's 32-letter ingress key (`token` in `GET /user`): it lets a scrobbler post plays
    /// as `?key=`, with no JWT. Anyone holding it can scrobble as the user.
    IngressKey
);

omniauth_types::define_secret!(
    /// The 16-letter token of a password-reset email. The server does not consume it: it
    /// works until the hourly sweeper deletes it.
    ResetToken
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let key = IngressKey::new("abcdefghijklmnopqrstuvwxyzABCDEF");
        assert_eq!(format!("{key:?}"), "IngressKey([redacted])");
        let token = ResetToken::new("resetresetreset1");
        assert_eq!(format!("{token:?}"), "ResetToken([redacted])");
        assert!(!format!("{:#?}", Some(token)).contains("resetreset"));
    }
}
