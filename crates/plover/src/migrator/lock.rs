//! Taking the migration lock by polling, and giving it back.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use plover_core::sql::QualifiedName;
use plover_core::{Claimant, Driver, Event, LockAttempt, LockRequest};
use sha2::{Digest, Sha256};

use super::Options;
use crate::{Error, Observer};

/// How often a waiting runner asks again (plus up to half of it again, at random, so that
/// several waiting runners do not ask in step).
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The migration lock guarding the history table `table`, claimed by this process: what
/// every Plover runner on this history table contends for.
pub fn request(table: &QualifiedName, options: &Options) -> LockRequest {
    let digest = Sha256::digest(format!("plover-lock:{}", table.plain()).as_bytes());
    let key = i64::from_be_bytes(digest[..8].try_into().expect("eight bytes"));
    let since_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    LockRequest {
        table: table.clone(),
        key,
        claimant: Claimant {
            host: options.host.clone(),
            pid: std::process::id(),
            since_unix,
            token: fastrand::u64(..),
        },
    }
}

/// Polls until the lock is ours or `timeout` passes.
pub async fn acquire(
    db: &mut dyn Driver,
    request: &LockRequest,
    timeout: Duration,
    observer: &mut dyn Observer,
) -> Result<(), Error> {
    let started = Instant::now();
    let mut announced = false;
    loop {
        let attempt = db
            .try_lock(request)
            .await
            .map_err(Error::database("taking the migration lock"))?;
        let holder = match attempt {
            LockAttempt::Acquired => {
                let waited_ms = started.elapsed().as_millis() as u64;
                observer.on_event(&Event::LockAcquired { waited_ms });
                return Ok(());
            }
            LockAttempt::Held(holder) => holder,
        };
        let waited = started.elapsed();
        if waited >= timeout {
            return Err(Error::LockTimeout {
                table: request.table.plain(),
                holder: holder.map(Box::new),
                waited,
            });
        }
        if !announced {
            observer.on_event(&Event::LockWaiting { holder });
            announced = true;
        }
        let jitter = POLL_INTERVAL.mul_f64(fastrand::f64() / 2.0);
        tokio::time::sleep((POLL_INTERVAL + jitter).min(timeout - waited)).await;
    }
}

/// Releases the lock, keeping `result`'s error when there is one.
pub async fn release<T>(
    db: &mut dyn Driver,
    request: &LockRequest,
    result: Result<T, Error>,
) -> Result<T, Error> {
    let unlocked = db.unlock(request).await;
    released(unlocked, result)
}

/// [`release`] with the lock given back with the connection's next request (see
/// [`Driver::unlock_soon`]).
pub async fn release_soon<T>(
    db: &mut dyn Driver,
    request: &LockRequest,
    result: Result<T, Error>,
) -> Result<T, Error> {
    let unlocked = db.unlock_soon(request).await;
    released(unlocked, result)
}

fn released<T>(
    unlocked: Result<(), plover_core::DriverError>,
    result: Result<T, Error>,
) -> Result<T, Error> {
    let value = result?;
    unlocked.map_err(Error::database("releasing the migration lock"))?;
    Ok(value)
}
