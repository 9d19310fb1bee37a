//! The session lifecycle: login (`POST /userSessions`), extend (`PATCH /userSessions`) and
//! logout (`DELETE /userSessions/{userId}/{token}`).

// The derived `Serialize` of the login body hands `Option<&TotpCode>` by reference to
// `serialize_exposed_option`; the lint fires inside the derive, where it cannot be allowed.
#![allow(clippy::ref_option_ref)]

use std::fmt;

use chrono::{TimeDelta, Utc};
use http::HeaderName;
use omniauth_types::secret::{serialize_exposed, serialize_exposed_option};
use omniauth_types::{
    AccessToken, Error, ErrorKind, ExposeSecret, Password, Result, Session, TokenScheme, TotpCode,
};
use serde::Serialize;

use crate::SERVICE;
use crate::client::{Client, check_session};
use crate::device::{Device, MACHINE_ID_EXTRA, SecretMachineId, UID_EXTRA};
use crate::error::CallKind;
use crate::model::{ConfigFile, UserId, UserSession, UserSessionResult};

/// The `UID` header.
pub const UID_HEADER: HeaderName = HeaderName::from_static("uid");
/// The `TOTP` header.
pub const TOTP_HEADER: HeaderName = HeaderName::from_static("totp");
/// The scheme word of `Authorization: res <userId>:<token>`.
pub const AUTH_SCHEME: &str = "res";
/// The session extra holding the session's lifetime in seconds (expire − created), which
/// an extend adds to the present.
pub const LIFETIME_EXTRA: &str = "lifetime_secs";
/// The session extra saying whether the login asked for a 30-day token.
pub const REMEMBER_ME_EXTRA: &str = "remember_me";

/// Who logs in: exactly one of username, email or owner id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginIdentifier {
    /// By username.
    Username(String),
    /// By email.
    Email(String),
    /// By user id (`U-…`), sent as `ownerId`.
    OwnerId(UserId),
}

impl LoginIdentifier {
    /// Picks the kind from the text, as `ReCon` does: an email when it holds `@`, an owner id
    /// when it starts with `U-`, else a username.
    ///
    /// ```
    /// use resonite_api::LoginIdentifier;
    ///
    /// assert!(matches!(LoginIdentifier::guess("a@b.c"), LoginIdentifier::Email(_)));
    /// assert!(matches!(LoginIdentifier::guess("U-alice"), LoginIdentifier::OwnerId(_)));
    /// assert!(matches!(LoginIdentifier::guess("alice"), LoginIdentifier::Username(_)));
    /// ```
    pub fn guess(text: impl Into<String>) -> Self {
        let text = text.into();
        if text.contains('@') {
            Self::Email(text)
        } else if text.starts_with(UserId::PREFIX) {
            Self::OwnerId(UserId::new(text))
        } else {
            Self::Username(text)
        }
    }

    fn value(&self) -> &str {
        match self {
            Self::Username(value) | Self::Email(value) => value,
            Self::OwnerId(id) => id.as_str(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Username(_) => "username",
            Self::Email(_) => "email",
            Self::OwnerId(_) => "owner_id",
        }
    }
}

/// How the login proves who it is.
enum Proof {
    Password(Password),
    SessionToken(AccessToken),
}

/// A login: who, how, and with which device. `rememberMe` is on by default (30-day token).
///
/// ```
/// use omniauth_types::{Password, TotpCode};
/// use resonite_api::{LoginIdentifier, LoginRequest};
///
/// let request = LoginRequest::password(LoginIdentifier::guess("alice"), Password::new("pw"))
///     .totp(TotpCode::new("123456"))
///     .remember_me(true);
/// assert!(!format!("{request:?}").contains("123456"));
/// ```
pub struct LoginRequest {
    identifier: LoginIdentifier,
    proof: Proof,
    recovery_code: Option<TotpCode>,
    totp: Option<TotpCode>,
    remember_me: bool,
    device: Option<Device>,
}

impl LoginRequest {
    /// A login with a password.
    pub fn password(identifier: LoginIdentifier, password: Password) -> Self {
        Self::with_proof(identifier, Proof::Password(password))
    }

    /// A re-login with an existing session token (`$type: sessionToken`).
    pub fn session_token(identifier: LoginIdentifier, token: AccessToken) -> Self {
        Self::with_proof(identifier, Proof::SessionToken(token))
    }

    fn with_proof(identifier: LoginIdentifier, proof: Proof) -> Self {
        Self {
            identifier,
            proof,
            recovery_code: None,
            totp: None,
            remember_me: true,
            device: None,
        }
    }

    /// The second-factor code, sent in the `TOTP` header.
    #[must_use]
    pub fn totp(mut self, code: TotpCode) -> Self {
        self.totp = Some(code);
        self
    }

    /// A 2FA recovery code, sent as `authentication.recoveryCode` (password logins only).
    #[must_use]
    pub fn recovery_code(mut self, code: TotpCode) -> Self {
        self.recovery_code = Some(code);
        self
    }

    /// Whether to ask for a 30-day token (default `true`).
    #[must_use]
    pub fn remember_me(mut self, remember_me: bool) -> Self {
        self.remember_me = remember_me;
        self
    }

    /// The device identity to log in with (default: a new [`Device::generate`]; keep the
    /// one [`LoginResponse::device`] returns and pass it next time).
    #[must_use]
    pub fn device(mut self, device: Device) -> Self {
        self.device = Some(device);
        self
    }

    fn validate(&self) -> Result<()> {
        let invalid = |message: &str| Err(Error::invalid_input(message).with_service(SERVICE));
        let value = self.identifier.value();
        if value.trim().is_empty() {
            return invalid("the username, email or owner id is empty");
        }
        if let LoginIdentifier::OwnerId(id) = &self.identifier
            && !id.has_expected_prefix()
        {
            return invalid("an owner id starts with U-");
        }
        match &self.proof {
            Proof::Password(password) if password.is_empty() => {
                return invalid("the password is empty");
            }
            Proof::SessionToken(token) if token.is_empty() => {
                return invalid("the session token is empty");
            }
            _ => {}
        }
        if let Some(code) = &self.totp {
            let code = code.expose_secret();
            if code.is_empty() || !code.bytes().all(|b| b.is_ascii_graphic()) {
                return invalid("the TOTP code must be non-empty printable ASCII");
            }
        }
        if self.recovery_code.is_some() && matches!(self.proof, Proof::SessionToken(_)) {
            return invalid("a recovery code goes with a password login");
        }
        Ok(())
    }
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proof = match &self.proof {
            Proof::Password(password) => format!("{password:?}"),
            Proof::SessionToken(token) => format!("{token:?}"),
        };
        f.debug_struct("LoginRequest")
            .field("identifier", &self.identifier)
            .field("proof", &proof)
            .field("recovery_code", &self.recovery_code)
            .field("totp", &self.totp)
            .field("remember_me", &self.remember_me)
            .field("device", &self.device)
            .finish()
    }
}

/// What a login yields: the [`Session`] for later calls, the server's [`UserSession`], the
/// config files, and the device identity to keep for next time.
#[derive(Debug)]
pub struct LoginResponse {
    /// The session: `Authorization: res <userId>:<token>`, expiry, and the UID as extra.
    pub session: Session,
    /// The server's user session, as sent.
    pub user_session: UserSession,
    /// Config files (usually none).
    pub config_files: Vec<ConfigFile>,
    /// The device identity the login used.
    pub device: Device,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LoginBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner_id: Option<&'a str>,
    authentication: Authentication<'a>,
    #[serde(serialize_with = "serialize_exposed")]
    secret_machine_id: &'a SecretMachineId,
    remember_me: bool,
}

#[derive(Serialize)]
#[serde(tag = "$type")]
enum Authentication<'a> {
    #[serde(rename = "password")]
    Password {
        #[serde(serialize_with = "serialize_exposed")]
        password: &'a Password,
        #[serde(
            rename = "recoveryCode",
            serialize_with = "serialize_exposed_option",
            skip_serializing_if = "Option::is_none"
        )]
        recovery_code: Option<&'a TotpCode>,
    },
    #[serde(rename = "sessionToken")]
    SessionToken {
        #[serde(rename = "sessionToken", serialize_with = "serialize_exposed")]
        session_token: &'a AccessToken,
    },
}

fn login_body<'a>(request: &'a LoginRequest, device: &'a Device) -> LoginBody<'a> {
    let identifier = &request.identifier;
    let pick =
        |wanted: fn(&LoginIdentifier) -> bool| wanted(identifier).then(|| identifier.value());
    LoginBody {
        username: pick(|i| matches!(i, LoginIdentifier::Username(_))),
        email: pick(|i| matches!(i, LoginIdentifier::Email(_))),
        owner_id: pick(|i| matches!(i, LoginIdentifier::OwnerId(_))),
        authentication: match &request.proof {
            Proof::Password(password) => Authentication::Password {
                password,
                recovery_code: request.recovery_code.as_ref(),
            },
            Proof::SessionToken(session_token) => Authentication::SessionToken { session_token },
        },
        secret_machine_id: device.secret_machine_id(),
        remember_me: request.remember_me,
    }
}

impl Client {
    /// Logs in: `POST /userSessions` with the `UID` header (and `TOTP` when given). Never
    /// sent twice.
    ///
    /// # Errors
    /// [`ErrorKind::SecondFactorRequired`] when the account needs a TOTP code or the one
    /// given was wrong (403 `TOTP`), [`ErrorKind::InvalidCredentials`] (400),
    /// [`ErrorKind::InvalidInput`] for an empty identifier or password,
    /// [`ErrorKind::RateLimited`], and transport errors.
    #[tracing::instrument(skip_all, fields(identifier = request.identifier.kind(), totp = request.totp.is_some()))]
    pub async fn login(&self, request: &LoginRequest) -> Result<LoginResponse> {
        request.validate()?;
        let device = request.device.clone().unwrap_or_else(Device::generate);
        device.validate()?;
        let identifier = &request.identifier;
        let body = login_body(request, &device);
        let mut http = self
            .transport()
            .post("/userSessions")
            .header(UID_HEADER, device.uid())
            .json(&body)
            .login();
        if let Some(code) = &request.totp {
            http = http.secret_header(TOTP_HEADER, code);
        }
        let result: UserSessionResult = self.fetch(http, CallKind::Login).await?;
        let user_session = result.entity;
        if !user_session.user_id.has_expected_prefix() || user_session.token.is_empty() {
            return Err(Error::decode_withheld(Some(http::StatusCode::OK), 0)
                .with_service(SERVICE)
                .with_message("the login answer has no user id or token"));
        }
        let mut session = Session::new(
            SERVICE,
            user_session.user_id.as_str(),
            user_session.token.clone(),
            TokenScheme::UserAuthorization {
                scheme: AUTH_SCHEME.into(),
            },
        )
        .with_extra(UID_EXTRA, device.uid().to_owned())
        .with_secret_extra(
            MACHINE_ID_EXTRA,
            omniauth_types::SessionSecret::new(device.secret_machine_id().expose_secret()),
        )
        .with_extra(REMEMBER_ME_EXTRA, user_session.remember_me.to_string());
        if let LoginIdentifier::Username(name) = identifier {
            session = session.with_username(name.clone());
        }
        if let Some(expire) = user_session.expire {
            session = session.with_expires_at(expire);
            if let Some(created) = user_session.created {
                let lifetime = (expire - created).num_seconds();
                if lifetime > 0 {
                    session = session.with_extra(LIFETIME_EXTRA, lifetime.to_string());
                }
            }
        }
        tracing::debug!(user_id = %user_session.user_id, "logged in");
        Ok(LoginResponse {
            session,
            user_session,
            config_files: result.config_files,
            device,
        })
    }

    /// Extends the session: `PATCH /userSessions` (204). The server does not say the new
    /// expiry; the returned session's moves to now + the session's lifetime (as learnt at
    /// login), or stays when the lifetime is not known.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`] when the token is expired or revoked (403).
    #[tracing::instrument(skip_all, fields(user_id = session.user_id()))]
    pub async fn extend(&self, session: &Session) -> Result<Session> {
        check_session(session)?;
        let mut request = self
            .transport()
            .patch("/userSessions")
            .auth(session)
            .idempotent(true);
        if let Some(uid) = session.extra(UID_EXTRA) {
            request = request.header(UID_HEADER, uid);
        }
        self.exchange(request, CallKind::Authenticated).await?;
        let mut extended = session.clone();
        let lifetime = session
            .extra(LIFETIME_EXTRA)
            .and_then(|secs| secs.parse::<i64>().ok())
            .and_then(TimeDelta::try_seconds);
        if let Some(lifetime) = lifetime {
            extended.set_expires_at(Utc::now().checked_add_signed(lifetime));
        }
        Ok(extended)
    }

    /// Checks the token still works, with the same `PATCH /userSessions` (which also extends
    /// it on the server: there is no read-only probe).
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`] when it does not.
    #[tracing::instrument(skip_all, fields(user_id = session.user_id()))]
    pub async fn validate(&self, session: &Session) -> Result<()> {
        self.extend(session).await.map(drop)
    }

    /// Logs out: `DELETE /userSessions/{userId}/{token}`. Idempotent: a token already gone
    /// (401, 403 or 404) counts as logged out.
    ///
    /// # Errors
    /// Other answers of the server, and transport errors.
    #[tracing::instrument(skip_all, fields(user_id = session.user_id()))]
    pub async fn logout(&self, session: &Session) -> Result<()> {
        check_session(session)?;
        let request = self
            .transport()
            .delete("/userSessions/{userId}/{token}")
            .path_param("userId", session.user_id())
            .path_param("token", session.access_token().expose_secret())
            .auth(session);
        match self.exchange(request, CallKind::Authenticated).await {
            Ok(_) => Ok(()),
            Err(err)
                if matches!(
                    err.kind(),
                    ErrorKind::Unauthorized | ErrorKind::Forbidden | ErrorKind::NotFound
                ) =>
            {
                tracing::debug!("the session was already gone");
                Ok(())
            }
            Err(err) => Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(request: &LoginRequest, device: &Device) -> serde_json::Value {
        serde_json::to_value(login_body(request, device)).unwrap()
    }

    #[test]
    fn the_body_is_tagged_by_type_with_one_identifier() {
        let device = Device::new("UID", SecretMachineId::new("machine"));
        let request = LoginRequest::password(LoginIdentifier::guess("a@b.c"), Password::new("pw"))
            .recovery_code(TotpCode::new("rec"));
        assert_eq!(
            body(&request, &device),
            serde_json::json!({
                "email": "a@b.c",
                "authentication": {"$type": "password", "password": "pw", "recoveryCode": "rec"},
                "secretMachineId": "machine",
                "rememberMe": true
            })
        );
        let request = LoginRequest::session_token(
            LoginIdentifier::OwnerId(UserId::new("U-a")),
            AccessToken::new("tok"),
        )
        .remember_me(false);
        assert_eq!(
            body(&request, &device),
            serde_json::json!({
                "ownerId": "U-a",
                "authentication": {"$type": "sessionToken", "sessionToken": "tok"},
                "secretMachineId": "machine",
                "rememberMe": false
            })
        );
    }

    #[test]
    fn bad_requests_are_refused_before_sending() {
        let cases = [
            LoginRequest::password(LoginIdentifier::Username(" ".into()), Password::new("pw")),
            LoginRequest::password(LoginIdentifier::guess("alice"), Password::new("")),
            LoginRequest::password(
                LoginIdentifier::OwnerId(UserId::new("alice")),
                Password::new("p"),
            ),
            LoginRequest::password(LoginIdentifier::guess("alice"), Password::new("p"))
                .totp(TotpCode::new("12 34")),
            LoginRequest::session_token(LoginIdentifier::guess("alice"), AccessToken::new("t"))
                .recovery_code(TotpCode::new("r")),
            LoginRequest::session_token(LoginIdentifier::guess("alice"), AccessToken::new("")),
        ];
        for request in cases {
            assert_eq!(
                request.validate().unwrap_err().kind(),
                &ErrorKind::InvalidInput
            );
        }
    }

    #[test]
    fn requests_and_devices_redact_their_secrets() {
        let device = Device::new("UID", SecretMachineId::new("machine-secret"));
        let request =
            LoginRequest::password(LoginIdentifier::guess("alice"), Password::new("pw-secret"))
                .totp(TotpCode::new("totp-secret"))
                .recovery_code(TotpCode::new("rec-secret"))
                .device(device.clone());
        let debug = format!("{request:?}");
        for secret in ["pw-secret", "totp-secret", "rec-secret", "machine-secret"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert_eq!(
            format!("{:?}", SecretMachineId::new("machine-secret")),
            "SecretMachineId([redacted])"
        );
        let token_request = LoginRequest::session_token(
            LoginIdentifier::guess("alice"),
            AccessToken::new("tok-secret"),
        );
        assert!(!format!("{token_request:?}").contains("tok-secret"));
    }
}
