//! The signup proof of work of 1.3 servers: a 20-bit SHA-1 hashcash stamp (spec §1.5).
//!
//! A stamp is `1:20:<YYMMDD>:signup:I love Burgerauth!!:<salt>:<counter>`, dated today (UTC),
//! whose SHA-1 starts with 20 zero bits. Minting takes about 2^20 hashes; the async client
//! mints on the blocking pool and stops when its future is dropped.
//!
//! ```
//! use burgerauth_api::hashcash::{has_enough_work, mint_blocking};
//! use std::sync::atomic::AtomicBool;
//!
//! let date = chrono::NaiveDate::from_ymd_opt(2024, 8, 5).unwrap();
//! let stamp = mint_blocking(date, "abcdefghijklmnop", &AtomicBool::new(false)).unwrap();
//! assert_eq!(stamp, "1:20:240805:signup:I love Burgerauth!!:abcdefghijklmnop:26e2b");
//! assert!(has_enough_work(&stamp));
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use omniauth_types::{Error, Result};
use rand::distr::{Alphanumeric, SampleString as _};
use sha1::{Digest as _, Sha1};

use crate::SERVICE;

/// Zero bits a stamp needs.
pub const BITS: u32 = 20;
/// The fixed part of every stamp after the date.
pub const RESOURCE: &str = "signup:I love Burgerauth!!";

/// Whether the first 64 bits of the stamp's SHA-1 have at least [`BITS`] leading zeros.
pub fn has_enough_work(stamp: &str) -> bool {
    let digest = Sha1::digest(stamp.as_bytes());
    let mut first = [0_u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first).leading_zeros() >= BITS
}

/// Mints a stamp for `date` with `salt` (no `:`), trying counters 0, 1, 2… (hex) until one
/// has enough work; `None` when `cancel` is set first or the salt holds a `:`.
pub fn mint_blocking(date: NaiveDate, salt: &str, cancel: &AtomicBool) -> Option<String> {
    if salt.contains(':') {
        return None;
    }
    let prefix = format!("1:{BITS}:{}:{RESOURCE}:{salt}:", date.format("%y%m%d"));
    // Hash the fixed prefix once; each try only adds the counter.
    let base = Sha1::new_with_prefix(prefix.as_bytes());
    let mut digits = [0_u8; 16];
    for counter in 0_u64.. {
        if counter % 4096 == 0 && cancel.load(Ordering::Relaxed) {
            return None;
        }
        let hex = lower_hex(counter, &mut digits);
        let digest = base.clone().chain_update(hex).finalize();
        if u64::from_be_bytes([
            digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
        ])
        .leading_zeros()
            >= BITS
        {
            return Some(format!("{prefix}{counter:x}"));
        }
    }
    None
}

/// `value` in lowercase hex without leading zeros, written into the end of `buffer`.
fn lower_hex(mut value: u64, buffer: &mut [u8; 16]) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b"0123456789abcdef"[usize::try_from(value % 16).unwrap_or(0)];
        value /= 16;
        if value == 0 {
            return &buffer[start..];
        }
    }
}

/// Sets the flag when dropped, so a dropped mint stops its blocking task.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Mints a stamp dated today (UTC) with a random 16-character salt, on the blocking pool.
/// Dropping the future cancels the work.
///
/// # Errors
/// [`ErrorKind::Transport`](omniauth_types::ErrorKind::Transport) if the blocking task fails.
#[tracing::instrument(skip_all, fields(service = SERVICE))]
pub async fn mint() -> Result<String> {
    let cancel = Arc::new(AtomicBool::new(false));
    let guard = CancelOnDrop(cancel.clone());
    let date = chrono::Utc::now().date_naive();
    let salt = Alphanumeric.sample_string(&mut rand::rng(), 16);
    let stamp = tokio::task::spawn_blocking(move || mint_blocking(date, &salt, &cancel))
        .await
        .map_err(|err| Error::transport(err).with_service(SERVICE))?;
    drop(guard);
    stamp
        .ok_or_else(|| Error::invalid_input("hashcash minting was cancelled").with_service(SERVICE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_from_the_spec_definition() {
        // Computed independently (Python hashlib.sha1) from the spec's format.
        let date = NaiveDate::from_ymd_opt(2024, 8, 5).unwrap();
        let stamp = mint_blocking(date, "abcdefghijklmnop", &AtomicBool::new(false)).unwrap();
        assert_eq!(
            stamp,
            "1:20:240805:signup:I love Burgerauth!!:abcdefghijklmnop:26e2b"
        );
        assert_eq!(
            hex::encode(Sha1::digest(stamp.as_bytes())),
            "00000c27f7534a7aab6817ff5b4a96de442b9b50"
        );
        assert!(!has_enough_work(
            "1:20:240805:signup:I love Burgerauth!!:abcdefghijklmnop:0"
        ));
    }

    #[test]
    fn hex_counters() {
        let mut buffer = [0_u8; 16];
        assert_eq!(lower_hex(0, &mut buffer), b"0");
        assert_eq!(lower_hex(0x26e2b, &mut buffer), b"26e2b");
        assert_eq!(lower_hex(u64::MAX, &mut buffer), b"ffffffffffffffff");
    }

    #[test]
    fn cancelled_and_bad_salts_stop() {
        let date = NaiveDate::from_ymd_opt(2024, 8, 5).unwrap();
        assert_eq!(mint_blocking(date, "x", &AtomicBool::new(true)), None);
        assert_eq!(mint_blocking(date, "a:b", &AtomicBool::new(false)), None);
    }

    #[tokio::test]
    async fn minted_stamps_are_dated_today_and_fielded() {
        let stamp = mint().await.unwrap();
        let fields: Vec<&str> = stamp.split(':').collect();
        assert_eq!(fields.len(), 7);
        assert_eq!(fields[2], chrono::Utc::now().format("%y%m%d").to_string());
        assert!(has_enough_work(&stamp));
    }
}
