//! Which server an emulator plays: the real one, bugs included, or the one its docs describe.

/// How faithful an emulator is to the real server's bugs.
///
/// Every emulator defaults to [`Behaviour::Real`]: it answers as the deployed server does,
/// including the bugs measured on it (each cited in the emulator's module docs), so that a
/// client tested against it works against the real thing. [`Behaviour::Documented`] is the
/// opt-in for testing against the server its documentation describes.
///
/// ```
/// use omniauth_testkit::Behaviour;
///
/// assert_eq!(Behaviour::default(), Behaviour::Real);
/// assert_eq!("documented".parse::<Behaviour>(), Ok(Behaviour::Documented));
/// assert_eq!(Behaviour::Real.to_string(), "real");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Behaviour {
    /// The deployed server, its known bugs included (the default).
    #[default]
    Real,
    /// The server as its documentation describes it, without the known bugs.
    Documented,
}

impl Behaviour {
    /// Whether the real server's bugs are played.
    pub const fn plays_real_bugs(self) -> bool {
        matches!(self, Self::Real)
    }

    /// The name used on command lines and in seed files: `real` or `documented`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Real => "real",
            Self::Documented => "documented",
        }
    }
}

impl std::fmt::Display for Behaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing a [`Behaviour`] from a name other than `real` or `documented`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownBehaviour(String);

impl std::fmt::Display for UnknownBehaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown behaviour {:?}: expected `real` or `documented`",
            self.0
        )
    }
}

impl std::error::Error for UnknownBehaviour {}

impl std::str::FromStr for Behaviour {
    type Err = UnknownBehaviour;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "real" => Ok(Self::Real),
            "documented" => Ok(Self::Documented),
            other => Err(UnknownBehaviour(other.to_owned())),
        }
    }
}
