//! Groups, their members, a user's memberships, and storage quotas.
//!
//! `GET /groups/{id}` has the `resonite` crate's field names. Members, memberships and
//! storage are undocumented: their names come from `ReCon` (`StorageQuota`) and the `SkyFrost`
//! `Member`/`Membership` types community clients mirror; every field is optional and
//! unknown ones are kept in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::id::{GroupId, UserId};
use super::time::{lenient_bool, null_as_default, or_none};

/// A group (`GET /groups/{id}`). Quotas are only sent to members.
///
/// ```
/// use resonite_api::model::Group;
///
/// let group: Group = serde_json::from_str(
///     r#"{"id": "G-club", "adminUserId": "U-alice", "name": "Club", "quotaBytes": 10}"#,
/// )?;
/// assert_eq!(group.admin_user_id.as_ref().map(|a| a.as_str()), Some("U-alice"));
/// assert_eq!(group.quota_bytes, Some(10));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Group {
    /// `id`: `G-…`.
    #[serde(deserialize_with = "null_as_default")]
    pub id: GroupId,
    /// `name`.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// `adminUserId`: who runs it.
    #[serde(deserialize_with = "or_none")]
    pub admin_user_id: Option<UserId>,
    /// `quotaBytes` (members only).
    #[serde(deserialize_with = "or_none")]
    pub quota_bytes: Option<i64>,
    /// `usedBytes` (members only).
    #[serde(deserialize_with = "or_none")]
    pub used_bytes: Option<i64>,
    /// `isMigrated`.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_migrated: bool,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// A member of a group (`GET /groups/{id}/members[/{userId}]`): `id` is the user, `ownerId`
/// the group, with the member's share of the group's storage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupMember {
    /// `id`: the member's user id.
    #[serde(deserialize_with = "null_as_default")]
    pub id: UserId,
    /// `ownerId`: the group.
    #[serde(deserialize_with = "or_none")]
    pub owner_id: Option<GroupId>,
    /// `quotaBytes`.
    #[serde(deserialize_with = "or_none")]
    pub quota_bytes: Option<i64>,
    /// `usedBytes`.
    #[serde(deserialize_with = "or_none")]
    pub used_bytes: Option<i64>,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// A user's membership (`GET /users/{id}/memberships`): `id` is the group, `ownerId` the
/// user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Membership {
    /// `id`: the group.
    #[serde(deserialize_with = "null_as_default")]
    pub id: GroupId,
    /// `ownerId`: the member.
    #[serde(deserialize_with = "or_none")]
    pub owner_id: Option<UserId>,
    /// `groupName`.
    #[serde(deserialize_with = "or_none")]
    pub group_name: Option<String>,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// A storage quota (`GET /users/{id}/storage`, `GET /groups/{id}/storage`), in bytes.
/// `fullQuotaBytes` includes what others share with the owner.
///
/// ```
/// use resonite_api::model::StorageQuota;
///
/// let quota: StorageQuota = serde_json::from_str(
///     r#"{"id": "U-bob", "usedBytes": 25, "quotaBytes": 100, "fullQuotaBytes": 150}"#,
/// )?;
/// assert_eq!(quota.free_bytes(), Some(125));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StorageQuota {
    /// `id`.
    #[serde(deserialize_with = "or_none")]
    pub id: Option<String>,
    /// `ownerId`.
    #[serde(deserialize_with = "or_none")]
    pub owner_id: Option<String>,
    /// `usedBytes`.
    #[serde(deserialize_with = "or_none")]
    pub used_bytes: Option<i64>,
    /// `quotaBytes`: the owner's own quota.
    #[serde(deserialize_with = "or_none")]
    pub quota_bytes: Option<i64>,
    /// `fullQuotaBytes`: the quota with what is shared in.
    #[serde(deserialize_with = "or_none")]
    pub full_quota_bytes: Option<i64>,
    /// `shareableQuotaBytes`.
    #[serde(deserialize_with = "or_none")]
    pub shareable_quota_bytes: Option<i64>,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

impl StorageQuota {
    /// Bytes left: the full quota (else the own quota) minus what is used, never negative.
    pub fn free_bytes(&self) -> Option<i64> {
        let quota = self.full_quota_bytes.or(self.quota_bytes)?;
        Some(quota.saturating_sub(self.used_bytes.unwrap_or(0)).max(0))
    }
}
