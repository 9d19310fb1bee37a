//! Where the CLI keeps sessions, and under which key.

use std::path::PathBuf;

use omniauth::{Error, FileStore, Result};

/// The store file: `--store`, else `$OMNIAUTH_STORE`, else `<config dir>/omniauth/sessions.json`.
///
/// # Errors
/// When no path is given and the platform has no config directory.
pub fn open(flag: Option<PathBuf>) -> Result<FileStore> {
    let path = match flag.or_else(|| std::env::var_os("OMNIAUTH_STORE").map(PathBuf::from)) {
        Some(path) => path,
        None => dirs::config_dir()
            .ok_or_else(|| {
                Error::invalid_input("no config directory on this platform: pass --store")
            })?
            .join("omniauth")
            .join("sessions.json"),
    };
    Ok(FileStore::new(path))
}

/// The key a session is stored under: `<service>/<account>`.
pub fn key(service: &str, account: &str) -> String {
    format!("{service}/{account}")
}

/// Splits a key back into service and account.
pub fn split_key(key: &str) -> (&str, &str) {
    key.split_once('/').unwrap_or((key, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        assert_eq!(key("goscrobble", "work"), "goscrobble/work");
        assert_eq!(split_key("goscrobble/work/x"), ("goscrobble", "work/x"));
        assert_eq!(split_key("odd"), ("odd", ""));
    }

    #[test]
    fn the_flag_wins() {
        let store = open(Some(PathBuf::from("/tmp/x.json"))).unwrap();
        assert_eq!(store.path(), std::path::Path::new("/tmp/x.json"));
    }
}
