//! `session_platform`: the name of the device or client, shown to the user next to each
//! session.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// What the server shows the user to recognise a session (`session_platform` on the wire).
///
/// The service does not define a vocabulary (its own example sends `cURL`), so any value is
/// accepted and sent as given; the constants are conventional names.
///
/// ```
/// use maillink_auth::SessionPlatform;
///
/// assert_eq!(SessionPlatform::LINUX.as_str(), "linux");
/// let custom = SessionPlatform::new("my-tool 1.2 on a Raspberry Pi");
/// assert_eq!(custom.to_string(), "my-tool 1.2 on a Raspberry Pi");
/// assert_eq!(SessionPlatform::from("cURL"), SessionPlatform::new("cURL"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionPlatform(Cow<'static, str>);

impl SessionPlatform {
    /// `linux`.
    pub const LINUX: Self = Self::from_static("linux");
    /// `windows`.
    pub const WINDOWS: Self = Self::from_static("windows");
    /// `macos`.
    pub const MACOS: Self = Self::from_static("macos");
    /// `android`.
    pub const ANDROID: Self = Self::from_static("android");
    /// `ios`.
    pub const IOS: Self = Self::from_static("ios");
    /// `web`.
    pub const WEB: Self = Self::from_static("web");
    /// `cli`.
    pub const CLI: Self = Self::from_static("cli");

    /// Any platform name.
    pub fn new(name: impl Into<String>) -> Self {
        Self(Cow::Owned(name.into()))
    }

    /// A platform name known at compile time.
    pub const fn from_static(name: &'static str) -> Self {
        Self(Cow::Borrowed(name))
    }

    /// The platform of the running program, from the target it was compiled for
    /// (`linux`, `windows`, `macos`, `android`, `ios`, else the target's own OS name).
    pub fn current() -> Self {
        match std::env::consts::OS {
            "linux" => Self::LINUX,
            "windows" => Self::WINDOWS,
            "macos" => Self::MACOS,
            "android" => Self::ANDROID,
            "ios" => Self::IOS,
            other => Self::from_static(other),
        }
    }

    /// The name as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for SessionPlatform {
    /// [`SessionPlatform::current`].
    fn default() -> Self {
        Self::current()
    }
}

impl fmt::Display for SessionPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for SessionPlatform {
    fn from(name: &str) -> Self {
        Self::new(name)
    }
}

impl From<String> for SessionPlatform {
    fn from(name: String) -> Self {
        Self::new(name)
    }
}

impl AsRef<str> for SessionPlatform {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_serialize_as_plain_strings_and_keep_unknown_values() {
        assert_eq!(
            serde_json::to_string(&SessionPlatform::WEB).unwrap(),
            "\"web\""
        );
        let odd: SessionPlatform = serde_json::from_str("\"Smart fridge ✓\"").unwrap();
        assert_eq!(odd.as_str(), "Smart fridge ✓");
        assert!(!SessionPlatform::current().as_str().is_empty());
        assert_eq!(SessionPlatform::default(), SessionPlatform::current());
    }
}
