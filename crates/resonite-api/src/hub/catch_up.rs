//! Catch-up after a reconnect: from when to ask the REST history for missed messages, and
//! which message ids were delivered already (see [`CatchUpPolicy`]).

use std::collections::hash_map::RandomState;
use std::collections::{HashSet, VecDeque};
use std::hash::BuildHasher as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

use super::config::CatchUpPolicy;
use crate::model::{Message, MessageId};

/// The catch-up state of one hub client, shared by its driver and its handle.
#[derive(Debug)]
pub(crate) struct CatchUp {
    pub(crate) policy: CatchUpPolicy,
    state: Mutex<State>,
    /// Messages delivered by catch-up.
    pub(crate) caught_up: AtomicU64,
    /// Catch-up requests that failed or timed out.
    pub(crate) failures: AtomicU64,
    /// Catch-up answers that came full (older missed messages may be left).
    pub(crate) truncated: AtomicU64,
    /// `ReceiveMessage`s dropped because their id was delivered already.
    pub(crate) duplicates: AtomicU64,
}

#[derive(Debug)]
struct State {
    delivered: Delivered,
    /// Every message the server accepted before this moment (client clock) was delivered.
    synced_until: DateTime<Utc>,
    /// Whether the current connection is caught up, so that how long it was heard from
    /// moves `synced_until` when it drops. A connection whose catch-up failed leaves it
    /// where it was, and the next catch-up starts from there again.
    synced: bool,
}

impl CatchUp {
    /// The state of a client whose first connection opened at `connected`: nothing before
    /// it is owed.
    pub(crate) fn new(policy: CatchUpPolicy, connected: DateTime<Utc>) -> Self {
        let capacity = policy.remembered;
        Self {
            policy,
            state: Mutex::new(State {
                delivered: Delivered::new(capacity),
                synced_until: connected,
                synced: true,
            }),
            caught_up: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            truncated: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `message` may be delivered: `false` when its id was delivered already
    /// (then counted as a duplicate). Remembers it. Always `true` with catch-up off.
    pub(crate) fn admit(&self, message: &Message) -> bool {
        if !self.policy.enabled || message.id.as_str().is_empty() {
            return true;
        }
        let fresh = self.state().delivered.insert(&message.id);
        if !fresh {
            self.duplicates.fetch_add(1, Ordering::Relaxed);
        }
        fresh
    }

    /// The connection dropped; it was last heard from at `last_heard` (client clock).
    pub(crate) fn connection_lost(&self, last_heard: DateTime<Utc>) {
        let mut state = self.state();
        if state.synced {
            state.synced_until = state.synced_until.max(last_heard);
        }
        state.synced = false;
    }

    /// The `fromTime` of the next catch-up.
    pub(crate) fn since(&self) -> DateTime<Utc> {
        let overlap = TimeDelta::from_std(self.policy.overlap).unwrap_or(TimeDelta::MAX);
        let until = self.state().synced_until;
        until
            .checked_sub_signed(overlap)
            .unwrap_or(DateTime::UNIX_EPOCH)
    }

    /// The catch-up of the current connection is done.
    pub(crate) fn mark_caught_up(&self) {
        self.state().synced = true;
    }
}

/// The ids of the last delivered messages, as 64-bit hashes (a collision, one in about
/// 2^64 / capacity, would drop one message), oldest forgotten first.
#[derive(Debug)]
struct Delivered {
    hasher: RandomState,
    set: HashSet<u64>,
    order: VecDeque<u64>,
    capacity: usize,
}

impl Delivered {
    fn new(capacity: usize) -> Self {
        Self {
            hasher: RandomState::new(),
            set: HashSet::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Remembers `id`; `false` when it was remembered already.
    fn insert(&mut self, id: &MessageId) -> bool {
        let hash = self.hasher.hash_one(id.as_str());
        if !self.set.insert(hash) {
            return false;
        }
        self.order.push_back(hash);
        if self.order.len() > self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.set.remove(&oldest);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn message(id: &str) -> Message {
        Message {
            id: MessageId::new(id),
            ..Message::default()
        }
    }

    #[test]
    fn ids_are_delivered_once_within_the_memory() {
        let catch_up = CatchUp::new(CatchUpPolicy::default().remembered(2), Utc::now());
        assert!(catch_up.admit(&message("MSG-1")));
        assert!(!catch_up.admit(&message("MSG-1")));
        assert!(catch_up.admit(&message("MSG-2")));
        assert!(catch_up.admit(&message("MSG-3")));
        // MSG-1 was forgotten (capacity 2), MSG-2 and MSG-3 are remembered.
        assert!(catch_up.admit(&message("MSG-1")));
        assert!(!catch_up.admit(&message("MSG-3")));
        assert_eq!(catch_up.duplicates.load(Ordering::Relaxed), 2);
        // No id, nothing to compare: always delivered.
        assert!(catch_up.admit(&message("")));
        assert!(catch_up.admit(&message("")));
        // Off: everything goes through.
        let off = CatchUp::new(CatchUpPolicy::disabled(), Utc::now());
        assert!(off.admit(&message("MSG-1")) && off.admit(&message("MSG-1")));
    }

    #[test]
    fn the_start_moves_only_with_caught_up_connections() {
        let start = DateTime::UNIX_EPOCH + TimeDelta::days(1000);
        let policy = CatchUpPolicy::default().overlap(Duration::from_secs(10));
        let catch_up = CatchUp::new(policy, start);
        assert_eq!(catch_up.since(), start - TimeDelta::seconds(10));
        // The first connection is heard from for a minute, then drops.
        catch_up.connection_lost(start + TimeDelta::seconds(60));
        assert_eq!(catch_up.since(), start + TimeDelta::seconds(50));
        // The next connection's catch-up fails: its time does not count.
        catch_up.connection_lost(start + TimeDelta::seconds(120));
        assert_eq!(catch_up.since(), start + TimeDelta::seconds(50));
        // The one after catches up, and counts again.
        catch_up.mark_caught_up();
        catch_up.connection_lost(start + TimeDelta::seconds(180));
        assert_eq!(catch_up.since(), start + TimeDelta::seconds(170));
        // Never before the epoch, whatever the overlap.
        let huge = CatchUp::new(
            CatchUpPolicy::default().overlap(Duration::MAX),
            DateTime::UNIX_EPOCH,
        );
        assert_eq!(huge.since(), DateTime::UNIX_EPOCH);
    }
}
