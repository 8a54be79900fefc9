//! What every authenticated request needs to know about its account — its current role, the
//! generation of its tokens, whether it still exists — kept in memory for a short while so
//! that a request costs no database read most of the time.
//!
//! Changes made through this process take effect at once: they [`AccountCache::forget`] the
//! account after their commit. Changes made by another process on the same database take
//! effect here within [`TTL`].

use super::Role;
use crate::db::users;
use sea_orm::{ConnectionTrait, DbErr};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a read of an account's state is trusted.
pub const TTL: Duration = Duration::from_secs(2);
/// At this many accounts in memory, expired entries are dropped, and all of them if more than
/// half are fresh: a sweep frees at least half, so its cost is spread over as many reads, and
/// however many accounts use the service at once, the memory stays bounded.
const MAX_ENTRIES: usize = 50_000;

/// An account that may use its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountState {
    pub role: Role,
    pub token_generation: i64,
}

struct Entry {
    /// `None`: no such account, or it has been removed.
    state: Option<AccountState>,
    read_at: Instant,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Uuid, Entry>,
    /// Counts every [`AccountCache::forget`], so that a read which started before one is not
    /// stored after it.
    forgotten: u64,
}

/// The account states read recently, shared by every worker of this process.
#[derive(Default)]
pub struct AccountCache {
    inner: Mutex<Inner>,
}

impl AccountCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The state of account `id`, from memory if read less than [`TTL`] ago.
    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
    ) -> Result<Option<AccountState>, DbErr> {
        let forgotten = {
            let inner = self.lock();
            if let Some(e) = inner.entries.get(&id)
                && e.read_at.elapsed() < TTL
            {
                return Ok(e.state);
            }
            inner.forgotten
        };
        let read_at = Instant::now();
        let state = users::token_state(db, id)
            .await?
            .map(|(role, token_generation)| AccountState {
                role,
                token_generation,
            });
        let mut inner = self.lock();
        // An account forgotten while this read was under way may have been read as it was
        // before the change: use the answer for this request, but do not keep it.
        if inner.forgotten == forgotten {
            if inner.entries.len() >= MAX_ENTRIES {
                inner.entries.retain(|_, e| e.read_at.elapsed() < TTL);
                if inner.entries.len() > MAX_ENTRIES / 2 {
                    inner.entries.clear();
                }
            }
            inner.entries.insert(id, Entry { state, read_at });
        }
        Ok(state)
    }

    /// Drops what is known of account `id`; call it once a change to the account is committed.
    pub fn forget(&self, id: Uuid) {
        let mut inner = self.lock();
        inner.forgotten = inner.forgotten.wrapping_add(1);
        inner.entries.remove(&id);
    }
}
