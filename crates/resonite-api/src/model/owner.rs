//! Owners of records, cloud variables and storage: a user (`U-…`) or a group (`G-…`).

use std::fmt;
use std::str::FromStr;

use omniauth_types::Error;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::id::{GroupId, UserId};

/// A user or a group, as the routes `/users/{id}/…` and `/groups/{id}/…` tell them apart.
///
/// ```
/// use resonite_api::model::{GroupId, OwnerId, UserId};
///
/// let owner: OwnerId = "G-club".parse()?;
/// assert_eq!(owner, OwnerId::Group(GroupId::new("G-club")));
/// assert_eq!(owner.collection(), "groups");
/// assert_eq!(OwnerId::from(UserId::new("U-bob")).to_string(), "U-bob");
/// assert!("bob".parse::<OwnerId>().is_err());
/// # Ok::<(), omniauth_types::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OwnerId {
    /// A user.
    User(UserId),
    /// A group.
    Group(GroupId),
}

impl OwnerId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::User(id) => id.as_str(),
            Self::Group(id) => id.as_str(),
        }
    }

    /// The first path segment of this owner's routes: `users` or `groups`.
    pub fn collection(&self) -> &'static str {
        match self {
            Self::User(_) => "users",
            Self::Group(_) => "groups",
        }
    }

    /// Whether the id has its kind's prefix and something after it.
    pub fn has_expected_prefix(&self) -> bool {
        match self {
            Self::User(id) => id.has_expected_prefix(),
            Self::Group(id) => id.has_expected_prefix(),
        }
    }

    /// Reads what the server sent: `G-…` is a group, anything else a user.
    fn lenient(text: String) -> Self {
        if text.starts_with(GroupId::PREFIX) {
            Self::Group(GroupId::new(text))
        } else {
            Self::User(UserId::new(text))
        }
    }
}

impl Default for OwnerId {
    fn default() -> Self {
        Self::User(UserId::default())
    }
}

impl fmt::Display for OwnerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<UserId> for OwnerId {
    fn from(id: UserId) -> Self {
        Self::User(id)
    }
}

impl From<GroupId> for OwnerId {
    fn from(id: GroupId) -> Self {
        Self::Group(id)
    }
}

impl From<&str> for OwnerId {
    /// Unchecked, like the server's ids: `G-…` is a group, anything else a user.
    fn from(id: &str) -> Self {
        Self::lenient(id.to_owned())
    }
}

impl FromStr for OwnerId {
    type Err = Error;

    /// Checked, for ids a user typed: `U-…` or `G-…`.
    fn from_str(text: &str) -> Result<Self, Error> {
        let owner = Self::lenient(text.trim().to_owned());
        if owner.has_expected_prefix() {
            Ok(owner)
        } else {
            Err(Error::invalid_input("an owner id starts with U- or G-")
                .with_service(crate::SERVICE))
        }
    }
}

impl Serialize for OwnerId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OwnerId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::lenient)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_read_leniently_and_parse_strictly() {
        let group: OwnerId = serde_json::from_str("\"G-x\"").unwrap();
        assert_eq!(group.collection(), "groups");
        let odd: OwnerId = serde_json::from_str("\"M-machine\"").unwrap();
        assert_eq!(odd, OwnerId::User(UserId::new("M-machine")));
        assert!(!odd.has_expected_prefix());
        assert_eq!(serde_json::to_string(&group).unwrap(), "\"G-x\"");
        assert!(" U-a ".parse::<OwnerId>().is_ok());
        assert!("U-".parse::<OwnerId>().is_err());
    }
}
