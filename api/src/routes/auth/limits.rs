//! The limits on failed logins, and how they are kept in the throttles table.
//!
//! Per **e-mail address tried** (known or not, so answers never tell which addresses have an
//! account): the first five failures are free, then each locks the address for a while that
//! doubles from 30 seconds up to a quarter of an hour; a successful login clears it.
//!
//! Per **client address** (an IPv4 address or an IPv6 /64): a leaky bucket that holds the
//! configured number of failures (20 by default) and drains at that many per quarter of an
//! hour. A full bucket refuses every login from the address until one failure has drained. A
//! successful login does not empty it: a guesser with one account of their own must not be
//! able to reset their counter.
//!
//! The records of an address are removed a day after its last failure (see
//! [`throttles::purge`], run at most once a minute): by then a bucket has drained, and an
//! e-mail address's count of failures starts again. So addresses tried once each, however
//! many, do not pile up.
//!
//! [`Attempt::verify`] checks a password under these limits, for a login and for a change of
//! one's own password alike. Limits are checked before the password is hashed (a refused
//! attempt costs no hash), and a failure is recorded after it, in a transaction that checks
//! again: of any number of attempts sent at once, only as many can be told the password was
//! wrong as the limits allow, and a right password that a limit reached meanwhile is refused
//! too; the rest answer 429, so nothing is learnt from them.

use crate::auth::password;
use crate::db::Db;
use crate::db::throttles::{self, Throttle};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::middleware::client_addr::ClientAddr;
use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use secrecy::SecretString;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};

/// Failed logins of one e-mail address allowed before it is locked for a while.
const FREE_ATTEMPTS: i32 = 5;
/// The longest lock of an e-mail address after repeated failures.
const MAX_LOCK_SECONDS: i64 = 15 * 60;
/// The window over which a client address may fail `per_address` times.
const ADDRESS_WINDOW_MILLISECONDS: i64 = 15 * 60 * 1000;
/// How long the records of an address are kept after its last failure.
const KEPT_FOR_SECONDS: i64 = 24 * 60 * 60;
/// The least time between two purges of the records kept longer.
const PURGE_EVERY_SECONDS: i64 = 60;

/// The configured limits, and when the records kept longer are next removed.
#[derive(Debug)]
pub struct LoginLimits {
    /// Failed logins from one client address per quarter of an hour; 0 turns the limit off.
    pub per_address: u32,
    /// Unix seconds from which the next purge is due.
    next_purge: AtomicI64,
}

impl LoginLimits {
    pub fn new(per_address: u32) -> LoginLimits {
        LoginLimits {
            per_address,
            next_purge: AtomicI64::new(0),
        }
    }

    /// Removes the records kept longer than [`KEPT_FOR_SECONDS`], unless another purge ran
    /// less than [`PURGE_EVERY_SECONDS`] ago. Failing, it is only logged: it is tidying, and
    /// the next one is due soon.
    async fn purge(&self, db: &Db, now: DateTime<Utc>) {
        let due = self.next_purge.load(Ordering::Relaxed);
        let claimed = now.timestamp() >= due
            && self
                .next_purge
                .compare_exchange(
                    due,
                    now.timestamp() + PURGE_EVERY_SECONDS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok();
        if !claimed {
            return;
        }
        let before = now - Duration::seconds(KEPT_FOR_SECONDS);
        let purged = async {
            let tx = db.begin_write().await?;
            throttles::purge(&*tx, before).await?;
            tx.commit().await
        };
        if let Err(e) = purged.await {
            tracing::warn!(error = %e, "removing old login throttle records failed");
        }
    }
}

/// The throttles that one login attempt is subject to.
pub struct Attempt<'a> {
    limits: &'a LoginLimits,
    email_key: String,
    address_key: Option<String>,
    /// One failure drains from the address's bucket per this interval.
    drain: Duration,
    per_address: i32,
}

impl<'a> Attempt<'a> {
    pub fn new(limits: &'a LoginLimits, email: &str, client: ClientAddr) -> Attempt<'a> {
        let per_address = i32::try_from(limits.per_address).unwrap_or(i32::MAX);
        Attempt {
            limits,
            email_key: format!("email:{}", email.trim().to_lowercase()),
            address_key: (per_address > 0).then(|| address_key(client.0)),
            drain: Duration::milliseconds(
                ADDRESS_WINDOW_MILLISECONDS / i64::from(per_address.max(1)),
            ),
            per_address,
        }
    }

    fn keys(&self) -> Vec<&str> {
        std::iter::once(self.email_key.as_str())
            .chain(self.address_key.as_deref())
            .collect()
    }

    /// Whether `supplied` is the password `stored` is a hash of, under the limits: refused with
    /// 429 while a limit is reached, and a failure is recorded. `None` stands for an account
    /// that does not exist: it costs the same hash and never matches, so the time taken does
    /// not tell whether the address has an account.
    pub async fn verify(
        &self,
        db: &Db,
        supplied: SecretString,
        stored: Option<String>,
    ) -> ApiResult<bool> {
        // A refused attempt costs no hash.
        self.check(db.conn(), crate::db::now()).await?;
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(password::dummy_hash);
        if !(password::verify(supplied, stored).await? && known) {
            let tx = db.begin_write().await?;
            let now = crate::db::now();
            self.record_failure(&*tx, now).await?;
            tx.commit().await?;
            // Where records are made, old ones go.
            self.limits.purge(db, now).await;
            return Ok(false);
        }
        // Checked again: failures sent alongside this attempt may have reached a limit while it
        // was hashed, and then its answer must not tell that the password was right.
        if self.check(db.conn(), crate::db::now()).await? > 0 {
            throttles::clear(db.conn(), &self.email_key).await?;
        }
        Ok(true)
    }

    /// Refuses with 429 when a limit is reached; otherwise the failures of the e-mail address
    /// so far.
    async fn check(&self, db: &impl ConnectionTrait, now: DateTime<Utc>) -> ApiResult<i32> {
        let seen = throttles::get_many(db, &self.keys()).await?;
        self.refuse_if_limited(&seen, now)?;
        Ok(seen.get(&self.email_key).map_or(0, |t| t.failures))
    }

    /// Records a failure, unless (checked again, with the records locked) a limit is reached:
    /// then the attempt is refused with 429 and not counted, since nothing was revealed.
    async fn record_failure(&self, db: &impl ConnectionTrait, now: DateTime<Utc>) -> ApiResult<()> {
        let seen = throttles::get_many_for_update(db, &self.keys(), now).await?;
        self.refuse_if_limited(&seen, now)?;
        // Failures more than a day old no longer count, whether or not their record is purged yet.
        let kept_since = now - Duration::seconds(KEPT_FOR_SECONDS);
        let failures = seen
            .get(&self.email_key)
            .filter(|t| t.updated_at >= kept_since)
            .map_or(0, |t| t.failures)
            + 1;
        let email = Throttle {
            failures,
            locked_until: lock_seconds(failures).map(|s| now + Duration::seconds(s)),
            updated_at: now,
        };
        throttles::put(db, &self.email_key, email).await?;
        if let Some(key) = &self.address_key {
            let (level, since) = self.bucket(seen.get(key), now);
            let address = Throttle {
                failures: level + 1,
                locked_until: None,
                updated_at: since,
            };
            throttles::put(db, key, address).await?;
        }
        Ok(())
    }

    fn refuse_if_limited(
        &self,
        seen: &HashMap<String, Throttle>,
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        if let Some(until) = seen
            .get(&self.email_key)
            .and_then(|t| t.locked_until)
            .filter(|u| *u > now)
        {
            return Err(too_many(
                "Too many failed logins for this address; try again later.",
                until - now,
            ));
        }
        if let Some(key) = &self.address_key {
            let (level, since) = self.bucket(seen.get(key), now);
            if level >= self.per_address {
                // Until enough has drained for one more failure.
                let drained = since + self.drain * (level - self.per_address + 1);
                return Err(too_many(
                    "Too many failed logins from your network address; try again later.",
                    drained - now,
                ));
            }
        }
        Ok(())
    }

    /// The fill level of an address's bucket now, and the moment from which it drains on.
    fn bucket(&self, recorded: Option<&Throttle>, now: DateTime<Utc>) -> (i32, DateTime<Utc>) {
        let Some(t) = recorded else {
            return (0, now);
        };
        let elapsed = (now - t.updated_at).max(Duration::zero());
        let drained = elapsed.num_milliseconds() / self.drain.num_milliseconds().max(1);
        let level = i64::from(t.failures) - drained;
        if level <= 0 {
            return (0, now);
        }
        let since = t.updated_at + self.drain * i32::try_from(drained).unwrap_or(i32::MAX);
        (i32::try_from(level).unwrap_or(i32::MAX), since)
    }
}

fn too_many(detail: &str, wait: Duration) -> ApiError {
    // Rounded up: a client that waits exactly this long is let through.
    let seconds = (wait.num_milliseconds() + 999) / 1000;
    ApiError::new(ErrorCode::TooManyRequests, detail)
        .with_retry_after(u64::try_from(seconds.max(1)).unwrap_or(1))
}

/// The lock after `failures` consecutive failed logins: none for the first few, then doubling
/// from 30 seconds up to a quarter of an hour.
fn lock_seconds(failures: i32) -> Option<i64> {
    let over = failures - FREE_ATTEMPTS;
    (over >= 0).then(|| (30i64 << over.min(10)).min(MAX_LOCK_SECONDS))
}

/// An IPv4 address counts alone; an IPv6 address by its /64, the smallest network a
/// household or organisation is given, so that one cannot rotate through its addresses.
fn address_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => format!("addr:{v4}"),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & (u128::MAX << 64);
            format!("addr:{}/64", std::net::Ipv6Addr::from(network))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_grows_from_thirty_seconds_to_a_quarter_hour() {
        assert_eq!(lock_seconds(4), None);
        assert_eq!(lock_seconds(5), Some(30));
        assert_eq!(lock_seconds(6), Some(60));
        assert_eq!(lock_seconds(9), Some(480));
        assert_eq!(lock_seconds(10), Some(900));
        assert_eq!(lock_seconds(50), Some(900));
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_network() {
        let a = address_key("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = address_key("2001:db8:1:2:bbbb::9".parse().unwrap());
        assert_eq!(a, "addr:2001:db8:1:2::/64");
        assert_eq!(a, b);
        assert_eq!(
            address_key("::ffff:192.0.2.7".parse().unwrap()),
            "addr:192.0.2.7"
        );
    }

    fn attempt(per_address: u32) -> Attempt<'static> {
        let client = ClientAddr("192.0.2.7".parse().unwrap());
        let limits = Box::leak(Box::new(LoginLimits::new(per_address)));
        Attempt::new(limits, "X@Y.test", client)
    }

    #[test]
    fn an_address_bucket_drains_one_failure_per_window_share() {
        let a = attempt(20);
        assert_eq!(a.drain, Duration::seconds(45));
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let full = Throttle {
            failures: 20,
            locked_until: None,
            updated_at: t0,
        };
        assert_eq!(a.bucket(Some(&full), t0 + Duration::seconds(44)), (20, t0));
        assert_eq!(
            a.bucket(Some(&full), t0 + Duration::seconds(100)),
            (18, t0 + Duration::seconds(90))
        );
        let later = t0 + Duration::minutes(16);
        assert_eq!(a.bucket(Some(&full), later), (0, later));
        let seen = HashMap::from([("addr:192.0.2.7".to_owned(), full)]);
        let refused = a
            .refuse_if_limited(&seen, t0 + Duration::seconds(10))
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::TooManyRequests);
        assert!(
            a.refuse_if_limited(&seen, t0 + Duration::seconds(45))
                .is_ok()
        );
    }

    #[test]
    fn a_limit_of_zero_keeps_no_address_bucket() {
        assert_eq!(attempt(0).keys(), ["email:x@y.test"]);
        assert_eq!(attempt(5).keys(), ["email:x@y.test", "addr:192.0.2.7"]);
    }
}
