//! Accounts: signup, login (with the 1.3 migration of legacy accounts), account info,
//! password change and deletion, the server's version and name.

use omniauth_types::secret::serialize_exposed;
use omniauth_types::{Error, ErrorKind, ExposeSecret as _, Password, Result, SecretKey, Session};
use serde::{Deserialize, Serialize};

use crate::client::{Client, Dialect};
use crate::model::{KeyAnswer, LoginAnswer, UserInfo};
use crate::password::{self, check_username};
use crate::{DerivedPassword, SERVICE};

#[derive(Serialize)]
pub(crate) struct SecretKeyBody<'a> {
    #[serde(rename = "secretKey", serialize_with = "serialize_exposed")]
    pub(crate) secret_key: &'a SecretKey,
}

#[derive(Serialize)]
struct LoginBody<'a> {
    username: &'a str,
    #[serde(serialize_with = "serialize_exposed")]
    password: &'a DerivedPassword,
    #[serde(skip_serializing_if = "Option::is_none")]
    modern: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    passwordchange: Option<&'static str>,
    /// Exposed only here, where the body is built to be sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    newpass: Option<&'a str>,
}

#[derive(Serialize)]
struct SignupBody<'a> {
    username: &'a str,
    #[serde(serialize_with = "serialize_exposed")]
    password: &'a DerivedPassword,
    #[serde(skip_serializing_if = "Option::is_none")]
    stamp: Option<&'a str>,
}

#[derive(Serialize)]
struct ChangePasswordBody<'a> {
    #[serde(rename = "secretKey", serialize_with = "serialize_exposed")]
    secret_key: &'a SecretKey,
    #[serde(rename = "newPassword", serialize_with = "serialize_exposed")]
    new_password: &'a DerivedPassword,
    migration: bool,
}

#[derive(Deserialize)]
struct LoginFailure {
    #[serde(default)]
    migrated: Option<bool>,
}

#[derive(Deserialize)]
struct LoggedIn {
    #[serde(default)]
    loggedin: bool,
}

#[derive(Deserialize)]
struct ServiceName {
    name: String,
}

impl Client {
    /// Creates an account and signs in.
    ///
    /// On 1.3 it mints the 20-bit hashcash stamp signup requires and derives the Argon2id
    /// hash, both off the async threads (about a second together); on 1.2 it sends the
    /// SHA3-512×128 hash. On 1.3 the username is sent lowercased (the server mis-binds a
    /// mixed-case signup to no account). The username is checked first (1–20 ASCII letters and digits), and
    /// so is the password (at least 8 characters, the rule of both servers' sign-up pages).
    ///
    /// # Errors
    /// `AccountExists` when the name is taken (409), `InvalidInput` for a rejected username
    /// or password (checked here, or 422), `Api` 409 `Stamp already spent` / 400 `Invalid
    /// hashcash stamp`.
    #[tracing::instrument(skip_all, fields(service = SERVICE, dialect = self.dialect.as_str()))]
    pub async fn signup(&self, username: &str, password: &Password) -> Result<Session> {
        check_username(username)?;
        if password.expose_secret().chars().count() < 8 {
            return Err(
                Error::invalid_input("the password needs at least 8 characters")
                    .with_service(SERVICE),
            );
        }
        let (hash, stamp) = match self.dialect {
            Dialect::V1_3 => {
                let (hash, stamp) =
                    tokio::join!(password::modern(password), crate::hashcash::mint());
                (hash?, Some(stamp?))
            }
            Dialect::V1_2 => (password::legacy(password).await?, None),
        };
        // 1.3 looks the new account up with `lower(username) = <name as sent>`: a name with an
        // uppercase letter binds the key to user id 0 (spec §0). Sent lowercased, as at login.
        let lowered = username.to_lowercase();
        let body = SignupBody {
            username: if self.dialect == Dialect::V1_3 {
                &lowered
            } else {
                username
            },
            password: &hash,
            stamp: stamp.as_deref(),
        };
        let answer: KeyAnswer = self
            .transport
            .post("/api/signup")
            .json(&body)
            .login()
            .send_json()
            .await?;
        self.session_with_info(answer.key).await
    }

    /// Signs in with a password and returns the secret-key session (no expiry).
    ///
    /// On 1.3 the username is sent lowercased (the server compares it with the stored name
    /// lowercased) and a legacy account is migrated the way the web UI does it: the modern
    /// hash is tried first; on `"migrated": false` the legacy hash signs in and the modern
    /// hash is installed with `/api/changepassword` (`migration: true`).
    ///
    /// # Errors
    /// `InvalidCredentials` for an unknown user or a wrong password, `InvalidInput` for a
    /// malformed username.
    #[tracing::instrument(skip_all, fields(service = SERVICE, dialect = self.dialect.as_str()))]
    pub async fn login(&self, username: &str, password: &Password) -> Result<Session> {
        let answer = self.login_key(username, password).await?;
        self.session_with_info(answer.key).await
    }

    /// Like [`login`](Self::login), returning only the key and whether the account was
    /// migrated (no `/api/userinfo` call).
    ///
    /// # Errors
    /// As [`login`](Self::login).
    #[tracing::instrument(skip_all, fields(service = SERVICE, dialect = self.dialect.as_str()))]
    pub async fn login_key(&self, username: &str, password: &Password) -> Result<LoginAnswer> {
        check_username(username)?;
        match self.dialect {
            Dialect::V1_2 => {
                let hash = password::legacy(password).await?;
                let key = self.login_derived(username, &hash, false).await?;
                Ok(LoginAnswer {
                    key,
                    migrated_now: false,
                })
            }
            Dialect::V1_3 => {
                let modern = password::modern(password).await?;
                match self.login_derived(username, &modern, true).await {
                    Ok(key) => Ok(LoginAnswer {
                        key,
                        migrated_now: false,
                    }),
                    Err(err) if err.message() == Some(NOT_MIGRATED) => {
                        let legacy = password::legacy(password).await?;
                        let key =
                            self.login_derived(username, &legacy, false)
                                .await
                                .map_err(|err| {
                                    if err.message() == Some(NOT_MIGRATED) {
                                        Error::new(ErrorKind::InvalidCredentials)
                                            .with_service(SERVICE)
                                            .with_status(401_u16)
                                            .with_message("incorrect password")
                                    } else {
                                        err
                                    }
                                })?;
                        self.change_password_derived(&key, &modern, true).await?;
                        tracing::debug!("migrated a legacy account to the modern hash");
                        Ok(LoginAnswer {
                            key,
                            migrated_now: true,
                        })
                    }
                    Err(err) => Err(err),
                }
            }
        }
    }

    /// The low-level login with an already derived password (see [`crate::password`]):
    /// `modern` says which derivation it is (1.3 only; 1.2 ignores it).
    ///
    /// # Errors
    /// `InvalidCredentials`; on 1.3 a not-migrated account answering a modern hash fails
    /// with the message `not migrated`.
    #[tracing::instrument(skip_all, fields(service = SERVICE, dialect = self.dialect.as_str()))]
    pub async fn login_derived(
        &self,
        username: &str,
        hash: &DerivedPassword,
        modern: bool,
    ) -> Result<SecretKey> {
        check_username(username)?;
        let lowered = username.to_lowercase();
        let body = match self.dialect {
            Dialect::V1_3 => LoginBody {
                username: &lowered,
                password: hash,
                modern: Some(modern),
                passwordchange: None,
                newpass: None,
            },
            Dialect::V1_2 => LoginBody {
                username,
                password: hash,
                modern: None,
                passwordchange: Some("no"),
                newpass: Some(""),
            },
        };
        let response = self
            .transport
            .post("/api/login")
            .json(&body)
            .login()
            .send_raw()
            .await?;
        if response.status().as_u16() == 401 {
            let failure: Option<LoginFailure> = serde_json::from_slice(response.body()).ok();
            if failure.and_then(|f| f.migrated) == Some(false) {
                return Err(Error::new(ErrorKind::InvalidCredentials)
                    .with_service(SERVICE)
                    .with_status(401_u16)
                    .with_message(NOT_MIGRATED));
            }
        }
        if let Some(err) = crate::error::decode_error(&response) {
            return Err(err);
        }
        let answer: KeyAnswer = response.json().map_err(|err| err.with_service(SERVICE))?;
        Ok(answer.key)
    }

    /// Sets a new password (1.3). The server does not ask for the old one.
    ///
    /// # Errors
    /// `Unauthorized` for a dead session; `Unsupported` on 1.2, whose only way is
    /// [`change_password_with_login`](Self::change_password_with_login).
    #[tracing::instrument(skip_all, fields(service = SERVICE, dialect = self.dialect.as_str()))]
    pub async fn change_password(&self, session: &Session, new_password: &Password) -> Result<()> {
        if self.dialect == Dialect::V1_2 {
            return Err(Error::unsupported(
                SERVICE,
                "password change by session on 1.2 (use change_password_with_login)",
            ));
        }
        let key = Self::key_of(session)?;
        let hash = password::modern(new_password).await?;
        self.change_password_derived(&key, &hash, false).await
    }

    /// Changes the password by signing in with the old one: on 1.2 in the same request
    /// (`passwordchange: "yes"`), on 1.3 by login then `/api/changepassword`. Returns the new
    /// session.
    ///
    /// # Errors
    /// `InvalidCredentials` for a wrong old password.
    #[tracing::instrument(skip_all, fields(service = SERVICE, dialect = self.dialect.as_str()))]
    pub async fn change_password_with_login(
        &self,
        username: &str,
        old: &Password,
        new: &Password,
    ) -> Result<Session> {
        check_username(username)?;
        if self.dialect == Dialect::V1_3 {
            let session = self.login(username, old).await?;
            self.change_password(&session, new).await?;
            return Ok(session);
        }
        let (old_hash, new_hash) = (password::legacy(old).await?, password::legacy(new).await?);
        let body = LoginBody {
            username,
            password: &old_hash,
            modern: None,
            passwordchange: Some("yes"),
            newpass: Some(new_hash.expose_secret()),
        };
        let answer: KeyAnswer = self
            .transport
            .post("/api/login")
            .json(&body)
            .redact(&new_hash)
            .login()
            .send_json()
            .await?;
        self.session_with_info(answer.key).await
    }

    async fn change_password_derived(
        &self,
        key: &SecretKey,
        hash: &DerivedPassword,
        migration: bool,
    ) -> Result<()> {
        let body = ChangePasswordBody {
            secret_key: key,
            new_password: hash,
            migration,
        };
        self.transport
            .post("/api/changepassword")
            .json(&body)
            .send_empty()
            .await
    }

    /// The account behind the session (`POST /api/userinfo`).
    ///
    /// # Errors
    /// `Unauthorized` for a dead session (on 1.2 the server answers 500 `{}`), `NotFound`
    /// when the account was deleted (1.3 keeps its sessions).
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn userinfo(&self, session: &Session) -> Result<UserInfo> {
        let key = Self::key_of(session)?;
        self.userinfo_by_key(&key).await
    }

    async fn userinfo_by_key(&self, key: &SecretKey) -> Result<UserInfo> {
        self.transport
            .post("/api/userinfo")
            .json(&SecretKeyBody { secret_key: key })
            .idempotent(true)
            .send_json()
            .await
    }

    /// Whether the server still knows the session's key (1.3 `/api/secretkeyloggedin`; on
    /// 1.2, `/api/userinfo`). `Ok(false)` for a dead key.
    ///
    /// # Errors
    /// Transport and server failures other than "invalid session".
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn is_logged_in(&self, session: &Session) -> Result<bool> {
        let key = Self::key_of(session)?;
        let outcome = match self.dialect {
            Dialect::V1_3 => self
                .transport
                .post("/api/secretkeyloggedin")
                .json(&SecretKeyBody { secret_key: &key })
                .idempotent(true)
                .send_json::<LoggedIn>()
                .await
                .map(|answer| answer.loggedin),
            Dialect::V1_2 => self.userinfo_by_key(&key).await.map(|_| true),
        };
        match outcome {
            Err(err) if err.kind() == &ErrorKind::Unauthorized => Ok(false),
            other => other,
        }
    }

    /// Deletes the account, its apps and pending codes.
    ///
    /// **Show the user a warning before calling this** (the API docs ask every client to):
    /// it cannot be undone. On 1.3 the account's sessions survive the deletion (a server
    /// quirk); calls with them then fail with `NotFound`.
    ///
    /// # Errors
    /// `Unauthorized` for a dead session.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn delete_account(&self, session: &Session) -> Result<()> {
        let key = Self::key_of(session)?;
        self.transport
            .post("/api/deleteaccount")
            .json(&SecretKeyBody { secret_key: &key })
            .send_empty()
            .await
    }

    /// The server's version string (`Burgerauth Version 1.3`), informational: the server
    /// changed its wire format several times without changing it.
    ///
    /// # Errors
    /// Transport failures.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn version(&self) -> Result<String> {
        let response = self.transport.get("/api/version").send().await?;
        Ok(response.text_lossy().trim().to_owned())
    }

    /// Asks `/api/version` which dialect the server speaks; use it with
    /// [`with_dialect`](Self::with_dialect).
    ///
    /// # Errors
    /// `Decode` for a version this crate does not know.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn detect(&self) -> Result<Dialect> {
        let response = self.transport.get("/api/version").send().await?;
        Dialect::from_version(&response.text_lossy()).ok_or_else(|| {
            response
                .decode_error()
                .with_service(SERVICE)
                .with_message("not a burgerauth 1.2 or 1.3 version string")
        })
    }

    /// The deployment's name (`/api/servicename`, config `IDENTIFIER`; 1.3 only).
    ///
    /// # Errors
    /// `NotFound` on 1.2.
    #[tracing::instrument(skip_all, fields(service = SERVICE))]
    pub async fn service_name(&self) -> Result<String> {
        let answer: ServiceName = self.transport.get("/api/servicename").send_json().await?;
        Ok(answer.name)
    }

    /// Wraps a fresh key in a [`Session`] with the account's id and username.
    pub(crate) async fn session_with_info(&self, key: SecretKey) -> Result<Session> {
        let info = self.userinfo_by_key(&key).await?;
        Ok(Session::new(
            SERVICE,
            info.id.to_string(),
            omniauth_types::AccessToken::new(key.expose_secret()),
            omniauth_types::TokenScheme::InRequest,
        )
        .with_username(info.username)
        .with_extra("dialect", self.dialect.as_str()))
    }
}

/// The message of a 1.3 login refused because the account still has the legacy hash.
pub(crate) const NOT_MIGRATED: &str = "not migrated";

pub(crate) use SecretKeyBody as KeyBody;
