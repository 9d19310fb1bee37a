//! Token stores: where sessions live between runs. The only place a secret is serialized.

mod file_lock;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
mod redis_lock;
mod refresh;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::session::{Session, StoredSession};

#[cfg(feature = "redis")]
pub use redis::{DEFAULT_LEASE, DEFAULT_PREFIX, RedisStore};
pub use refresh::{RefreshGuard, RefreshLease};

/// Loads, saves and deletes sessions by key (for example `goscrobble/alice`). Dyn-safe.
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The session stored under `key`, if any.
    ///
    /// # Errors
    /// [`ErrorKind::Store`] when the store cannot be read.
    async fn load(&self, key: &str) -> Result<Option<Session>>;

    /// Stores `session` under `key`, replacing what was there.
    ///
    /// # Errors
    /// [`ErrorKind::Store`] when the store cannot be written.
    async fn save(&self, key: &str, session: &Session) -> Result<()>;

    /// Removes the session under `key`; says whether there was one.
    ///
    /// # Errors
    /// [`ErrorKind::Store`] when the store cannot be written.
    async fn delete(&self, key: &str) -> Result<bool>;

    /// Every key with a session, sorted.
    ///
    /// # Errors
    /// [`ErrorKind::Store`] when the store cannot be read.
    async fn keys(&self) -> Result<Vec<String>>;

    /// Waits for the lock that lets one caller refresh the session under `key`, and holds it
    /// until the guard is released or dropped. Whoever gets it must
    /// [`load`](Self::load) the session again before refreshing: the previous holder may
    /// have refreshed it already (with a rotating refresh token, the old one is then spent).
    /// [`SessionManager`](https://docs.rs/omniauth) takes it before every refresh.
    ///
    /// The default is [`RefreshGuard::in_process`]: it holds only within this process. A
    /// store that processes share overrides it with a lock they all see ([`FileStore`]: a
    /// file lock beside the store).
    ///
    /// # Errors
    /// [`ErrorKind::Store`] when the store's lock cannot be taken (never for the default).
    async fn lock_refresh(&self, key: &str) -> Result<RefreshGuard> {
        Ok(RefreshGuard::in_process(key).await)
    }
}

/// A store in memory, for tests and for processes that log in every time.
///
/// ```
/// # tokio_test_block_on(async {
/// use omniauth_types::{AccessToken, MemoryStore, Session, TokenScheme, TokenStore};
///
/// let store = MemoryStore::new();
/// let session = Session::new("maillink", "alice", AccessToken::new("t"), TokenScheme::Bearer);
/// store.save("maillink/alice", &session).await?;
/// assert_eq!(store.keys().await?, ["maillink/alice"]);
/// assert!(store.delete("maillink/alice").await?);
/// # Ok::<_, omniauth_types::Error>(()) });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f) }
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    sessions: Mutex<HashMap<String, Session>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock cannot leave the map half-updated: every operation
        // is a single insert or remove, so the poisoned data is still whole.
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn load(&self, key: &str) -> Result<Option<Session>> {
        Ok(self.lock().get(key).cloned())
    }

    async fn save(&self, key: &str, session: &Session) -> Result<()> {
        self.lock().insert(key.to_owned(), session.clone());
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        Ok(self.lock().remove(key).is_some())
    }

    async fn keys(&self) -> Result<Vec<String>> {
        let mut keys: Vec<String> = self.lock().keys().cloned().collect();
        keys.sort();
        Ok(keys)
    }
}

/// The on-disk layout of a [`FileStore`], versioned so later releases can migrate it.
#[derive(Serialize, Deserialize, Default)]
struct FileContents {
    version: u32,
    sessions: BTreeMap<String, StoredSession>,
}

const FILE_VERSION: u32 = 1;

/// A store in one JSON file, which many processes on one machine can share.
///
/// Every write takes an advisory lock (`flock`, through `fs4`) on a lock file in the
/// directory `<file>.locks` beside the store, reads the current file, changes only the key
/// it was asked to, and writes the result to a temporary file (mode 0600 on Unix, created
/// only once the new content is ready) that is flushed to disk and renamed over the old
/// file. So concurrent saves from any number of processes all survive, and the file is
/// always either the old or the new content, never half-written. Reads take no lock.
/// The lock is held for the file work alone, never across a network call, and a process
/// that dies loses it at once. A writer killed mid-write leaves its temporary file in the
/// lock directory; the next write removes it (the lock proves its writer is gone), and
/// temporary files that releases before the lock left beside the store are removed once a
/// minute old. A missing file is an empty store; a file that is not a store (corrupt, or
/// of a newer version) is an error and is never overwritten.
///
/// [`lock_refresh`](TokenStore::lock_refresh) holds a second lock file, one per account,
/// so one refresh at a time happens across every process using the file.
///
/// Advisory locks hold between processes that take them: on one machine, and on network
/// file systems only where those implement `flock` (NFS version 4 does; many others do not). Share
/// a store between machines through a store built for it instead.
///
/// ```no_run
/// # async fn run() -> omniauth_types::Result<()> {
/// use omniauth_types::{FileStore, TokenStore};
///
/// let store = FileStore::new("/home/alice/.config/omniauth/sessions.json");
/// for key in store.keys().await? {
///     println!("{key}");
/// }
/// # Ok(()) }
/// ```
pub struct FileStore {
    path: PathBuf,
    /// Lets one task of this store at a time wait for the file lock, so that waiting
    /// writers do not each hold a blocking thread.
    write_lock: tokio::sync::Mutex<()>,
    /// Whether the store's directory was swept for the temporary files of older releases.
    swept_legacy: std::sync::Arc<AtomicBool>,
}

impl FileStore {
    /// A store in the file at `path` (created on the first save, with its directory).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            write_lock: tokio::sync::Mutex::new(()),
            swept_legacy: std::sync::Arc::new(AtomicBool::new(false)),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn read(&self) -> Result<FileContents> {
        let path = self.path.clone();
        blocking(move || read_file(&path)).await
    }

    /// Reads, changes and writes the file under the store lock, so that a change made by
    /// another process in between is kept, never overwritten.
    async fn update<T: Send + 'static>(
        &self,
        change: impl FnOnce(&mut FileContents) -> T + Send + 'static,
    ) -> Result<T> {
        let _guard = self.write_lock.lock().await;
        let path = self.path.clone();
        let swept_legacy = self.swept_legacy.clone();
        blocking(move || {
            let locks = file_lock::lock_dir_of(&path);
            let _lock = lock(&path, &locks, "store.lock")?;
            let legacy =
                (!swept_legacy.swap(true, Ordering::Relaxed)).then(|| file_lock::dir_of(&path));
            file_lock::sweep(&locks, legacy.as_deref());
            let mut contents = read_file(&path)?;
            let result = change(&mut contents);
            write_file(&path, &locks, &contents)?;
            Ok(result)
        })
        .await
    }
}

/// Takes the lock file `name` in the lock directory `locks` of the store at `path`.
fn lock(path: &Path, locks: &Path, name: &str) -> Result<std::fs::File> {
    let fail = |what: &str, err: std::io::Error| {
        Error::store(format!("cannot {what} {}", path.display()), err)
    };
    // The lock directory holds the temporary files, which hold every token mid-write.
    create_private_dir(locks).map_err(|e| fail("create the lock directory of", e))?;
    file_lock::lock_exclusive(&locks.join(name)).map_err(|e| fail("lock", e))
}

/// Holds a [`FileStore`]'s refresh lock of one account: the open lock file, and this
/// process's lock of the same name that was taken first.
#[derive(Debug)]
struct FileRefreshLease {
    _file: std::fs::File,
    _in_process: tokio::sync::OwnedMutexGuard<()>,
}

#[async_trait]
impl RefreshLease for FileRefreshLease {
    async fn release(self: Box<Self>) -> Result<()> {
        // Closing the file is what releases the lock.
        Ok(())
    }
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenStore for FileStore {
    async fn load(&self, key: &str) -> Result<Option<Session>> {
        Ok(self.read().await?.sessions.remove(key).map(Session::from))
    }

    async fn save(&self, key: &str, session: &Session) -> Result<()> {
        let key = key.to_owned();
        let stored = StoredSession::from(session);
        self.update(move |contents| {
            contents.sessions.insert(key, stored);
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        let key = key.to_owned();
        self.update(move |contents| contents.sessions.remove(&key).is_some())
            .await
    }

    async fn keys(&self) -> Result<Vec<String>> {
        Ok(self.read().await?.sessions.into_keys().collect())
    }

    async fn lock_refresh(&self, key: &str) -> Result<RefreshGuard> {
        let locks = file_lock::lock_dir_of(&self.path);
        let name = file_lock::refresh_lock_name(key);
        // Tasks of this process queue here rather than each in a blocking thread.
        let in_process = refresh::in_process_lock(&locks.join(&name).to_string_lossy()).await;
        let path = self.path.clone();
        let file = blocking(move || lock(&path, &locks, &name)).await?;
        Ok(RefreshGuard::new(FileRefreshLease {
            _file: file,
            _in_process: in_process,
        }))
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|join| Error::store("the token store task failed", join))?
}

fn read_file(path: &Path) -> Result<FileContents> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok(FileContents {
                version: FILE_VERSION,
                ..FileContents::default()
            });
        }
        Err(err) => return Err(Error::store(format!("cannot read {}", path.display()), err)),
    };
    let contents: FileContents = serde_json::from_slice(&bytes).map_err(|err| {
        // serde_json's message names a line and column, never the content.
        Error::store(format!("{} is not a token store file", path.display()), err)
    })?;
    if contents.version != FILE_VERSION {
        return Err(Error::new(ErrorKind::Store).with_message(format!(
            "{} has store version {}, this build reads version {FILE_VERSION}",
            path.display(),
            contents.version
        )));
    }
    Ok(contents)
}

/// Creates `dir` and its missing parents readable by the owner alone (0700 on Unix): the
/// names of the files in it already say which services hold sessions. Existing directories
/// keep their mode.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes `contents` to a temporary file in `temp_dir` (the lock directory, on the same file
/// system) and renames it over the file at `path`.
fn write_file(path: &Path, temp_dir: &Path, contents: &FileContents) -> Result<()> {
    // Serialized before any file exists, so a failure leaves nothing behind.
    let json = serde_json::to_vec_pretty(contents)
        .map_err(|e| Error::store("cannot serialize the token store", e))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |what: &str, err: std::io::Error| {
        Error::store(format!("cannot {what} {}", path.display()), err)
    };
    create_private_dir(&dir).map_err(|e| fail("create the directory of", e))?;
    // NamedTempFile creates the file with mode 0600 on Unix before anything is written.
    let mut temp = tempfile::Builder::new()
        .prefix(file_lock::TEMP_PREFIX)
        .tempfile_in(temp_dir)
        .map_err(|e| fail("create a temporary file beside", e))?;
    temp.write_all(&json).map_err(|e| fail("write", e))?;
    temp.as_file().sync_all().map_err(|e| fail("flush", e))?;
    temp.persist(path).map_err(|e| fail("replace", e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccessToken, ExposeSecret, RefreshToken, TokenScheme};

    fn session(token: &str) -> Session {
        Session::new(
            "goscrobble",
            "u-1",
            AccessToken::new(token),
            TokenScheme::Bearer,
        )
        .with_refresh_token(RefreshToken::new("refresh-secret"), None)
    }

    #[tokio::test]
    async fn file_store_round_trips_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("nested/sessions.json"));
        assert!(store.load("a").await.unwrap().is_none());
        assert!(store.keys().await.unwrap().is_empty());
        store.save("b", &session("tok-b")).await.unwrap();
        store.save("a", &session("tok-a")).await.unwrap();
        assert_eq!(store.keys().await.unwrap(), ["a", "b"]);
        let loaded = store.load("a").await.unwrap().unwrap();
        assert_eq!(loaded.access_token().expose_secret(), "tok-a");
        assert_eq!(
            loaded.refresh_token().unwrap().expose_secret(),
            "refresh-secret"
        );
        assert!(store.delete("a").await.unwrap());
        assert!(!store.delete("a").await.unwrap());
        assert_eq!(store.keys().await.unwrap(), ["b"]);
        assert!(!format!("{store:?}").contains("tok-"));
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn file_store_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.json");
        FileStore::new(&path)
            .save("k", &session("t"))
            .await
            .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn file_store_directories_are_private_to_their_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir
            .path()
            .join("config")
            .join("omniauth")
            .join("sessions.json");
        FileStore::new(&path)
            .save("k", &session("t"))
            .await
            .unwrap();
        for created in [
            dir.path().join("config"),
            dir.path().join("config/omniauth"),
        ] {
            let mode = std::fs::metadata(&created).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", created.display());
        }
    }

    #[tokio::test]
    async fn a_corrupt_file_is_an_error_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.json");
        std::fs::write(&path, b"{\"version\":1,\"sessions\":{\"k\":").unwrap();
        let store = FileStore::new(&path);
        let err = store.load("k").await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Store);
        assert!(
            err.to_string().contains("is not a token store file"),
            "{err}"
        );
        let err = store.save("k", &session("t")).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Store);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"{\"version\":1,\"sessions\":{\"k\":"
        );
    }

    #[tokio::test]
    async fn a_newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.json");
        std::fs::write(&path, br#"{"version":9,"sessions":{}}"#).unwrap();
        let err = FileStore::new(&path).keys().await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Store);
        assert!(err.to_string().contains("version 9"), "{err}");
    }

    #[tokio::test]
    async fn concurrent_saves_keep_every_session() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(FileStore::new(dir.path().join("s.json")));
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move { store.save(&format!("k{i:02}"), &session("t")).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(store.keys().await.unwrap().len(), 16);
    }

    #[tokio::test]
    async fn two_stores_on_one_file_keep_each_others_saves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let (one, two) = (FileStore::new(&path), FileStore::new(&path));
        one.save("a", &session("t")).await.unwrap();
        two.save("b", &session("t")).await.unwrap();
        one.save("c", &session("t")).await.unwrap();
        assert_eq!(two.keys().await.unwrap(), ["a", "b", "c"]);
    }

    #[tokio::test]
    async fn the_refresh_lock_holds_across_store_instances_per_account() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let (one, two) = (FileStore::new(&path), FileStore::new(&path));
        let held = one.lock_refresh("goscrobble/alice").await.unwrap();
        let waiting = tokio::spawn(async move { two.lock_refresh("goscrobble/alice").await });
        let _bob = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            one.lock_refresh("goscrobble/bob"),
        )
        .await
        .expect("another account does not wait")
        .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "the same account waits");
        held.release().await.unwrap();
        let _got = tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("taken once released")
            .unwrap()
            .unwrap();
        assert!(path.with_file_name("s.json.locks").is_dir());
        assert!(!path.exists(), "locking writes no store file");
    }

    #[tokio::test]
    async fn a_write_sweeps_temp_files_of_dead_writers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let store = FileStore::new(&path);
        store.save("a", &session("t")).await.unwrap();
        let leftover = dir.path().join("s.json.locks/.omniauth-store-dead");
        std::fs::write(&leftover, b"every token").unwrap();
        store.save("b", &session("t")).await.unwrap();
        assert!(!leftover.exists());
        let entries: Vec<_> = std::fs::read_dir(dir.path().join("s.json.locks"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, ["store.lock"]);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_lock_directory_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        FileStore::new(&path)
            .save("k", &session("t"))
            .await
            .unwrap();
        let locks = dir.path().join("s.json.locks");
        let mode = std::fs::metadata(&locks).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let mode = std::fs::metadata(locks.join("store.lock"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[tokio::test]
    async fn memory_store_is_a_token_store() {
        let store: Box<dyn TokenStore> = Box::new(MemoryStore::new());
        store.save("x", &session("t")).await.unwrap();
        assert_eq!(store.load("x").await.unwrap().unwrap().user_id(), "u-1");
        assert!(store.delete("x").await.unwrap());
        assert!(store.load("x").await.unwrap().is_none());
    }
}
