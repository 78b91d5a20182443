//! Building a whole database beside the target and moving it into place only when every
//! file applied, so that a failed build leaves the target exactly as it was and nothing of
//! its own behind.
//!
//! On PostgreSQL the build goes into a fresh database with a deterministic name,
//! [`build_name`] (`<name>_plover_build`), so that one left by a run killed part way is
//! found and dropped by the next; when every file applied, the target is dropped (when it
//! exists) and the build renamed to it. On SQLite the build goes into `<file>.plover-build`
//! in the same directory, renamed over the file.

use std::path::Path;
use std::time::{Duration, Instant};

use plover_core::Checksum;
use plover_core::sql::quote_ident;

use super::apply::{Files, apply};
use super::database::connect;
use super::error::SchemaError;
use crate::database_url::{Backend, DatabaseUrl};

/// What moving the build into place does to the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Swap {
    /// The target does not exist: the build takes its name.
    Create,
    /// The target exists and has objects: the build replaces it.
    Replace,
}

/// The suffix of the name a PostgreSQL database is built under.
const BUILD_SUFFIX: &str = "_plover_build";

/// The suffix of the file a SQLite database is built in.
const SQLITE_SUFFIX: &str = ".plover-build";

/// The suffix the old SQLite file is moved aside under while the build takes its place.
const SQLITE_ASIDE: &str = ".plover-old";

/// A SQLite database's files: the file itself, its WAL and shared memory, its journal.
const SQLITE_FILES: [&str; 4] = ["", "-wal", "-shm", "-journal"];

/// The longest name PostgreSQL keeps; a longer one is silently cut to this.
const MAX_NAME_BYTES: usize = 63;

/// How long renaming the build waits for its own closed connection to leave the server.
const RENAME_PATIENCE: Duration = Duration::from_secs(10);

/// Builds `files` into a fresh database beside `url`'s and then moves it into place.
pub async fn build_beside(
    url: &DatabaseUrl,
    swap: Swap,
    files: &Files<'_>,
) -> Result<(), SchemaError> {
    let Some(name) = url.database_name() else {
        return Err(SchemaError::Usage(format!("{url} names no database")));
    };
    match url.backend() {
        Backend::Postgres => postgres(url, &name, swap, files).await,
        Backend::Sqlite => sqlite(url, &name, swap, files).await,
    }
}

/// The name a PostgreSQL database `name` is built under: `<name>_plover_build`, or, when
/// that would pass PostgreSQL's 63 bytes (and be cut back to something that may be `name`
/// itself), `name` cut short with a hash of it added.
fn build_name(name: &str) -> String {
    let plain = format!("{name}{BUILD_SUFFIX}");
    if plain.len() <= MAX_NAME_BYTES {
        return plain;
    }
    let hash = Checksum::of(name).short();
    let mut keep = MAX_NAME_BYTES - BUILD_SUFFIX.len() - hash.len() - 1;
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}_{hash}{BUILD_SUFFIX}", &name[..keep])
}

/// Connects to the fresh database and applies the files.
async fn fill(url: &DatabaseUrl, files: &Files<'_>) -> Result<(), SchemaError> {
    let mut db = connect(url).await?;
    apply(db.as_mut(), &[], files).await
}

async fn postgres(
    url: &DatabaseUrl,
    name: &str,
    swap: Swap,
    files: &Files<'_>,
) -> Result<(), SchemaError> {
    let build = build_name(name);
    // A build database left by a run killed part way holds nothing anyone needs.
    discard(url, &build).await?;
    maintenance(url, &format!("CREATE DATABASE {}", quote_ident(&build))).await?;
    if let Err(e) = fill(&url.with_database(&build), files).await {
        // Best effort: the build's own error is the one to report.
        let _ = discard(url, &build).await;
        return Err(e);
    }
    if swap == Swap::Replace {
        let sql = format!("DROP DATABASE {} WITH (FORCE)", quote_ident(name));
        if let Err(e) = maintenance(url, &sql).await {
            let _ = discard(url, &build).await;
            let context = format!(
                "cannot drop {name} to put the new build in its place; it is unchanged and the build was discarded"
            );
            return Err(with_context(e, context));
        }
    }
    rename(url, &build, name).await.map_err(|e| match swap {
        Swap::Create => e,
        Swap::Replace => with_context(
            e,
            format!(
                "{name} was dropped but the new build {build} could not be renamed to it; rename it by hand (ALTER DATABASE {} RENAME TO {})",
                quote_ident(&build),
                quote_ident(name)
            ),
        ),
    })
}

/// Drops the build database `build` when it exists.
async fn discard(url: &DatabaseUrl, build: &str) -> Result<(), SchemaError> {
    let sql = format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote_ident(build)
    );
    maintenance(url, &sql).await
}

/// Renames `build` to `name`, waiting for the build's connection, closed but perhaps not
/// yet gone from the server, since a database in use cannot be renamed.
async fn rename(url: &DatabaseUrl, build: &str, name: &str) -> Result<(), SchemaError> {
    // Assembled from strings: both names go through the quoting helper.
    let sql = format!(
        "ALTER DATABASE {} RENAME TO {}",
        quote_ident(build),
        quote_ident(name)
    );
    let deadline = Instant::now() + RENAME_PATIENCE;
    loop {
        match maintenance(url, &sql).await {
            Err(SchemaError::Database { source, .. })
                if source.code.as_deref() == Some("55006") && Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

/// `error` with `context` in place of its own: what the swap left behind must be said
/// whether the server refused the statement or could not be reached for it.
fn with_context(error: SchemaError, context: String) -> SchemaError {
    match error {
        SchemaError::Database { source, .. } => SchemaError::Database { context, source },
        SchemaError::Connect { url, source } => SchemaError::Database {
            context: format!("{context} (cannot connect to {url})"),
            source,
        },
        other => other,
    }
}

/// Runs `sql` on the server's maintenance database (`postgres`, else `template1`).
async fn maintenance(url: &DatabaseUrl, sql: &str) -> Result<(), SchemaError> {
    let mut last = None;
    for name in ["postgres", "template1"] {
        match crate::connect(&url.with_database(name)).await {
            Ok(mut db) => {
                return db
                    .execute_script(sql)
                    .await
                    .map_err(|source| SchemaError::Database {
                        context: format!("cannot run `{sql}`"),
                        source: Box::new(source),
                    });
            }
            Err(e) => last = Some(e),
        }
    }
    Err(SchemaError::Connect {
        url: url.with_database("postgres").to_string(),
        source: Box::new(last.expect("two attempts")),
    })
}

async fn sqlite(
    url: &DatabaseUrl,
    path: &str,
    swap: Swap,
    files: &Files<'_>,
) -> Result<(), SchemaError> {
    refuse_old_aside(path)?;
    let build = format!("{path}{SQLITE_SUFFIX}");
    // A build file left by a run killed part way holds nothing anyone needs.
    remove_sqlite(&build)?;
    if let Err(e) = fill(&url.with_database(&build), files).await {
        let _ = remove_sqlite(&build);
        return Err(e);
    }
    let result = match swap {
        Swap::Create => move_file(&build, path),
        Swap::Replace => replace_sqlite(&build, path),
    };
    if result.is_err() {
        let _ = remove_sqlite(&build);
    }
    result
}

/// The old file moved aside by a swap killed before it finished may be the only copy of
/// the old database: it is the user's to put back or remove, never Plover's to delete.
fn refuse_old_aside(path: &str) -> Result<(), SchemaError> {
    let aside = format!("{path}{SQLITE_ASIDE}");
    if !Path::new(&aside).exists() {
        return Ok(());
    }
    Err(SchemaError::Usage(format!(
        "{aside} is left from a `--recreate` that was stopped part way and may hold the old \
         database: move it back to {path} (with its -wal file, if any) or remove it, then run \
         again"
    )))
}

/// Puts the build in place of the old file. The old file and its journal and WAL (which,
/// left next to the new file, would be replayed into it) are moved aside first, not
/// removed, and moved back when anything fails, so the old database never loses a commit.
fn replace_sqlite(build: &str, path: &str) -> Result<(), SchemaError> {
    let aside = format!("{path}{SQLITE_ASIDE}");
    remove_sqlite(&aside)?;
    let mut moved = Vec::new();
    let mut result = Ok(());
    for suffix in SQLITE_FILES {
        let (from, to) = (format!("{path}{suffix}"), format!("{aside}{suffix}"));
        if !Path::new(&from).exists() {
            continue;
        }
        result = move_file(&from, &to);
        if result.is_err() {
            break;
        }
        moved.push((from, to));
    }
    if result.is_ok() {
        result = move_file(build, path);
    }
    match result {
        Ok(()) => remove_sqlite(&aside),
        Err(e) => {
            for (from, to) in moved.iter().rev() {
                let _ = std::fs::rename(to, from);
            }
            Err(e)
        }
    }
}

fn move_file(from: &str, to: &str) -> Result<(), SchemaError> {
    std::fs::rename(from, to).map_err(|e| SchemaError::File {
        path: to.into(),
        message: format!("cannot move {from} here: {e}"),
    })
}

/// Removes a SQLite file with its journal and WAL, when they exist.
fn remove_sqlite(path: &str) -> Result<(), SchemaError> {
    for suffix in SQLITE_FILES {
        let file = format!("{path}{suffix}");
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(SchemaError::File {
                    path: Path::new(&file).to_owned(),
                    message: format!("cannot remove it: {e}"),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_names_fit_and_never_equal_the_target() {
        assert_eq!(build_name("app"), "app_plover_build");
        for name in ["a".repeat(50), "b".repeat(63), "é".repeat(31)] {
            let build = build_name(&name);
            assert!(build.len() <= MAX_NAME_BYTES, "{build}");
            assert!(build.ends_with(BUILD_SUFFIX), "{build}");
            assert_ne!(&build[..MAX_NAME_BYTES.min(build.len())], name);
        }
        assert_ne!(build_name(&"c".repeat(60)), build_name(&"c".repeat(61)));
    }

    #[test]
    fn the_old_file_and_its_wal_come_back_when_the_build_cannot_move_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db").display().to_string();
        let file = |suffix: &str| format!("{path}{suffix}");
        let read = |name: String| std::fs::read_to_string(name).ok();
        std::fs::write(file(""), "old").unwrap();
        std::fs::write(file("-wal"), "old commits").unwrap();

        let missing = file(".plover-build");
        assert!(replace_sqlite(&missing, &path).is_err());
        assert_eq!(read(file("")).as_deref(), Some("old"));
        assert_eq!(read(file("-wal")).as_deref(), Some("old commits"));

        std::fs::write(file(SQLITE_ASIDE), "an interrupted swap's").unwrap();
        let refused = refuse_old_aside(&path).unwrap_err().to_string();
        assert!(refused.contains("may hold the old database"), "{refused}");
        std::fs::remove_file(file(SQLITE_ASIDE)).unwrap();
        assert!(refuse_old_aside(&path).is_ok());

        std::fs::write(&missing, "new").unwrap();
        replace_sqlite(&missing, &path).unwrap();
        assert_eq!(read(file("")).as_deref(), Some("new"));
        for gone in ["-wal", SQLITE_SUFFIX, SQLITE_ASIDE, ".plover-old-wal"] {
            assert_eq!(read(file(gone)), None, "{gone}");
        }
    }
}
