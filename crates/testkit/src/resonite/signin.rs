//! The sign-in side of a [`Resonite`] emulator's Rust API: TOTP secrets, tokens handed out
//! in advance (so a client starts signed in), and the server's clock. The control API
//! (`/__omniauth/clock`) and the seed file call these same operations.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret as _, SecretString};

use super::Resonite;
use super::state::UserSessionRecord;
use super::totp::TotpSecret;

/// The `UID` and `secretMachineId` recorded for a token no login made.
const SEEDED_DEVICE: &str = "seeded";

impl Resonite {
    /// Turns on 2FA from a secret, as an authenticator app would be set up with it: the
    /// login then takes the codes the secret makes on [the emulator's clock](Self::now).
    /// `None` removes the secret (2FA stays on while a fixed code is set, see
    /// [`Resonite::set_totp`]). Returns `false` (and changes nothing) for an unknown user.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use omniauth_testkit::resonite::{Resonite, TotpSecret};
    ///
    /// let resonite = Resonite::start().await?;
    /// let ann = resonite.add_account("ann", "", "pw");
    /// let secret = TotpSecret::from_base32("JBSWY3DPEHPK3PXP")?;
    /// assert!(resonite.set_totp_secret(&ann, Some(secret.clone())));
    /// // What ann's authenticator app shows now:
    /// let code = secret.code_at(resonite.now());
    /// assert_eq!(code.len(), 6);
    /// # Ok(()) }
    /// ```
    pub fn set_totp_secret(&self, user_id: &str, secret: Option<TotpSecret>) -> bool {
        let mut data = self.state.lock();
        let account = data.accounts.iter_mut().find(|a| a.user_id == user_id);
        account.map(|a| a.totp_secret = secret).is_some()
    }

    /// Hands `user_id` a token without a login, as if they had signed in before: requests
    /// with `Authorization: res <user_id>:<token>` are theirs until `expire` (`None`: the
    /// `rememberMe` lifetime from now, 30 days by default). A token already issued is
    /// replaced. Returns the record, or `None` when the user is unknown.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use omniauth_testkit::resonite::Resonite;
    /// use omniauth_testkit::resonite::secrecy::SecretString;
    ///
    /// let resonite = Resonite::start().await?;
    /// let ann = resonite.add_account("ann", "", "pw");
    /// let record = resonite.add_token(&ann, &SecretString::from("a-known-token"), None);
    /// assert!(record.is_some_and(|r| r.remember_me));
    /// assert!(resonite.add_token("U-nobody", &SecretString::from("t"), None).is_none());
    /// # Ok(()) }
    /// ```
    pub fn add_token(
        &self,
        user_id: &str,
        token: &SecretString,
        expire: Option<DateTime<Utc>>,
    ) -> Option<UserSessionRecord> {
        let created = self.state.now();
        let lifetime = self.state.config.remember_me_lifetime;
        let mut data = self.state.lock();
        if !data.accounts.iter().any(|a| a.user_id == user_id) {
            return None;
        }
        let token = token.expose_secret().to_owned();
        let record = UserSessionRecord {
            user_id: user_id.to_owned(),
            token: token.clone(),
            created,
            expire: expire.unwrap_or_else(|| {
                created
                    .checked_add_signed(lifetime)
                    .unwrap_or(DateTime::<Utc>::MAX_UTC)
            }),
            remember_me: true,
            uid: SEEDED_DEVICE.to_owned(),
            secret_machine_id: SEEDED_DEVICE.to_owned(),
            extensions: 0,
        };
        data.tokens.insert(token, record.clone());
        Some(record)
    }

    /// The server's clock, unix seconds (the system clock plus
    /// [`ResoniteBuilder::clock_offset_secs`](super::ResoniteBuilder::clock_offset_secs) and
    /// every [`Resonite::advance_clock`]).
    pub fn now(&self) -> i64 {
        self.state.now().timestamp()
    }

    /// Moves the server's clock by `seconds` (negative: back), for token expiry and TOTP
    /// codes; every date the emulator writes follows it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use omniauth_testkit::resonite::Resonite;
    ///
    /// let resonite = Resonite::start().await?;
    /// let before = resonite.now();
    /// resonite.advance_clock(3_600);
    /// assert!(resonite.now() >= before + 3_600);
    /// # Ok(()) }
    /// ```
    pub fn advance_clock(&self, seconds: i64) {
        self.state.advance_clock(seconds);
    }
}
