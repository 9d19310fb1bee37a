//! The hash that hides which session a contact is in (`UserStatus.sessions[].sessionHash`).

use sha2::{Digest, Sha256};

/// `upper-hex(SHA-256(utf8(session_id + hash_salt)))`: the `sessionHash` a contact's status
/// lists for a session, salted with that status's `hashSalt`. See
/// [`UserStatus::find_session`](super::UserStatus::find_session).
///
/// ```
/// use resonite_api::model::session_hash;
///
/// let hash = session_hash("S-abc", "salt");
/// assert_eq!(hash.len(), 64);
/// assert_eq!(hash, hash.to_uppercase());
/// ```
pub fn session_hash(session_id: &str, hash_salt: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(session_id.as_bytes());
    hasher.update(hash_salt.as_bytes());
    let digest = hasher.finalize();
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from(b"0123456789ABCDEF"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789ABCDEF"[usize::from(byte & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_known_digest() {
        // SHA-256("abc"), split as session id "a" and salt "bc".
        assert_eq!(
            session_hash("a", "bc"),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        );
    }
}
