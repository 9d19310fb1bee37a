//! The refresh lock: held by the one caller that refreshes an account's session, so that a
//! rotating refresh token is never sent twice.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Weak};

use async_trait::async_trait;
use tokio::sync::OwnedMutexGuard;

use crate::error::Result;

/// What a store hands out while its refresh lock is held. Stores shared across processes
/// implement it for their own lock (a file lock, a lock key with a lease); most code only
/// ever sees the [`RefreshGuard`] around it.
///
/// Dropping a lease without [`release`](RefreshLease::release) must give the lock back too,
/// or at least let it lapse on its own (a lease that expires), so that a caller that fails
/// or is cancelled never blocks the others for good.
///
/// ```
/// use omniauth_types::async_trait::async_trait;
/// use omniauth_types::{RefreshGuard, RefreshLease};
///
/// /// A lease that holds nothing: for a store whose sessions never need a lock.
/// #[derive(Debug)]
/// struct NoLock;
///
/// #[async_trait]
/// impl RefreshLease for NoLock {
///     async fn release(self: Box<Self>) -> omniauth_types::Result<()> {
///         Ok(())
///     }
/// }
///
/// let guard = RefreshGuard::new(NoLock);
/// # drop(guard);
/// ```
#[async_trait]
pub trait RefreshLease: Send + Sync + fmt::Debug {
    /// Gives the lock back.
    ///
    /// # Errors
    /// [`ErrorKind::Store`](crate::ErrorKind::Store) when the store could not be told (the
    /// lock then lapses on its own, if the store's lock can).
    async fn release(self: Box<Self>) -> Result<()>;
}

/// Held while one caller refreshes the session under a key: others asking the same store for
/// the same key wait until it is released (by [`release`](Self::release) or by dropping it).
/// Got from [`TokenStore::lock_refresh`](crate::TokenStore::lock_refresh).
///
/// ```
/// # tokio_test_block_on(async {
/// use omniauth_types::{MemoryStore, TokenStore};
///
/// let store = MemoryStore::new();
/// let guard = store.lock_refresh("goscrobble/alice").await?;
/// // … load the session again, refresh it, save it …
/// guard.release().await?;
/// # Ok::<_, omniauth_types::Error>(()) });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f) }
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
#[derive(Debug)]
pub struct RefreshGuard {
    lease: Box<dyn RefreshLease>,
}

impl RefreshGuard {
    /// A guard around a store's own lease.
    pub fn new(lease: impl RefreshLease + 'static) -> Self {
        Self {
            lease: Box::new(lease),
        }
    }

    /// The lock that [`TokenStore::lock_refresh`](crate::TokenStore::lock_refresh) takes
    /// unless a store brings its own: one lock per `name` in this process, so callers in other
    /// processes are not held back. Any two stores of one process that use it for the same
    /// key share the lock, which is coarser than needed and never wrong.
    ///
    /// ```
    /// # tokio_test_block_on(async {
    /// use omniauth_types::RefreshGuard;
    ///
    /// let first = RefreshGuard::in_process("maillink/alice").await;
    /// let other_account = RefreshGuard::in_process("maillink/bob").await; // does not wait
    /// first.release().await?;
    /// # drop(other_account);
    /// # Ok::<_, omniauth_types::Error>(()) });
    /// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f) }
    /// ```
    pub async fn in_process(name: &str) -> Self {
        Self::new(InProcessLease {
            _held: in_process_lock(name).await,
        })
    }

    /// Gives the lock back now and says whether the store heard it.
    ///
    /// # Errors
    /// The lease's: [`ErrorKind::Store`](crate::ErrorKind::Store) when the store could not be
    /// told.
    pub async fn release(self) -> Result<()> {
        self.lease.release().await
    }
}

/// Holds one entry of [`LOCKS`].
#[derive(Debug)]
pub(crate) struct InProcessLease {
    _held: OwnedMutexGuard<()>,
}

#[async_trait]
impl RefreshLease for InProcessLease {
    async fn release(self: Box<Self>) -> Result<()> {
        Ok(())
    }
}

/// The in-process locks by name. Entries are weak so the map holds only names in use, plus
/// the dead ones until the next lookup sweeps them.
static LOCKS: LazyLock<std::sync::Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(std::sync::Mutex::default);

/// Waits for this process's lock named `name`.
pub(crate) async fn in_process_lock(name: &str) -> OwnedMutexGuard<()> {
    let mutex = {
        // Poisoning cannot leave the map inconsistent: each step is one insert or retain.
        let mut locks = LOCKS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        locks.retain(|_, lock| lock.strong_count() > 0);
        if let Some(mutex) = locks.get(name).and_then(Weak::upgrade) {
            mutex
        } else {
            let mutex = Arc::new(tokio::sync::Mutex::new(()));
            locks.insert(name.to_owned(), Arc::downgrade(&mutex));
            mutex
        }
    };
    mutex.lock_owned().await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn one_name_is_held_by_one_caller_at_a_time() {
        let first = RefreshGuard::in_process("test/one-name").await;
        let waiting = tokio::spawn(RefreshGuard::in_process("test/one-name"));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "the second caller waits");
        let _other = tokio::time::timeout(
            Duration::from_secs(5),
            RefreshGuard::in_process("test/another-name"),
        )
        .await
        .expect("another name is not held back");
        first.release().await.unwrap();
        let _got = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the waiter gets the lock once it is released")
            .unwrap();
    }

    #[tokio::test]
    async fn a_dropped_guard_releases_and_the_map_forgets_it() {
        drop(RefreshGuard::in_process("test/dropped").await);
        let again = tokio::time::timeout(
            Duration::from_secs(5),
            RefreshGuard::in_process("test/dropped"),
        )
        .await
        .expect("dropping released the lock");
        drop(again);
        let _sweep = in_process_lock("test/sweeper").await;
        assert!(!LOCKS.lock().unwrap().contains_key("test/dropped"));
    }
}
