//! The files beside a [`FileStore`](super::FileStore) that let many processes share it: the
//! lock directory with its advisory locks (`flock` on Unix, `LockFileEx` on Windows, through
//! `fs4`), the temporary files of writes in progress, and the sweep of those left by writers
//! that died.

use std::fmt::Write as _;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What every temporary file of a store write is named after.
pub(crate) const TEMP_PREFIX: &str = ".omniauth-store-";

/// Temporary files that older releases left beside the store (they wrote without a lock, so
/// one may belong to a live writer): removed once they are this old, far longer than a write.
const LEGACY_TEMP_AGE: Duration = Duration::from_secs(60);

/// The directory of the lock files and temporary files of the store at `store`:
/// `sessions.json` has `sessions.json.locks` beside it.
pub(crate) fn lock_dir_of(store: &Path) -> PathBuf {
    let mut name = store.file_name().unwrap_or_default().to_os_string();
    name.push(".locks");
    store.with_file_name(name)
}

/// The directory the store file is in.
pub(crate) fn dir_of(store: &Path) -> PathBuf {
    match store.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Blocks until this caller holds the exclusive lock on the file at `path` (created empty,
/// mode 0600, when missing). The lock is the open file: it is released when the file is
/// closed, which the kernel also does for a process that dies, so a dead holder never keeps
/// it. Lock files are never removed: removing one while another process waits on it would
/// let a third lock a new file of the same name.
pub(crate) fn lock_exclusive(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    // Named through the trait: std's inherent `File::lock` is newer than our Rust floor.
    fs4::FileExt::lock(&file)?;
    Ok(file)
}

/// Removes the temporary files of writers that died. Called with the store lock held: every
/// writer creates and renames its temporary file inside the lock, so any temporary file in
/// `lock_dir` at that moment is left over from a writer that was killed mid-write. Temporary
/// files in `store_dir` come from releases before the lock and are removed once old.
/// Returns how many files were removed.
pub(crate) fn sweep(lock_dir: &Path, store_dir: Option<&Path>) -> usize {
    let mut removed = 0;
    for (dir, min_age) in [(Some(lock_dir), None), (store_dir, Some(LEGACY_TEMP_AGE))] {
        let Some(entries) = dir.and_then(|dir| std::fs::read_dir(dir).ok()) else {
            continue;
        };
        for entry in entries.flatten() {
            let is_temp = entry
                .file_name()
                .to_str()
                .is_some_and(|name| name.starts_with(TEMP_PREFIX));
            let Ok(meta) = entry.metadata() else { continue };
            if !is_temp || !meta.is_file() {
                continue;
            }
            let old_enough = min_age.is_none_or(|age| {
                meta.modified()
                    .ok()
                    .and_then(|at| at.elapsed().ok())
                    .is_some_and(|elapsed| elapsed >= age)
            });
            // Another sweeper may have removed it first; that is the same outcome.
            if old_enough && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
    }
    if removed > 0 {
        tracing::debug!(
            removed,
            "removed temporary files of interrupted store writes"
        );
    }
    removed
}

/// The name of the refresh lock file of the account `key`: the key with every byte but
/// ASCII letters, digits, `-` and `_` written as `%XX`, so that two keys never share a file
/// and none escapes the directory. A long key keeps its first part and a hash of the whole.
pub(crate) fn refresh_lock_name(key: &str) -> String {
    const KEEP: usize = 160;
    let mut escaped = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            escaped.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(escaped, "%{byte:02X}");
        }
    }
    if escaped.len() > KEEP {
        // Every byte kept so far is ASCII, so the cut is on a character boundary.
        escaped.truncate(KEEP);
        let _ = write!(escaped, "~{:016x}", fnv1a(key.as_bytes()));
    }
    format!("refresh-{escaped}.lock")
}

/// FNV-1a: fixed by its definition, so every build of every process names a key's lock file
/// the same way (std's hasher may change between Rust releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_names_are_distinct_and_stay_in_the_directory() {
        assert_eq!(
            refresh_lock_name("goscrobble/alice"),
            "refresh-goscrobble%2Falice.lock"
        );
        assert_ne!(refresh_lock_name("a/b"), refresh_lock_name("a%2Fb"));
        assert_eq!(refresh_lock_name(".."), "refresh-%2E%2E.lock");
        let long = "k".repeat(500);
        let longer = format!("{long}x");
        assert!(refresh_lock_name(&long).len() < 200);
        assert_ne!(refresh_lock_name(&long), refresh_lock_name(&longer));
        assert_eq!(refresh_lock_name("ünï"), "refresh-%C3%BCn%C3%AF.lock");
    }

    #[test]
    fn the_lock_directory_sits_beside_the_store() {
        assert_eq!(
            lock_dir_of(Path::new("/x/sessions.json")),
            Path::new("/x/sessions.json.locks")
        );
        assert_eq!(lock_dir_of(Path::new("s.json")), Path::new("s.json.locks"));
        assert_eq!(dir_of(Path::new("s.json")), Path::new("."));
    }

    #[test]
    fn a_held_lock_excludes_a_second_open_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.lock");
        let held = lock_exclusive(&path).unwrap();
        let second = File::open(&path).unwrap();
        assert!(fs4::FileExt::try_lock(&second).is_err(), "held elsewhere");
        drop(held);
        fs4::FileExt::try_lock(&second).expect("free once the holder closed it");
    }

    #[test]
    fn the_sweep_takes_temp_files_only_and_legacy_ones_only_when_old() {
        let dir = tempfile::tempdir().unwrap();
        let locks = dir.path().join("s.json.locks");
        std::fs::create_dir_all(&locks).unwrap();
        std::fs::write(locks.join(".omniauth-store-abc"), b"{}").unwrap();
        std::fs::write(locks.join("store.lock"), b"").unwrap();
        std::fs::write(dir.path().join(".omniauth-store-fresh"), b"{}").unwrap();
        std::fs::write(dir.path().join("s.json"), b"{}").unwrap();
        assert_eq!(sweep(&locks, Some(dir.path())), 1);
        assert!(locks.join("store.lock").exists());
        assert!(
            dir.path().join(".omniauth-store-fresh").exists(),
            "too young"
        );
        assert!(dir.path().join("s.json").exists());
        let old = File::options()
            .write(true)
            .open(dir.path().join(".omniauth-store-fresh"))
            .unwrap();
        old.set_modified(std::time::SystemTime::now() - 2 * LEGACY_TEMP_AGE)
            .unwrap();
        assert_eq!(sweep(&locks, Some(dir.path())), 1);
        assert!(!dir.path().join(".omniauth-store-fresh").exists());
    }
}
