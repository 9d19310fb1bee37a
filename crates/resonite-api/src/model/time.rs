//! Timestamps as the API writes them: RFC 3339 with up to 7 fractional digits, or without an
//! offset (`0001-01-01T00:00:00`, .NET's "never"), read as UTC.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};

/// Reads one of the API's timestamps: RFC 3339 (any offset, up to 9 fractional digits), or
/// an offset-less date and time taken as UTC. `None` for anything else.
///
/// ```
/// use resonite_api::model::parse_timestamp;
///
/// let t = parse_timestamp("2025-05-24T20:49:29.6335177Z").unwrap();
/// assert_eq!(t.timestamp(), 1_748_119_769);
/// let never = parse_timestamp("0001-01-01T00:00:00").unwrap();
/// assert_eq!(never.format("%Y").to_string(), "0001");
/// assert!(parse_timestamp("yesterday").is_none());
/// ```
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// Serde helper: an optional timestamp; `null`, a missing field, a non-string or an
/// unreadable string are all `None`.
pub(crate) fn lenient<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(value.as_str().and_then(parse_timestamp))
}

/// Serde helper: a count as `u32`; `null`, negatives and non-numbers are 0, too large is
/// `u32::MAX`, fractions are cut.
pub(crate) fn lenient_u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(match value {
        serde_json::Value::Number(n) => n.as_u64().map_or_else(
            || {
                n.as_f64()
                    .filter(|f| f.is_finite() && *f > 0.0)
                    .map_or(0, |f| {
                        if f >= f64::from(u32::MAX) {
                            u32::MAX
                        } else {
                            // In range and positive: the cast only drops the fraction.
                            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                            let whole = f as u32;
                            whole
                        }
                    })
            },
            |n| u32::try_from(n).unwrap_or(u32::MAX),
        ),
        serde_json::Value::String(s) => s.trim().parse().unwrap_or(0),
        _ => 0,
    })
}

/// Serde helper: a bool where `null` (or anything not a bool) is `false`.
pub(crate) fn lenient_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(value.as_bool().unwrap_or(false))
}

/// Serde helper: a list where `null` is empty.
pub(crate) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// Serde helper: a string where `null` is empty.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Serde helper: any value of the expected type, and `None` for `null`, a missing field or a
/// value of another type (a string where a number was expected…).
pub(crate) fn or_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_with_and_without_offsets() {
        assert!(parse_timestamp("2024-01-12T11:13:00+02:00").is_some());
        assert!(parse_timestamp("2024-01-12T11:13:00.1234567").is_some());
        assert!(parse_timestamp("").is_none());
        assert_eq!(
            parse_timestamp("2024-01-12T11:13:00").unwrap(),
            parse_timestamp("2024-01-12T11:13:00Z").unwrap()
        );
    }
}
