//! Cloud variables: `/users|groups/{id}/vars[/{path}]` and `POST /readvars`.
//!
//! Shapes from resonitepy (`ResoniteCloudVar`, `ResoniteCloudVarDefs`, and `readvars`
//! answering a list whose entries carry a `definition`); values travel as strings whatever
//! the variable's type. Unknown fields are kept in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::time::{lenient_bool, null_as_default, null_as_empty, or_none};

/// A cloud variable's value.
///
/// ```
/// use resonite_api::model::CloudVariable;
///
/// let var: CloudVariable = serde_json::from_str(
///     r#"{"ownerId": "U-bob", "path": "U-bob.score", "value": "42", "eTag": null}"#,
/// )?;
/// assert_eq!(var.value.as_deref(), Some("42"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CloudVariable {
    /// `ownerId`: whose value it is.
    #[serde(deserialize_with = "null_as_default")]
    pub owner_id: String,
    /// `path`: `<definition owner>.<subpath>`.
    #[serde(deserialize_with = "null_as_default")]
    pub path: String,
    /// `value`, as text (`null` when unset).
    #[serde(deserialize_with = "or_none")]
    pub value: Option<String>,
    /// `timestamp`: when it was written.
    #[serde(deserialize_with = "or_none", skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Fields this crate does not know (`partitionKey`, `rowKey`, `eTag`, …), as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// A cloud variable's definition: its type, default and who may read, write and list it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CloudVariableDefinition {
    /// `definitionOwnerId`: who defined it.
    #[serde(deserialize_with = "null_as_default")]
    pub definition_owner_id: String,
    /// `subpath`: the name under the owner.
    #[serde(deserialize_with = "null_as_default")]
    pub subpath: String,
    /// `variableType` (`string`, `int`, `bool`, …).
    #[serde(deserialize_with = "or_none")]
    pub variable_type: Option<String>,
    /// `defaultValue`.
    #[serde(deserialize_with = "or_none")]
    pub default_value: Option<String>,
    /// `deleteScheduled`.
    #[serde(deserialize_with = "lenient_bool")]
    pub delete_scheduled: bool,
    /// `readPermissions` (`definition_owner`, `anyone`, …).
    #[serde(deserialize_with = "null_as_empty")]
    pub read_permissions: Vec<String>,
    /// `writePermissions`.
    #[serde(deserialize_with = "null_as_empty")]
    pub write_permissions: Vec<String>,
    /// `listPermissions`.
    #[serde(deserialize_with = "null_as_empty")]
    pub list_permissions: Vec<String>,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// One entry of `POST /readvars`: the value and its definition (either may be missing).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CloudVariableRead {
    /// `variable`: the value.
    #[serde(deserialize_with = "or_none")]
    pub variable: Option<CloudVariable>,
    /// `definition`.
    #[serde(deserialize_with = "or_none")]
    pub definition: Option<CloudVariableDefinition>,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// Which variable to read in `POST /readvars`: `{ownerId, path}`.
///
/// ```
/// use resonite_api::model::CloudVariableKey;
///
/// let key = CloudVariableKey::new("U-bob", "U-bob.score");
/// assert_eq!(serde_json::to_string(&key)?, r#"{"ownerId":"U-bob","path":"U-bob.score"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudVariableKey {
    /// Whose value.
    pub owner_id: String,
    /// The variable's path.
    pub path: String,
}

impl CloudVariableKey {
    /// The key of `owner`'s value of `path`.
    pub fn new(owner: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            owner_id: owner.into(),
            path: path.into(),
        }
    }
}
