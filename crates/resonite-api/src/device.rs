//! The device identity a login is bound to: the `UID` header and the `secretMachineId`.

use std::fmt;

use omniauth_types::{ExposeSecret, Session};
use sha2::{Digest, Sha256};

omniauth_types::define_secret!(
    /// The `secretMachineId` of a login: a random `UUIDv4` by default. The server keeps only
    /// its hash; treat it like a password.
    SecretMachineId
);

/// The key under which a [`Session`] keeps the UID.
pub const UID_EXTRA: &str = "uid";

/// The key under which a [`Session`] keeps the `secretMachineId` (a secret extra: redacted
/// in `Debug`, written by token stores like the token).
pub const MACHINE_ID_EXTRA: &str = "secret_machine_id";

/// The identity of this device toward Resonite: a stable `UID` (64 upper-hex characters, a
/// SHA-256 as the wiki asks) sent on login and extend, and the `secretMachineId` sent in the
/// login body. Generate one once ([`Device::generate`]) and keep it: the server tracks devices
/// by it. Both travel with every [`Session`] a login returns (the UID as the extra `uid`, the
/// machine id as the secret extra `secret_machine_id`), so [`Device::from_session`] gets the
/// same identity back from a stored session.
///
/// ```
/// use resonite_api::Device;
/// use omniauth_types::ExposeSecret;
///
/// let device = Device::generate();
/// assert_eq!(device.uid().len(), 64);
/// assert!(!format!("{device:?}").contains(device.secret_machine_id().expose_secret()));
/// ```
#[derive(Clone)]
pub struct Device {
    uid: String,
    secret_machine_id: SecretMachineId,
}

impl Device {
    /// A new random identity: UID = upper-hex SHA-256 of a random UUID, machine id = a
    /// random `UUIDv4`.
    pub fn generate() -> Self {
        let seed = uuid::Uuid::new_v4();
        let digest = Sha256::digest(seed.as_bytes());
        let uid = digest
            .iter()
            .fold(String::with_capacity(64), |mut out, byte| {
                use std::fmt::Write as _;
                let _ = write!(out, "{byte:02X}");
                out
            });
        Self {
            uid,
            secret_machine_id: SecretMachineId::new(uuid::Uuid::new_v4().to_string()),
        }
    }

    /// An identity you kept from before.
    pub fn new(uid: impl Into<String>, secret_machine_id: SecretMachineId) -> Self {
        Self {
            uid: uid.into(),
            secret_machine_id,
        }
    }

    /// The identity a session was logged in with, when it carries both parts.
    pub fn from_session(session: &Session) -> Option<Self> {
        let uid = session.extra(UID_EXTRA)?;
        let machine_id = session.secret_extra(MACHINE_ID_EXTRA)?;
        Some(Self::new(
            uid,
            SecretMachineId::new(machine_id.expose_secret()),
        ))
    }

    /// The same machine id with the UID a session carries (when it has one).
    #[must_use]
    pub fn with_uid_of(mut self, session: &Session) -> Self {
        if let Some(uid) = session.extra(UID_EXTRA) {
            uid.clone_into(&mut self.uid);
        }
        self
    }

    /// The `UID` header value.
    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// The `secretMachineId`.
    pub fn secret_machine_id(&self) -> &SecretMachineId {
        &self.secret_machine_id
    }

    pub(crate) fn validate(&self) -> omniauth_types::Result<()> {
        let ok_header = |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic());
        if !ok_header(&self.uid) {
            return Err(omniauth_types::Error::invalid_input(
                "the UID must be non-empty printable ASCII without spaces",
            )
            .with_service(crate::SERVICE));
        }
        if self.secret_machine_id.expose_secret().trim().is_empty() {
            return Err(
                omniauth_types::Error::invalid_input("the secret machine id is empty")
                    .with_service(crate::SERVICE),
            );
        }
        Ok(())
    }
}

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Device")
            .field("uid", &self.uid)
            .field("secret_machine_id", &self.secret_machine_id)
            .finish()
    }
}
