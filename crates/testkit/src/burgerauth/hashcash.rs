//! The signup proof of work of the 1.3 server (catalinc/hashcash `New(20, 16, …)`).

use chrono::{NaiveDate, TimeZone as _, Utc};
use sha1::{Digest as _, Sha1};

/// Leading zero bits a stamp's SHA-1 needs.
pub const STAMP_BITS: u32 = 20;
/// The stamp's fourth field.
pub const STAMP_TAG: &str = "signup";
/// The stamp's fifth field.
pub const STAMP_RESOURCE: &str = "I love Burgerauth!!";

/// How a stamp fails.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum StampError {
    /// Fewer than five fields: the real server panics and drops the connection.
    Panic,
    /// Wrong tag or resource, bad date, too old, or not enough work.
    Invalid,
}

/// Checks `stamp` at unix time `now`.
pub(super) fn verify(stamp: &str, now: i64) -> Result<(), StampError> {
    let fields: Vec<&str> = stamp.split(':').collect();
    if fields.len() < 5 {
        return Err(StampError::Panic);
    }
    if fields[3] != STAMP_TAG || fields[4] != STAMP_RESOURCE || fields.len() != 7 {
        return Err(StampError::Invalid);
    }
    let date = NaiveDate::parse_from_str(fields[2], "%y%m%d").map_err(|_| StampError::Invalid)?;
    let midnight = date.and_hms_opt(0, 0, 0).ok_or(StampError::Invalid)?;
    let start = Utc.from_utc_datetime(&midnight).timestamp();
    if now - start > 24 * 3600 {
        return Err(StampError::Invalid);
    }
    let digest = Sha1::digest(stamp.as_bytes());
    let mut first = [0_u8; 8];
    first.copy_from_slice(&digest[..8]);
    if u64::from_be_bytes(first).leading_zeros() < STAMP_BITS {
        return Err(StampError::Invalid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_foreign_stamps_are_refused() {
        assert_eq!(verify("1:20:240101", 0), Err(StampError::Panic));
        assert_eq!(
            verify("1:20:240101:login:I love Burgerauth!!:a:0", 0),
            Err(StampError::Invalid)
        );
        assert_eq!(
            verify("1:20:notdate:signup:I love Burgerauth!!:a:0", 0),
            Err(StampError::Invalid)
        );
    }

    #[test]
    fn a_minted_stamp_passes_and_ages_out() {
        let now = Utc::now().timestamp();
        let date = Utc::now().format("%y%m%d").to_string();
        let mut counter = 0_u64;
        let stamp = loop {
            let stamp = format!("1:20:{date}:signup:I love Burgerauth!!:salt:{counter:x}");
            let digest = Sha1::digest(stamp.as_bytes());
            if digest[0] == 0 && digest[1] == 0 && digest[2] < 16 {
                break stamp;
            }
            counter += 1;
        };
        assert_eq!(verify(&stamp, now), Ok(()));
        assert_eq!(verify(&stamp, now + 3 * 86_400), Err(StampError::Invalid));
    }
}
