//! The migration lock as a lease row, taken under `BEGIN IMMEDIATE`.
//!
//! SQLite has no session locks that die with their process, so the lock is a row naming its
//! holder's host and pid. A row left by a process that no longer runs on this host (killed
//! with SIGKILL, say) is stale and taken over; a row from another host is honoured, since its
//! process cannot be checked from here.

use plover_core::sql::QualifiedName;
use plover_core::time::format_unix_seconds;
use plover_core::{Claimant, LockHolder};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// The lease table beside the history table.
fn lease_table(history: &QualifiedName) -> String {
    history.sibling("plover_lock").to_string()
}

/// Whether the lease was taken, and otherwise who holds it.
pub enum Outcome {
    /// Ours now.
    Taken,
    /// Someone else's.
    Held(LockHolder),
}

/// Tries once to take the lease guarding `history`.
pub fn try_take(
    connection: &mut Connection,
    history: &QualifiedName,
    claimant: &Claimant,
) -> rusqlite::Result<Outcome> {
    let table = lease_table(history);
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(&include_str!("../sql/lock.sql").replace("{table}", &table))?;
    if let Some(holder) = read(&tx, &table, history)? {
        if is_alive(&holder, claimant) {
            return Ok(Outcome::Held(describe(&holder)));
        }
    }
    tx.execute(
        &format!("INSERT OR REPLACE INTO {table} (name, host, pid, since) VALUES (?1, ?2, ?3, ?4)"),
        params![
            history.plain(),
            claimant.host,
            claimant.pid,
            claimant.since_unix
        ],
    )?;
    tx.commit()?;
    Ok(Outcome::Taken)
}

/// Releases the lease if `claimant` holds it.
pub fn release(
    connection: &Connection,
    history: &QualifiedName,
    claimant: &Claimant,
) -> rusqlite::Result<()> {
    let table = lease_table(history);
    connection.execute(
        &format!("DELETE FROM {table} WHERE name = ?1 AND host = ?2 AND pid = ?3"),
        params![history.plain(), claimant.host, claimant.pid],
    )?;
    Ok(())
}

/// The live holder of the lease, if any.
pub fn holder(
    connection: &Connection,
    history: &QualifiedName,
    me: &Claimant,
) -> rusqlite::Result<Option<LockHolder>> {
    let exists: Option<i64> = connection
        .query_row(
            "SELECT 1 FROM pragma_table_list WHERE schema = ?1 AND name = 'plover_lock'",
            [&history.schema],
            |row| row.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(None);
    }
    let holder = read(connection, &lease_table(history), history)?;
    Ok(holder.filter(|h| is_alive(h, me)).map(|h| describe(&h)))
}

struct Lease {
    host: String,
    pid: i64,
    since: i64,
}

fn read(
    connection: &Connection,
    table: &str,
    history: &QualifiedName,
) -> rusqlite::Result<Option<Lease>> {
    connection
        .query_row(
            &format!("SELECT host, pid, since FROM {table} WHERE name = ?1"),
            [history.plain()],
            |row| {
                Ok(Lease {
                    host: row.get(0)?,
                    pid: row.get(1)?,
                    since: row.get(2)?,
                })
            },
        )
        .optional()
}

fn describe(lease: &Lease) -> LockHolder {
    LockHolder {
        host: Some(lease.host.clone()),
        pid: Some(lease.pid),
        since: Some(format_unix_seconds(lease.since)),
        detail: None,
    }
}

/// A lease is alive unless its process is known to be gone: on this host, not us, and no
/// longer running. A lease carrying our own pid is a leftover of an earlier process that had
/// our pid, since a process takes the lock once.
fn is_alive(lease: &Lease, me: &Claimant) -> bool {
    if lease.host != me.host {
        return true;
    }
    if lease.pid == i64::from(me.pid) {
        return false;
    }
    process_is_running(lease.pid)
}

#[cfg(target_os = "linux")]
fn process_is_running(pid: i64) -> bool {
    // A zombie (killed but not yet reaped) has a /proc entry but holds nothing.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_none_or(|(_, rest)| !rest.starts_with('Z')),
        Err(_) => false,
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
fn process_is_running(pid: i64) -> bool {
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(not(unix))]
fn process_is_running(_pid: i64) -> bool {
    true
}
