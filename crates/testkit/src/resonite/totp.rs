//! Time-based one-time codes from a secret (RFC 6238 over RFC 4226): 6 digits, 30-second
//! steps, HMAC-SHA1 — what authenticator apps make from the base32 secret of a QR code, and
//! what the Resonite login's `TOTP` header carries (spec §1.1, §4).
//!
//! The spec says nothing of how many steps the real server accepts around its own; the
//! emulator accepts the current step and one on either side ([`TOTP_WINDOW_STEPS`]), the
//! common choice of servers (and RFC 6238 §5.2's recommendation of at most one step of
//! network delay), so a code typed just as it changes still works.

use std::fmt;

use aws_lc_rs::hmac;
use secrecy::{ExposeSecret as _, SecretSlice};

/// Seconds a code lives (RFC 6238's default; authenticator apps use it).
pub const TOTP_STEP_SECS: i64 = 30;
/// Digits of a code.
pub const TOTP_DIGITS: u32 = 6;
/// Steps accepted on either side of the server's current step (assumed, see the module docs).
pub const TOTP_WINDOW_STEPS: i64 = 1;

/// The shared secret of an authenticator app: the key behind the codes. Never shown:
/// its `Debug` is `TotpSecret([redacted])`, and it has no `Display`.
///
/// ```
/// use omniauth_testkit::resonite::TotpSecret;
///
/// // RFC 6238 appendix B: the ASCII key "12345678901234567890" at T = 59 s.
/// let secret = TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")?;
/// assert_eq!(secret.code_at(59), "287082");
/// assert_eq!(format!("{secret:?}"), "TotpSecret([redacted])");
/// # Ok::<(), omniauth_testkit::resonite::TotpSecretError>(())
/// ```
#[derive(Clone)]
pub struct TotpSecret(SecretSlice<u8>);

/// A secret that is not base32 (RFC 4648), or is empty. Its message never contains the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpSecretError(String);

impl fmt::Display for TotpSecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TotpSecretError {}

impl TotpSecret {
    /// Reads a base32 secret as apps show it: upper or lower case, with or without `=`
    /// padding, spaces between groups allowed.
    ///
    /// # Errors
    /// When the text is empty or not base32.
    pub fn from_base32(text: &str) -> Result<Self, TotpSecretError> {
        let normalized: String = text
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let normalized = normalized.trim_end_matches('=');
        if normalized.is_empty() {
            return Err(TotpSecretError("the TOTP secret is empty".to_owned()));
        }
        let key = data_encoding::BASE32_NOPAD
            .decode(normalized.as_bytes())
            .map_err(|err| {
                TotpSecretError(format!(
                    "the TOTP secret is not base32 (RFC 4648): {}",
                    err.kind
                ))
            })?;
        Ok(Self(key.into()))
    }

    /// The code an authenticator app shows at `unix_secs` (seconds since 1970; times before
    /// it count as 0).
    pub fn code_at(&self, unix_secs: i64) -> String {
        self.code_for_step(step(unix_secs))
    }

    /// Whether `code` is the code of the step of `unix_secs` or of a step at most
    /// [`TOTP_WINDOW_STEPS`] away.
    pub fn accepts(&self, code: &str, unix_secs: i64) -> bool {
        let code = code.trim();
        let now = step(unix_secs);
        (-TOTP_WINDOW_STEPS..=TOTP_WINDOW_STEPS)
            .filter_map(|offset| now.checked_add_signed(offset))
            .any(|at| self.code_for_step(at) == code)
    }

    /// RFC 4226 §5.3: HMAC over the big-endian counter, dynamic truncation, the low digits.
    fn code_for_step(&self, counter: u64) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, self.0.expose_secret());
        let tag = hmac::sign(&key, &counter.to_be_bytes());
        let mac = tag.as_ref();
        let offset = usize::from(mac[mac.len() - 1] & 0x0f);
        let word = [
            mac[offset],
            mac[offset + 1],
            mac[offset + 2],
            mac[offset + 3],
        ];
        let binary = u32::from_be_bytes(word) & 0x7fff_ffff;
        format!(
            "{:0width$}",
            binary % 10_u32.pow(TOTP_DIGITS),
            width = TOTP_DIGITS as usize
        )
    }
}

fn step(unix_secs: i64) -> u64 {
    u64::try_from(unix_secs.div_euclid(TOTP_STEP_SECS)).unwrap_or(0)
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

/// A seed file gives the secret as base32 text; a bad one is an error at its field.
impl<'de> serde::Deserialize<'de> for TotpSecret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = secrecy::SecretString::from(String::deserialize(deserializer)?);
        Self::from_base32(text.expose_secret()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (key "12345678901234567890"), the low 6 of the 8
    /// digits printed there.
    #[test]
    fn rfc_6238_vectors() {
        let secret = TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(secret.code_at(time), code, "T = {time}");
        }
    }

    #[test]
    fn the_window_is_one_step_either_side() {
        let secret = TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        let now = 1_234_567_890;
        for offset in [-30, 0, 30] {
            assert!(
                secret.accepts(&secret.code_at(now + offset), now),
                "{offset}"
            );
        }
        for offset in [-60, 60, -300] {
            let code = secret.code_at(now + offset);
            assert!(!secret.accepts(&code, now), "{offset}");
        }
        assert!(!secret.accepts("", now));
        assert!(!secret.accepts("12345", now));
    }

    #[test]
    fn secrets_read_as_apps_show_them() {
        let upper = TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        for text in [
            "gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====",
        ] {
            let other = TotpSecret::from_base32(text).unwrap();
            assert_eq!(other.code_at(59), upper.code_at(59), "{text}");
        }
        for bad in ["", "  ", "not base32!", "GEZDGNBV1"] {
            let err = TotpSecret::from_base32(bad).unwrap_err();
            assert!(!err.to_string().contains(bad.trim()) || bad.trim().is_empty());
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let secret = TotpSecret::from_base32("JBSWY3DPEHPK3PXP").unwrap();
        let shown = format!("{secret:?}");
        assert!(!shown.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(shown, "TotpSecret([redacted])");
    }
}
