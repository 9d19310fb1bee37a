//! Burgerauth's own secrets, on top of the shared ones (`SecretKey`, `ClientSecret`,
//! `AccessToken`, `RefreshToken`, `PkceVerifier`, `Password`).

omniauth_types::define_secret!(
    /// The string a client sends as `password`: the hex Argon2id (1.3) or SHA3-512×128
    /// (legacy) derivation of the user's password. The server stores and compares it as the
    /// password itself, so it is exactly as secret.
    DerivedPassword
);

omniauth_types::define_secret!(
    /// An OAuth2 authorization code (512 characters on 1.3, 1024 hex on 1.2). It does not
    /// expire on 1.3: it dies when redeemed, when the user authorizes again, or on restart.
    AuthorizationCode
);

omniauth_types::define_secret!(
    /// An OpenID Connect id token (a JWT). On 1.3 its `session` claim is the user's secret
    /// key: treat it as a master credential.
    IdToken
);

omniauth_types::define_secret!(
    /// The "id" of an entry of `/api/sessions/list`. On 1.3 the server puts the session's
    /// **secret key** there (a server bug), so any listed id logs in as the user.
    SessionId
);
