//! Lenient decoding helpers shared by the wire types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use super::TopEntry;

/// `null` (or a missing field, with `#[serde(default)]`) becomes the type's default.
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// An RFC 3339 time, or `None` for `null`, `""`, a missing or unreadable value.
pub(crate) fn lenient_time<'de, D>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value
        .as_ref()
        .and_then(serde_json::Value::as_str)
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|time| time.with_timezone(&Utc)))
}

/// A number, or a string holding one (0 otherwise).
pub(crate) fn lenient_u64<'de, D>(deserializer: D) -> Result<u64, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(match value {
        Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or_default(),
        Some(serde_json::Value::String(s)) => s.trim().parse().unwrap_or_default(),
        _ => 0,
    })
}

/// A top-N object `{"1": {…}, "2": {…}, "10": {…}}` (sent in string order) as a list sorted
/// by its numeric keys; `null` is empty; keys that are not numbers go last, in key order.
pub(crate) fn top_list<'de, D>(deserializer: D) -> Result<Vec<TopEntry>, D::Error>
where
    D: Deserializer<'de>,
{
    let map = Option::<std::collections::BTreeMap<String, TopEntry>>::deserialize(deserializer)?
        .unwrap_or_default();
    let mut entries: Vec<(u64, String, TopEntry)> = map
        .into_iter()
        .map(|(key, entry)| (key.trim().parse().unwrap_or(u64::MAX), key, entry))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    Ok(entries
        .into_iter()
        .map(|(rank, _, mut entry)| {
            entry.rank = u32::try_from(rank).ok();
            entry
        })
        .collect())
}
