//! [`Authenticator`] for Resonite: password login with a TOTP second step, refresh = extend,
//! validate = the same probe, logout.

use async_trait::async_trait;
use omniauth_types::{
    Authenticator, Capabilities, Credentials, ErrorKind, LoginOutcome, Result, Session,
};

use crate::SERVICE;
use crate::auth::{LoginIdentifier, LoginRequest};
use crate::client::Client;
use crate::device::Device;

/// Signs in to Resonite the way every omniauth service does.
///
/// It holds one [`Device`], generated once when it is made (or given), so every login through
/// it sends the same `UID` and `secretMachineId`.
///
/// ```no_run
/// # async fn run() -> omniauth_types::Result<()> {
/// use omniauth_types::{Authenticator, Credentials, LoginOutcome, Password, TotpCode};
/// use resonite_api::{Client, ResoniteAuthenticator};
///
/// let auth = ResoniteAuthenticator::new(Client::new("https://api.resonite.com")?);
/// let creds = Credentials::username("alice").with_password(Password::new("pw"));
/// let session = match auth.login(&creds).await? {
///     LoginOutcome::Authenticated(session) => session,
///     LoginOutcome::SecondFactorRequired => {
///         let creds = creds.with_totp(TotpCode::new("123456"));
///         auth.login(&creds).await?.into_session().expect("signed in")
///     }
///     _ => unreachable!("resonite has no email-link login"),
/// };
/// auth.logout(&session).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ResoniteAuthenticator {
    client: Client,
    device: Device,
    remember_me: bool,
}

impl ResoniteAuthenticator {
    /// An authenticator with a newly generated device and 30-day tokens.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            device: Device::generate(),
            remember_me: true,
        }
    }

    /// Uses this device identity (the one kept from an earlier run).
    #[must_use]
    pub fn with_device(mut self, device: Device) -> Self {
        self.device = device;
        self
    }

    /// Whether logins ask for 30-day tokens (default `true`).
    #[must_use]
    pub fn with_remember_me(mut self, remember_me: bool) -> Self {
        self.remember_me = remember_me;
        self
    }

    /// The device identity logins use.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

#[async_trait]
impl Authenticator for ResoniteAuthenticator {
    fn service(&self) -> &'static str {
        SERVICE
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::NONE
            .with_refresh(true)
            .with_validate(true)
            .with_logout(true)
    }

    /// Logs in by username (or owner id when it starts with `U-`), else by email. Without a
    /// TOTP code, an account with 2FA answers [`LoginOutcome::SecondFactorRequired`]; with
    /// a wrong code, the error is [`ErrorKind::SecondFactorRequired`].
    async fn login(&self, credentials: &Credentials) -> Result<LoginOutcome> {
        let password = credentials.require_password(SERVICE)?;
        let identifier = match (credentials.username_value(), credentials.email_value()) {
            (Some(name), _) => LoginIdentifier::guess(name),
            (None, Some(email)) => LoginIdentifier::Email(email.to_owned()),
            (None, None) => {
                return Err(omniauth_types::Error::invalid_input(
                    "resonite needs a username, email or user id",
                )
                .with_service(SERVICE));
            }
        };
        let mut request = LoginRequest::password(identifier, password.clone())
            .remember_me(self.remember_me)
            .device(self.device.clone());
        if let Some(code) = credentials.totp() {
            request = request.totp(code.clone());
        }
        match self.client.login(&request).await {
            Ok(response) => Ok(LoginOutcome::Authenticated(response.session)),
            Err(err)
                if err.kind() == &ErrorKind::SecondFactorRequired
                    && credentials.totp().is_none() =>
            {
                Ok(LoginOutcome::SecondFactorRequired)
            }
            Err(err) if err.kind() == &ErrorKind::SecondFactorRequired => {
                Err(err.with_message("the second-factor code was not accepted"))
            }
            Err(err) => Err(err),
        }
    }

    /// Extends the token (`PATCH /userSessions`); the expiry moves locally.
    async fn refresh(&self, session: &Session) -> Result<Session> {
        self.client.extend(session).await
    }

    async fn validate(&self, session: &Session) -> Result<()> {
        self.client.validate(session).await
    }

    async fn logout(&self, session: &Session) -> Result<()> {
        self.client.logout(session).await
    }
}
