//! `GET /stats/onlineStats` and `GET /stats/cloudStats`.
//!
//! No official source documents either answer. The field names are those of the `resonite`
//! crate 0.4.0's typed models, the best public witness (spec §0.1); every field is optional
//! here and the whole answer is kept as sent.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::time::{lenient, lenient_u32, or_none};

/// Counts keyed by a name (an access level like `Anyone`, a client type like
/// `GraphicalClient`); values that are not counts are left out.
fn counts<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, u32>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let Value::Object(map) = value else {
        return Ok(BTreeMap::new());
    };
    Ok(map
        .into_iter()
        .filter_map(|(key, value)| {
            let count = value.as_u64()?;
            Some((key, u32::try_from(count).unwrap_or(u32::MAX)))
        })
        .collect())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct OnlineWire {
    #[serde(deserialize_with = "lenient")]
    capture_timestamp: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_u32")]
    registered_users: u32,
    #[serde(deserialize_with = "lenient_u32")]
    instance_count: u32,
    #[serde(deserialize_with = "lenient_u32")]
    present_users: u32,
    #[serde(deserialize_with = "lenient_u32")]
    away_users: u32,
    #[serde(rename = "usersInVR", deserialize_with = "lenient_u32")]
    users_in_vr: u32,
    #[serde(deserialize_with = "lenient_u32")]
    users_in_screen: u32,
    #[serde(deserialize_with = "lenient_u32")]
    users_on_desktop: u32,
    #[serde(deserialize_with = "lenient_u32")]
    users_on_mobile: u32,
    #[serde(deserialize_with = "lenient_u32")]
    users_in_visible_public_sessions: u32,
    #[serde(deserialize_with = "lenient_u32")]
    users_in_visible_semi_accessible_sessions: u32,
    #[serde(deserialize_with = "lenient_u32")]
    users_in_hidden_sessions: u32,
    #[serde(deserialize_with = "lenient_u32")]
    users_in_private_sessions: u32,
    #[serde(deserialize_with = "counts")]
    users_by_client_type: BTreeMap<String, u32>,
    #[serde(deserialize_with = "counts")]
    users_by_session_access_level: BTreeMap<String, u32>,
    #[serde(deserialize_with = "counts")]
    visible_sessions_by_access_level: BTreeMap<String, u32>,
    #[serde(deserialize_with = "counts")]
    hidden_sessions_by_access_level: BTreeMap<String, u32>,
    #[serde(deserialize_with = "counts")]
    active_visible_sessions_by_access_level: BTreeMap<String, u32>,
    #[serde(deserialize_with = "counts")]
    active_hidden_sessions_by_access_level: BTreeMap<String, u32>,
}

/// The online statistics, typed with the names the `resonite` crate's model gives (19
/// fields), and every field as sent in [`OnlineStats::fields`]. A missing or unreadable
/// count is 0; the maps are keyed by access level (`Anyone`, `Contacts`, …) or client type.
///
/// ```
/// use resonite_api::model::OnlineStats;
///
/// let stats: OnlineStats = serde_json::from_str(
///     r#"{"registeredUsers": 5, "usersInVR": 2, "usersByClientType": {"Headless": 1}, "new": true}"#,
/// )?;
/// assert_eq!(stats.registered_users, 5);
/// assert_eq!(stats.users_in_vr, 2);
/// assert_eq!(stats.users_by_client_type["Headless"], 1);
/// assert_eq!(stats.fields["new"], true);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OnlineStats {
    /// `captureTimestamp`: when the numbers were taken.
    #[serde(skip)]
    pub capture_timestamp: Option<DateTime<Utc>>,
    /// `registeredUsers`: registered users online.
    #[serde(skip)]
    pub registered_users: u32,
    /// `instanceCount`: running session instances.
    #[serde(skip)]
    pub instance_count: u32,
    /// `presentUsers`: users present (not away).
    #[serde(skip)]
    pub present_users: u32,
    /// `awayUsers`.
    #[serde(skip)]
    pub away_users: u32,
    /// `usersInVR`.
    #[serde(skip)]
    pub users_in_vr: u32,
    /// `usersInScreen`.
    #[serde(skip)]
    pub users_in_screen: u32,
    /// `usersOnDesktop`.
    #[serde(skip)]
    pub users_on_desktop: u32,
    /// `usersOnMobile`.
    #[serde(skip)]
    pub users_on_mobile: u32,
    /// `usersInVisiblePublicSessions`.
    #[serde(skip)]
    pub users_in_visible_public_sessions: u32,
    /// `usersInVisibleSemiAccessibleSessions` (contacts, registered users…).
    #[serde(skip)]
    pub users_in_visible_semi_accessible_sessions: u32,
    /// `usersInHiddenSessions`.
    #[serde(skip)]
    pub users_in_hidden_sessions: u32,
    /// `usersInPrivateSessions`.
    #[serde(skip)]
    pub users_in_private_sessions: u32,
    /// `usersByClientType`: users per client type (`GraphicalClient`, `Headless`, …).
    #[serde(skip)]
    pub users_by_client_type: BTreeMap<String, u32>,
    /// `usersBySessionAccessLevel`.
    #[serde(skip)]
    pub users_by_session_access_level: BTreeMap<String, u32>,
    /// `visibleSessionsByAccessLevel`.
    #[serde(skip)]
    pub visible_sessions_by_access_level: BTreeMap<String, u32>,
    /// `hiddenSessionsByAccessLevel`.
    #[serde(skip)]
    pub hidden_sessions_by_access_level: BTreeMap<String, u32>,
    /// `activeVisibleSessionsByAccessLevel`.
    #[serde(skip)]
    pub active_visible_sessions_by_access_level: BTreeMap<String, u32>,
    /// `activeHiddenSessionsByAccessLevel`.
    #[serde(skip)]
    pub active_hidden_sessions_by_access_level: BTreeMap<String, u32>,
    /// Every field of the answer, as sent (serialized back as it came).
    #[serde(flatten)]
    pub fields: BTreeMap<String, Value>,
}

impl OnlineStats {
    /// A field of the answer as a non-negative whole number, when it is one.
    pub fn count(&self, field: &str) -> Option<u64> {
        self.fields.get(field)?.as_u64()
    }
}

impl<'de> Deserialize<'de> for OnlineStats {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = BTreeMap::<String, Value>::deserialize(deserializer)?;
        let object = Value::Object(fields.clone().into_iter().collect());
        // Every typed field is lenient, so this only fails on a non-object, ruled out above.
        let wire: OnlineWire = serde_json::from_value(object).unwrap_or_default();
        Ok(Self {
            capture_timestamp: wire.capture_timestamp,
            registered_users: wire.registered_users,
            instance_count: wire.instance_count,
            present_users: wire.present_users,
            away_users: wire.away_users,
            users_in_vr: wire.users_in_vr,
            users_in_screen: wire.users_in_screen,
            users_on_desktop: wire.users_on_desktop,
            users_on_mobile: wire.users_on_mobile,
            users_in_visible_public_sessions: wire.users_in_visible_public_sessions,
            users_in_visible_semi_accessible_sessions: wire
                .users_in_visible_semi_accessible_sessions,
            users_in_hidden_sessions: wire.users_in_hidden_sessions,
            users_in_private_sessions: wire.users_in_private_sessions,
            users_by_client_type: wire.users_by_client_type,
            users_by_session_access_level: wire.users_by_session_access_level,
            visible_sessions_by_access_level: wire.visible_sessions_by_access_level,
            hidden_sessions_by_access_level: wire.hidden_sessions_by_access_level,
            active_visible_sessions_by_access_level: wire.active_visible_sessions_by_access_level,
            active_hidden_sessions_by_access_level: wire.active_hidden_sessions_by_access_level,
            fields,
        })
    }
}

/// The cloud's job statistics (`GET /stats/cloudStats`), with the `resonite` crate's field
/// names; unknown fields are kept in `extra`.
///
/// ```
/// use resonite_api::model::CloudStats;
///
/// let stats: CloudStats = serde_json::from_str(r#"{"uploadJobs": 3, "migrationTasksInQueue": 1.5}"#)?;
/// assert_eq!(stats.upload_jobs, Some(3));
/// assert_eq!(stats.migration_tasks_in_queue, Some(1.5));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct CloudStats {
    /// When the numbers were taken.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub capture_timestamp: Option<DateTime<Utc>>,
    /// Asset metadata jobs waiting.
    #[serde(deserialize_with = "or_none")]
    pub asset_metadata_jobs: Option<u64>,
    /// Asset variant jobs waiting.
    #[serde(deserialize_with = "or_none")]
    pub asset_variant_jobs: Option<u64>,
    /// Asset variants computed.
    #[serde(deserialize_with = "or_none")]
    pub computed_asset_variants: Option<u64>,
    /// Record preprocess jobs waiting.
    #[serde(deserialize_with = "or_none")]
    pub record_preprocess_jobs: Option<u64>,
    /// Upload jobs waiting.
    #[serde(deserialize_with = "or_none")]
    pub upload_jobs: Option<u64>,
    /// Migrated records a minute.
    #[serde(deserialize_with = "or_none")]
    pub migration_records_per_minute: Option<f64>,
    /// Migration tasks queued.
    #[serde(deserialize_with = "or_none")]
    pub migration_tasks_in_queue: Option<f64>,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}
