//! The migration lock as a lease row in `plover_lock`, written under `BEGIN IMMEDIATE`.
//!
//! SQLite has no session locks that die with their process, so the lock is a row naming its
//! holder: host, PID namespace, pid, a random token, since when, and a heartbeat the holder
//! renews after every migration. A lease is stale, and taken over, when its process is known
//! to be gone (same host and PID namespace, pid no longer running) or, for a holder this
//! machine cannot check, when its heartbeat is older than [`LEASE_TTL`].

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use plover_core::sql::{QualifiedName, quote_literal};
use plover_core::time::format_unix_seconds;
use plover_core::{Claimant, LockHolder};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// How long a lease from a holder this machine cannot check lasts without a heartbeat.
pub const LEASE_TTL: Duration = Duration::from_secs(600);

/// Whether the lease was taken, and otherwise who holds it.
pub enum Outcome {
    /// Ours now.
    Taken,
    /// Someone else's.
    Held(LockHolder),
}

struct Lease {
    host: String,
    namespace: String,
    pid: i64,
    token: String,
    since: i64,
    heartbeat: i64,
}

/// The lease table beside the history table.
fn lease_table(history: &QualifiedName) -> QualifiedName {
    history.sibling("plover_lock")
}

/// Tries once to take the lease guarding `history`. The lease is read first without a write
/// lock, so that a held lease is reported at once rather than after waiting on its holder's
/// writes.
pub fn try_take(
    connection: &mut Connection,
    history: &QualifiedName,
    claimant: &Claimant,
) -> rusqlite::Result<Outcome> {
    let now = unix_now();
    if let Some(lease) = read(connection, history)?
        && is_alive(&lease, claimant, now)
    {
        return Ok(Outcome::Held(describe(&lease, history)));
    }
    let table = lease_table(history);
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(&include_str!("../sql/lock.sql").replace("{table}", &table.to_string()))?;
    if let Some(lease) = read(&tx, history)?
        && is_alive(&lease, claimant, now)
    {
        return Ok(Outcome::Held(describe(&lease, history)));
    }
    tx.execute(
        &format!(
            "INSERT OR REPLACE INTO {table} (name, host, namespace, pid, token, since, heartbeat) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        ),
        params![
            history.plain(),
            claimant.host,
            pid_namespace(),
            claimant.pid,
            claimant.token.to_string(),
            claimant.since_unix,
            now
        ],
    )?;
    tx.commit()?;
    Ok(Outcome::Taken)
}

/// Renews the heartbeat of the lease `claimant` holds; `false` when it no longer holds it
/// (another runner judged it stale and took it over).
pub fn renew(
    connection: &Connection,
    history: &QualifiedName,
    claimant: &Claimant,
) -> rusqlite::Result<bool> {
    let table = lease_table(history);
    let updated = connection.execute(
        &format!("UPDATE {table} SET heartbeat = ?1 WHERE name = ?2 AND token = ?3"),
        params![unix_now(), history.plain(), claimant.token.to_string()],
    )?;
    Ok(updated == 1)
}

/// Releases the lease if `claimant` holds it.
pub fn release(
    connection: &Connection,
    history: &QualifiedName,
    claimant: &Claimant,
) -> rusqlite::Result<()> {
    let table = lease_table(history);
    connection.execute(
        &format!("DELETE FROM {table} WHERE name = ?1 AND token = ?2"),
        params![history.plain(), claimant.token.to_string()],
    )?;
    Ok(())
}

/// The live holder of the lease, if any.
pub fn holder(
    connection: &Connection,
    history: &QualifiedName,
    me: &Claimant,
) -> rusqlite::Result<Option<LockHolder>> {
    let lease = read(connection, history)?;
    Ok(lease
        .filter(|l| is_alive(l, me, unix_now()))
        .map(|l| describe(&l, history)))
}

fn read(connection: &Connection, history: &QualifiedName) -> rusqlite::Result<Option<Lease>> {
    let table = lease_table(history);
    let exists: Option<i64> = connection
        .query_row(
            "SELECT 1 FROM pragma_table_list WHERE schema = ?1 AND name = ?2",
            [&table.schema, &table.name],
            |row| row.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(None);
    }
    connection
        .query_row(
            &format!(
                "SELECT host, namespace, pid, token, since, heartbeat FROM {table} WHERE name = ?1"
            ),
            [history.plain()],
            |row| {
                Ok(Lease {
                    host: row.get(0)?,
                    namespace: row.get(1)?,
                    pid: row.get(2)?,
                    token: row.get(3)?,
                    since: row.get(4)?,
                    heartbeat: row.get(5)?,
                })
            },
        )
        .optional()
}

/// Who holds `lease`, and, for a holder this machine cannot check, the way out.
fn describe(lease: &Lease, history: &QualifiedName) -> LockHolder {
    let detail = Some(format!(
        "last heartbeat {}; if that process is gone the lease expires {} minutes after it, or remove it now with: \
         DELETE FROM {} WHERE name = {}",
        format_unix_seconds(lease.heartbeat),
        LEASE_TTL.as_secs() / 60,
        lease_table(history),
        quote_literal(&history.plain())
    ));
    LockHolder {
        host: Some(lease.host.clone()),
        pid: Some(lease.pid),
        since: Some(format_unix_seconds(lease.since)),
        detail,
    }
}

/// Whether `lease` was written on this machine, in this PID namespace, where its pid can be
/// checked.
fn is_local(lease: &Lease, me: &Claimant) -> bool {
    lease.host == me.host && lease.namespace == pid_namespace()
}

/// A lease is alive unless its process is known to be gone, or it is ours.
fn is_alive(lease: &Lease, me: &Claimant, now: i64) -> bool {
    if lease.token == me.token.to_string() {
        return false;
    }
    // Without a heartbeat for that long, a lease is stale wherever it comes from: its pid
    // may even have been reused (after a reboot, say).
    if now - lease.heartbeat >= LEASE_TTL.as_secs() as i64 {
        return false;
    }
    if !is_local(lease, me) {
        return true;
    }
    // Another runner in this very process holds it; otherwise ask the operating system.
    lease.pid == i64::from(me.pid) || process_is_running(lease.pid)
}

/// The PID namespace (Linux), so that two containers sharing a host name and a database
/// file do not judge each other's pids.
fn pid_namespace() -> String {
    static NAMESPACE: OnceLock<String> = OnceLock::new();
    NAMESPACE
        .get_or_init(|| {
            std::fs::read_link("/proc/self/ns/pid")
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        })
        .clone()
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn claimant(host: &str, pid: u32, token: u64) -> Claimant {
        Claimant {
            host: host.into(),
            pid,
            since_unix: 0,
            token,
        }
    }

    fn history() -> QualifiedName {
        QualifiedName::new("main", "plover_migrations")
    }

    /// Writes a lease as another machine would have.
    fn foreign_lease(connection: &Connection, heartbeat: i64) {
        let sql = include_str!("../sql/lock.sql").replace("{table}", "\"main\".\"plover_lock\"");
        connection.execute_batch(&sql).unwrap();
        connection
            .execute(
                "INSERT INTO plover_lock VALUES ('main.plover_migrations', 'elsewhere', 'pid:[1]', 7, '99', 0, ?1)",
                [heartbeat],
            )
            .unwrap();
    }

    #[test]
    fn a_lease_from_another_machine_lasts_until_its_heartbeat_expires() {
        let mut connection = Connection::open_in_memory().unwrap();
        foreign_lease(&connection, unix_now());
        let me = claimant("here", std::process::id(), 1);
        let Outcome::Held(holder) = try_take(&mut connection, &history(), &me).unwrap() else {
            panic!("taken")
        };
        assert_eq!(holder.host.as_deref(), Some("elsewhere"));
        assert!(holder.detail.unwrap().contains(
            "DELETE FROM \"main\".\"plover_lock\" WHERE name = 'main.plover_migrations'"
        ));

        connection
            .execute(
                "UPDATE plover_lock SET heartbeat = ?1",
                [unix_now() - LEASE_TTL.as_secs() as i64 - 1],
            )
            .unwrap();
        assert!(matches!(
            try_take(&mut connection, &history(), &me).unwrap(),
            Outcome::Taken
        ));
    }

    #[test]
    fn runners_in_one_process_do_not_take_each_others_lease() {
        let mut connection = Connection::open_in_memory().unwrap();
        let first = claimant("here", std::process::id(), 1);
        let second = claimant("here", std::process::id(), 2);
        assert!(matches!(
            try_take(&mut connection, &history(), &first).unwrap(),
            Outcome::Taken
        ));
        assert!(matches!(
            try_take(&mut connection, &history(), &second).unwrap(),
            Outcome::Held(_)
        ));
        release(&connection, &history(), &first).unwrap();
        assert!(matches!(
            try_take(&mut connection, &history(), &second).unwrap(),
            Outcome::Taken
        ));
    }

    #[test]
    fn a_taken_over_lease_cannot_be_renewed() {
        let mut connection = Connection::open_in_memory().unwrap();
        let me = claimant("here", std::process::id(), 1);
        assert!(matches!(
            try_take(&mut connection, &history(), &me).unwrap(),
            Outcome::Taken
        ));
        assert!(renew(&connection, &history(), &me).unwrap());
        connection
            .execute("UPDATE plover_lock SET token = '2'", [])
            .unwrap();
        assert!(!renew(&connection, &history(), &me).unwrap());
    }

    #[test]
    fn a_local_lease_without_heartbeats_expires_even_if_its_pid_runs() {
        let mut connection = Connection::open_in_memory().unwrap();
        let other_runner_here = claimant("here", 1, 5);
        assert!(matches!(
            try_take(&mut connection, &history(), &other_runner_here).unwrap(),
            Outcome::Taken
        ));
        let me = claimant("here", std::process::id(), 6);
        assert!(
            matches!(
                try_take(&mut connection, &history(), &me).unwrap(),
                Outcome::Held(_)
            ),
            "pid 1 runs"
        );
        connection
            .execute("UPDATE plover_lock SET heartbeat = 0", [])
            .unwrap();
        assert!(matches!(
            try_take(&mut connection, &history(), &me).unwrap(),
            Outcome::Taken
        ));
    }

    #[test]
    fn a_lease_of_a_dead_local_process_is_taken_over() {
        let mut connection = Connection::open_in_memory().unwrap();
        let dead = claimant("here", u32::MAX - 1, 1);
        assert!(matches!(
            try_take(&mut connection, &history(), &dead).unwrap(),
            Outcome::Taken
        ));
        let me = claimant("here", std::process::id(), 2);
        assert!(matches!(
            try_take(&mut connection, &history(), &me).unwrap(),
            Outcome::Taken
        ));
    }
}
