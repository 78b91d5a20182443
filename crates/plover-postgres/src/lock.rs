//! The migration lock as a session-level advisory lock.
//!
//! A session lock is released by the server when the connection ends, so a runner killed
//! with SIGKILL cannot leave it behind. While it holds the lock, the session's
//! `application_name` says who it is (`plover <host>:<pid> <unix seconds>`), which is how a
//! waiting runner, or `plover status`, can name the holder.

use plover_core::time::format_unix_seconds;
use plover_core::{Claimant, LockHolder};

/// Takes the lock and, when it was free, labels the session; returns NULL when taken.
pub const TRY_LOCK: &str = "SELECT CASE WHEN pg_try_advisory_lock($1) \
     THEN set_config('application_name', $2, false) END";

/// Releases the lock and removes the label.
pub const UNLOCK: &str =
    "SELECT pg_advisory_unlock($1), set_config('application_name', 'plover', false)";

/// The session holding advisory lock ($1 high, $2 low 32 bits) in this database.
pub const HOLDER: &str = "SELECT a.pid, a.application_name, host(a.client_addr), \
     CAST(date_trunc('second', a.backend_start) AS text) \
     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
       AND l.classid::bigint = $1 AND l.objid::bigint = $2 \
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";

const LABEL_PREFIX: &str = "plover ";

/// `application_name` is truncated by the server at 63 bytes; the host name gives way.
pub fn label(claimant: &Claimant) -> String {
    let host: String = claimant.host.chars().take(32).collect();
    format!(
        "{LABEL_PREFIX}{host}:{} {}",
        claimant.pid, claimant.since_unix
    )
}

/// The two 32-bit halves of a 64-bit advisory lock key, as `pg_locks` shows them.
pub fn key_halves(key: i64) -> (i64, i64) {
    let bits = key as u64;
    ((bits >> 32) as i64, (bits & 0xffff_ffff) as i64)
}

/// Describes the holder from its `pg_stat_activity` row.
pub fn holder(
    backend_pid: i64,
    application_name: &str,
    address: Option<&str>,
    backend_start: Option<&str>,
) -> LockHolder {
    if let Some(parsed) = parse_label(application_name) {
        return parsed;
    }
    let detail = format!("server backend pid {backend_pid}, application_name {application_name:?}");
    LockHolder {
        host: address.map(str::to_owned),
        pid: None,
        since: backend_start.map(|s| format!("{s} (connection start)")),
        detail: Some(detail),
    }
}

fn parse_label(label: &str) -> Option<LockHolder> {
    let rest = label.strip_prefix(LABEL_PREFIX)?;
    let (host_pid, since) = rest.rsplit_once(' ')?;
    let (host, pid) = host_pid.rsplit_once(':')?;
    Some(LockHolder {
        host: Some(host.to_owned()),
        pid: pid.parse().ok(),
        since: since.parse().ok().map(format_unix_seconds),
        detail: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        let claimant = Claimant {
            host: "build-7".into(),
            pid: 4242,
            since_unix: 0,
            token: 7,
        };
        let holder = holder(99, &label(&claimant), None, None);
        assert_eq!(holder.host.as_deref(), Some("build-7"));
        assert_eq!(holder.pid, Some(4242));
        assert_eq!(holder.since.as_deref(), Some("1970-01-01 00:00:00 UTC"));
    }

    #[test]
    fn foreign_holders_are_described() {
        let holder = holder(99, "psql", Some("10.0.0.2"), Some("2026-11-21 10:00:00+00"));
        assert_eq!(
            holder.to_string(),
            "host 10.0.0.2, since 2026-11-21 10:00:00+00 (connection start), server backend pid 99, application_name \"psql\""
        );
    }

    #[test]
    fn keys_split_like_pg_locks() {
        assert_eq!(key_halves(-1), (0xffff_ffff, 0xffff_ffff));
        assert_eq!(key_halves(0x1_0000_0002), (1, 2));
    }
}
