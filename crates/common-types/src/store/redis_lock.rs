//! The refresh lock of a [`RedisStore`](super::RedisStore): a lock key with a lease, taken with
//! `SET NX PX`, extended by its owner while the refresh runs, deleted by its owner only.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::RefreshLease;
use super::redis::Shared;
use crate::error::{Error, ErrorKind, Result};

/// Deletes the lock only if this owner still holds it: a lease that ran out may belong to
/// another caller by now.
const RELEASE: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then \
                       return redis.call('del', KEYS[1]) else return 0 end";

/// Extends the lease only if this owner still holds it.
const EXTEND: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then \
                      return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/// The longest pause between two tries of a waiter.
const MAX_POLL: Duration = Duration::from_millis(200);

/// A held lock key; extended in the background until released or dropped.
#[derive(Debug)]
pub(super) struct RedisLease {
    shared: Arc<Shared>,
    key: String,
    owner: String,
    extender: tokio::task::JoinHandle<()>,
    released: bool,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

/// Waits until this caller holds the lock key `key`. A live holder keeps it while its
/// refresh runs (bounded by the refresh's own deadline); a dead one loses it when its lease
/// runs out.
pub(super) async fn acquire(shared: Arc<Shared>, key: String) -> Result<RedisLease> {
    let owner = format!("{:032x}", fastrand::u128(..));
    let lease_ms = millis(shared.lease());
    let mut pause = Duration::from_millis(10);
    loop {
        let (k, o) = (key.clone(), owner.clone());
        let taken: Option<String> = shared
            .run(
                "cannot take the refresh lock in the Redis store",
                |mut c| async move {
                    redis::cmd("SET")
                        .arg(k)
                        .arg(o)
                        .arg("NX")
                        .arg("PX")
                        .arg(lease_ms)
                        .query_async(&mut c)
                        .await
                },
            )
            .await?;
        if taken.is_some() {
            break;
        }
        // Jittered, so a crowd of waiters does not ask in step.
        let jitter = Duration::from_millis(fastrand::u64(0..=millis(pause) / 2));
        tokio::time::sleep(pause + jitter).await;
        pause = (pause * 2).min(MAX_POLL);
    }
    let extender = tokio::spawn(extend_until_stopped(
        shared.clone(),
        key.clone(),
        owner.clone(),
    ));
    Ok(RedisLease {
        shared,
        key,
        owner,
        extender,
        released: false,
    })
}

/// Extends the lease every third of it; stops when aborted or when the lock was lost.
async fn extend_until_stopped(shared: Arc<Shared>, key: String, owner: String) {
    let lease = shared.lease();
    loop {
        tokio::time::sleep(lease / 3).await;
        let (k, o) = (key.clone(), owner.clone());
        let extended: Result<i64> = shared
            .run(
                "cannot extend the refresh lock in the Redis store",
                |mut c| async move {
                    redis::cmd("EVAL")
                        .arg(EXTEND)
                        .arg(1)
                        .arg(k)
                        .arg(o)
                        .arg(millis(lease))
                        .query_async(&mut c)
                        .await
                },
            )
            .await;
        match extended {
            Ok(1) => {}
            Ok(_) => {
                tracing::warn!("the refresh lock lapsed while its holder refreshed");
                return;
            }
            // The next tick tries again; the lease lasts three of them.
            Err(err) => tracing::warn!(error = %err, "could not extend the refresh lock"),
        }
    }
}

async fn release(shared: &Shared, key: String, owner: String) -> Result<bool> {
    let deleted: i64 = shared
        .run(
            "cannot release the refresh lock in the Redis store",
            |mut c| async move {
                redis::cmd("EVAL")
                    .arg(RELEASE)
                    .arg(1)
                    .arg(key)
                    .arg(owner)
                    .query_async(&mut c)
                    .await
            },
        )
        .await?;
    Ok(deleted == 1)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[async_trait]
impl RefreshLease for RedisLease {
    async fn release(mut self: Box<Self>) -> Result<()> {
        self.extender.abort();
        self.released = true;
        let held = release(&self.shared, self.key.clone(), self.owner.clone()).await?;
        if held {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::Store)
                .with_message("the refresh lock had lapsed before it was released"))
        }
    }
}

impl Drop for RedisLease {
    fn drop(&mut self) {
        self.extender.abort();
        if self.released {
            return;
        }
        // A guard dropped without release (an error, a cancelled caller): give the lock back
        // in the background where a runtime runs; elsewhere the lease runs out on its own.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (shared, key, owner) = (self.shared.clone(), self.key.clone(), self.owner.clone());
            runtime.spawn(async move {
                if let Err(err) = release(&shared, key, owner).await {
                    tracing::debug!(error = %err, "could not release a dropped refresh lock");
                }
            });
        }
    }
}
