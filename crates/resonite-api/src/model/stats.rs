//! `GET /stats/onlineStats`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The online statistics. No source documents the fields, so they are kept as the server
/// sent them; [`OnlineStats::count`] reads a numeric one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OnlineStats {
    /// Every field of the answer.
    pub fields: BTreeMap<String, serde_json::Value>,
}

impl OnlineStats {
    /// A field as a non-negative whole number, when it is one.
    pub fn count(&self, field: &str) -> Option<u64> {
        self.fields.get(field)?.as_u64()
    }
}
