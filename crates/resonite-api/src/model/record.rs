//! Records (items, worlds, folders, links): `/users|groups/{id}/records…`,
//! `POST /records/pagedSearch`, and the content of `Object` and `Sound` messages.
//!
//! Field names are those the `resonite` crate, resonitepy and `ReCon` read; the answers are
//! undocumented, so every field is optional and unknown ones are kept in `extra`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::id::{RecordId, UserId};
use super::time::{lenient, lenient_bool, null_as_default, null_as_empty, or_none};

/// Where `resdb:///` assets are served: resonitepy's form, also used by
/// [`Profile::icon_https_url`](super::Profile::icon_https_url). The `resonite` crate resolves
/// to `https://assets.resonite.com/assets/<hash>` instead; which one the server prefers is
/// unverified.
pub const ASSETS_BASE_URL: &str = "https://assets.resonite.com/";

/// The `https://` URL of an asset: `resdb:///<hash>.<ext>` becomes
/// [`ASSETS_BASE_URL`]`<hash>` (the asset server names assets by hash, without the
/// extension); an `https://` URL is returned as it is. `None` for anything else (a
/// `resrec:///` link, an empty hash, another scheme).
///
/// ```
/// use resonite_api::model::asset_url;
///
/// assert_eq!(
///     asset_url("resdb:///8d3f9a.webp").as_deref(),
///     Some("https://assets.resonite.com/8d3f9a"),
/// );
/// assert_eq!(asset_url("https://example.com/a.png").as_deref(), Some("https://example.com/a.png"));
/// assert_eq!(asset_url("resdb:///"), None);
/// assert_eq!(asset_url("resrec:///U-bob/R-1"), None);
/// ```
pub fn asset_url(uri: &str) -> Option<String> {
    let uri = uri.trim();
    if let Some(rest) = uri.strip_prefix("resdb:///") {
        let hash = rest.split_once('.').map_or(rest, |(hash, _)| hash);
        let valid = !hash.is_empty()
            && hash
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        return valid.then(|| format!("{ASSETS_BASE_URL}{hash}"));
    }
    let parsed = url::Url::parse(uri).ok()?;
    (parsed.scheme() == "https").then(|| uri.to_owned())
}

/// One asset of a record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AssetManifestEntry {
    /// The asset's hash.
    #[serde(deserialize_with = "null_as_default")]
    pub hash: String,
    /// Its size.
    pub bytes: Option<u64>,
}

/// A record's version (`version`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RecordVersion {
    /// The global version.
    #[serde(deserialize_with = "or_none")]
    pub global_version: Option<u64>,
    /// The local version.
    #[serde(deserialize_with = "or_none")]
    pub local_version: Option<u64>,
    /// Who changed it last.
    #[serde(deserialize_with = "or_none")]
    pub last_modifying_user_id: Option<UserId>,
    /// From which machine (not always `M-…`).
    #[serde(deserialize_with = "or_none")]
    pub last_modifying_machine_id: Option<String>,
}

/// A record. `recordType` is `object`, `world`, `directory`, `link`, `audio`, … (kept as
/// text: no source lists them all).
///
/// ```
/// use resonite_api::model::Record;
///
/// let record: Record = serde_json::from_str(r#"{
///     "id": "R-1", "ownerId": "U-bob", "name": "Cube", "recordType": "object",
///     "assetUri": "resdb:///abc.brson", "thumbnailUri": "resdb:///def.webp",
///     "path": "Inventory\\Tools", "tags": ["tool"], "isPublic": true, "visits": 3,
///     "version": {"globalVersion": 2}, "rating": 4.5, "futureField": 1
/// }"#)?;
/// assert_eq!(record.asset_url().as_deref(), Some("https://assets.resonite.com/abc"));
/// assert_eq!(record.thumbnail_url().as_deref(), Some("https://assets.resonite.com/def"));
/// assert_eq!(record.version().global_version, Some(2));
/// assert_eq!(record.extra["futureField"], 1);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[allow(clippy::struct_excessive_bools)] // The API's own flags.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Record {
    /// `id`: the record id.
    #[serde(deserialize_with = "null_as_default")]
    pub id: RecordId,
    /// `ownerId`: the owner (`U-…` or `G-…`).
    #[serde(deserialize_with = "or_none")]
    pub owner_id: Option<String>,
    /// `assetUri`: the asset, `resdb:///…` (or `resrec:///…` for links).
    #[serde(deserialize_with = "or_none")]
    pub asset_uri: Option<String>,
    /// `recordType`.
    #[serde(deserialize_with = "or_none")]
    pub record_type: Option<String>,
    /// `name`.
    #[serde(deserialize_with = "or_none")]
    pub name: Option<String>,
    /// `version`, as sent ([`Record::version`] reads it).
    pub version: Option<Value>,
    /// `assetManifest`: the assets.
    #[serde(deserialize_with = "null_as_empty", alias = "neosDBmanifest")]
    pub asset_manifest: Vec<AssetManifestEntry>,
    /// `PascalCase` leak `IsValidOwnerId`.
    #[serde(rename = "IsValidOwnerId", alias = "isValidOwnerId")]
    pub is_valid_owner_id: Option<bool>,
    /// `PascalCase` leak `IsValidRecordId`.
    #[serde(rename = "IsValidRecordId", alias = "isValidRecordId")]
    pub is_valid_record_id: Option<bool>,
    /// `description`.
    #[serde(deserialize_with = "or_none", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `ownerName`.
    #[serde(deserialize_with = "or_none", skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    /// `path`: the folder, with backslashes (`Inventory\Tools`).
    #[serde(deserialize_with = "or_none", skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `thumbnailUri`: `resdb:///…`.
    #[serde(deserialize_with = "or_none", skip_serializing_if = "Option::is_none")]
    pub thumbnail_uri: Option<String>,
    /// `tags`.
    #[serde(
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
    /// `lastModificationTime`.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub last_modification_time: Option<DateTime<Utc>>,
    /// `creationTime`.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<DateTime<Utc>>,
    /// `firstPublishTime`.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub first_publish_time: Option<DateTime<Utc>>,
    /// `isPublic`: anyone may read it.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_public: bool,
    /// `isForPatrons`.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_for_patrons: bool,
    /// `isListed`: found by searches.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_listed: bool,
    /// `isDeleted`.
    #[serde(deserialize_with = "lenient_bool")]
    pub is_deleted: bool,
    /// `visits`.
    #[serde(deserialize_with = "or_none", skip_serializing_if = "Option::is_none")]
    pub visits: Option<u64>,
    /// `rating`.
    #[serde(deserialize_with = "or_none", skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    /// `submissions`: where it was submitted (shape unverified: kept as sent).
    #[serde(
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub submissions: Vec<Value>,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

impl Record {
    /// The version, read leniently (all `None` when absent or of another shape).
    pub fn version(&self) -> RecordVersion {
        self.version
            .clone()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }

    /// The asset's `https://` URL ([`asset_url`] of `assetUri`).
    pub fn asset_url(&self) -> Option<String> {
        asset_url(self.asset_uri.as_deref()?)
    }

    /// The thumbnail's `https://` URL ([`asset_url`] of `thumbnailUri`).
    pub fn thumbnail_url(&self) -> Option<String> {
        asset_url(self.thumbnail_uri.as_deref()?)
    }
}

/// One page of `POST /records/pagedSearch`: `{records, hasMoreResults}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RecordPage {
    /// The records of this page.
    #[serde(deserialize_with = "null_as_empty")]
    pub records: Vec<Record>,
    /// Whether another page follows (absent in some answers: then `false`).
    #[serde(deserialize_with = "lenient_bool")]
    pub has_more_results: bool,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}
