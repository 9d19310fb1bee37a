//! Where the CLI keeps sessions, and under which key: a file (the default) or Redis.

use std::path::PathBuf;
use std::sync::Arc;

use omniauth::{Error, FileStore, RedisStore, Result, TokenStore};

/// The store a command works on, and where Resonite's device file lives beside it.
pub struct Store {
    /// The sessions.
    pub sessions: Arc<dyn TokenStore>,
    /// The file of Resonite device identities (see [`crate::device`]): beside a file store,
    /// in the config directory for Redis (devices are per machine).
    pub devices: PathBuf,
}

/// The store: `--store`, else `$OMNIAUTH_STORE`, else `<config dir>/omniauth/sessions.json`.
/// A value starting with `redis://` or `rediss://` is a Redis store
/// (`redis://[user:password@]host:port/db?prefix=…`); anything else is a file path.
///
/// # Errors
/// When no path is given and the platform has no config directory, or the Redis URL is
/// not one.
pub fn open(flag: Option<String>) -> Result<Store> {
    let given = flag
        .or_else(|| std::env::var_os("OMNIAUTH_STORE").map(|v| v.to_string_lossy().into_owned()));
    match given {
        Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => Ok(Store {
            sessions: Arc::new(RedisStore::open(&url)?),
            devices: config_dir()?.join("resonite-devices.json"),
        }),
        Some(path) => Ok(file(PathBuf::from(path))),
        None => Ok(file(config_dir()?.join("sessions.json"))),
    }
}

fn file(path: PathBuf) -> Store {
    let devices = crate::device::path(&path);
    Store {
        sessions: Arc::new(FileStore::new(path)),
        devices,
    }
}

fn config_dir() -> Result<PathBuf> {
    Ok(dirs::config_dir()
        .ok_or_else(|| Error::invalid_input("no config directory on this platform: pass --store"))?
        .join("omniauth"))
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
    fn the_flag_wins_and_the_device_file_sits_beside_the_store() {
        let store = open(Some("/tmp/x/sessions.json".to_owned())).unwrap();
        assert_eq!(store.devices, PathBuf::from("/tmp/x/resonite-devices.json"));
    }

    #[test]
    fn a_redis_url_is_a_redis_store() {
        // Opening makes no connection; a bad URL is refused at once.
        assert!(open(Some("redis://127.0.0.1:1/0?prefix=omni:".to_owned())).is_ok());
        assert!(open(Some("redis://[bad".to_owned())).is_err());
    }
}
