//! Reading each side of a comparison into a catalog, and `schema diff` / `schema drift`.

use std::path::Path;

use plover_core::Driver;
use plover_core::Version;
use plover_core::schema::{Catalog, Change, Scope, diff};
use plover_core::status::State;
use serde::Serialize;

use super::apply::{apply, check};
use super::database::{connect_existing, introspect, introspect_live};
use super::error::SchemaError;
use super::scratch::{ScratchServer, with_scratch};
use super::side::Side;
use super::tree::{Concatenation, TreeSettings, concatenate, join};
use crate::database_url::{Backend, DatabaseUrl};
use crate::lint::Preflight;
use crate::migrator::{Migrator, Options, StatusReport};
use crate::observer::Silent;

/// How a comparison reads directories and where it builds them.
#[derive(Clone, Debug)]
pub struct CompareOptions {
    /// The server to build scratch databases on; by default the first PostgreSQL side's,
    /// else the configured database's backend.
    pub scratch_url: Option<DatabaseUrl>,
    /// The configured database, the last resort for choosing a scratch server.
    pub configured: DatabaseUrl,
    /// How migrations directories are replayed, and which bookkeeping tables to leave out.
    pub migrator: Options,
}

/// The result of `schema diff`.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// The first side, as shown to people (passwords redacted).
    pub source: String,
    /// The second side.
    pub target: String,
    /// What turns the first into the second.
    pub changes: Vec<Change>,
}

/// Compares two sides: the changes that turn `source` into `target`.
///
/// When either side names one schema (`#schema=`), both are read as one schema (the other
/// side's `public`, or `main` on SQLite) and compared whatever the schemas are called.
pub async fn compare(
    source: &Side,
    target: &Side,
    options: &CompareOptions,
) -> Result<Comparison, SchemaError> {
    let server = scratch_server(options, &[source, target]);
    let single = source.schema().is_some() || target.schema().is_some();
    let mut before = read_side(source, single, &server, &options.migrator).await?;
    let mut after = read_side(target, single, &server, &options.migrator).await?;
    if single {
        let name = target.schema().or(source.schema()).unwrap_or("public");
        rename_only_schema(&mut before, name);
        rename_only_schema(&mut after, name);
    }
    Ok(Comparison {
        source: source.to_string(),
        target: target.to_string(),
        changes: diff(&before, &after),
    })
}

/// The result of `schema drift`.
#[derive(Clone, Debug, Serialize)]
pub struct DriftReport {
    /// The live database (password redacted).
    pub database: String,
    /// The highest applied version replayed; none when no applied migration has a file.
    pub replayed_to: Option<i64>,
    /// Applied migrations whose file was edited since: the replay uses the files as they
    /// are now.
    pub edited: Vec<i64>,
    /// Applied migrations whose file was removed since: the replay goes without them.
    pub removed: Vec<i64>,
    /// `edited` and `removed` together, in version order (the field older readers know).
    pub edited_or_missing: Vec<i64>,
    /// What differs between what the applied migrations produce and the live database:
    /// "added" objects exist only in the live database.
    pub changes: Vec<Change>,
}

/// Whether the live database at `url` (or its `schema`) matches what its applied migrations
/// produce when replayed into a scratch database.
pub async fn drift(
    url: &DatabaseUrl,
    schema: Option<&str>,
    migrations_dir: &Path,
    options: &CompareOptions,
) -> Result<DriftReport, SchemaError> {
    let migrator = replay_migrator(migrations_dir, &options.migrator)?;
    let mut live = connect_existing(url).await?;
    let status = migrator
        .status(live.as_mut())
        .await
        .map_err(|e| replay_error(migrations_dir, e))?;
    let history = AppliedHistory::of(&status);
    let scope = schema.map_or_else(Scope::all, Scope::schema);
    let mut actual = introspect_live(live.as_mut(), url, &scope, schema).await?;
    drop(live);
    without_bookkeeping(&mut actual, &options.migrator);
    let replay = history.replay(&migrator);
    let server = ScratchServer::for_url(options.scratch_url.as_ref().unwrap_or(url));
    let mut expected = with_scratch(&server, async |db: &mut dyn Driver| {
        replay
            .up(db, None, &mut Silent)
            .await
            .map_err(|e| replay_error(migrations_dir, e))?;
        read_scratch(db, schema.is_some(), &options.migrator).await
    })
    .await?;
    if let Some(schema) = schema {
        // Both sides alike, so that the schema's own comment is compared on neither.
        rename_only_schema(&mut expected, schema);
        rename_only_schema(&mut actual, schema);
    }
    Ok(DriftReport {
        database: schema.map_or_else(|| url.to_string(), |s| format!("{url}#schema={s}")),
        replayed_to: history.replayed.iter().max().map(|v| v.0),
        edited_or_missing: history.edited_or_removed(),
        edited: history.edited,
        removed: history.removed,
        changes: diff(&expected, &actual),
    })
}

/// What the history table says about the migrations files, for a drift check.
struct AppliedHistory {
    /// The applied versions that have a file, in order: exactly what the replay runs.
    replayed: Vec<Version>,
    /// Applied versions whose file was edited since.
    edited: Vec<i64>,
    /// Applied versions whose file is gone (and not retired with `plover accept`).
    removed: Vec<i64>,
}

impl AppliedHistory {
    fn of(status: &StatusReport) -> Self {
        let applied = || status.migrations.iter().filter(|m| m.applied_at.is_some());
        let in_state = |state: State| {
            applied()
                .filter(|m| m.state == state)
                .map(|m| m.version.0)
                .collect()
        };
        AppliedHistory {
            replayed: applied()
                .filter(|m| !matches!(m.state, State::Missing | State::Retired))
                .map(|m| m.version)
                .collect(),
            edited: in_state(State::Modified),
            removed: in_state(State::Missing),
        }
    }

    /// A migrator holding only the applied migrations. Pending ones stay out, also those
    /// below the highest applied version (out of order): they are not in the live database,
    /// so replaying them would show them as drift.
    fn replay(&self, migrator: &Migrator) -> Migrator {
        let applied = migrator
            .migrations()
            .iter()
            .filter(|m| self.replayed.contains(&m.version))
            .cloned()
            .collect();
        Migrator::new(applied, migrator.options().clone())
    }

    fn edited_or_removed(&self) -> Vec<i64> {
        let mut versions = [self.edited.as_slice(), &self.removed].concat();
        versions.sort_unstable();
        versions
    }
}

/// The schema of the database at `url` (or of its `schema`), without Plover's own tables.
pub async fn dump(
    url: &DatabaseUrl,
    schema: Option<&str>,
    options: &Options,
) -> Result<Catalog, SchemaError> {
    let side = Side::Database {
        url: url.clone(),
        schema: schema.map(str::to_owned),
    };
    read_side(&side, false, &ScratchServer::for_url(url), options).await
}

/// Reads one side into a catalog, building directories in a scratch database.
async fn read_side(
    side: &Side,
    single: bool,
    server: &ScratchServer,
    options: &Options,
) -> Result<Catalog, SchemaError> {
    match side {
        Side::Database { url, schema } => {
            let mut db = connect_existing(url).await?;
            let scope = match (schema, single) {
                (Some(schema), _) => Scope::schema(schema.as_str()),
                (None, true) => Scope::schema(default_schema(url.backend())),
                (None, false) => Scope::all(),
            };
            let mut catalog = introspect_live(db.as_mut(), url, &scope, schema.as_deref()).await?;
            without_bookkeeping(&mut catalog, options);
            Ok(catalog)
        }
        Side::Migrations(dir) => {
            let migrator = replay_migrator(dir, options)?;
            with_scratch(server, async |db: &mut dyn Driver| {
                migrator
                    .up(db, None, &mut Silent)
                    .await
                    .map_err(|e| replay_error(dir, e))?;
                read_scratch(db, single, options).await
            })
            .await
        }
        Side::Ddl(path) => {
            let ddl = ddl_of(path)?;
            with_scratch(server, async |db: &mut dyn Driver| {
                let no_seeds = join(&[]);
                let files = check(&ddl, &no_seeds, db.dialect().syntax)?;
                apply(db, &[], &files).await?;
                read_scratch(db, single, options).await
            })
            .await
        }
    }
}

async fn read_scratch(
    db: &mut dyn Driver,
    single: bool,
    options: &Options,
) -> Result<Catalog, SchemaError> {
    let backend = if db.dialect().name == "sqlite" {
        Backend::Sqlite
    } else {
        Backend::Postgres
    };
    let scope = if single {
        Scope::schema(default_schema(backend))
    } else {
        Scope::all()
    };
    let mut catalog = introspect(db, &scope).await?;
    without_bookkeeping(&mut catalog, options);
    Ok(catalog)
}

/// A migrator that replays a directory as it is: no lint preflight, since the point is to
/// see what the migrations produce, not to judge them.
fn replay_migrator(dir: &Path, options: &Options) -> Result<Migrator, SchemaError> {
    let mut options = options.clone();
    options.lint.preflight = Preflight::Off;
    Migrator::from_directory(dir, options).map_err(|e| replay_error(dir, e))
}

fn replay_error(dir: &Path, error: crate::Error) -> SchemaError {
    SchemaError::Replay {
        dir: dir.to_owned(),
        source: Box::new(error),
    }
}

/// The DDL of a directory tree, or of one file.
fn ddl_of(path: &Path) -> Result<Concatenation, SchemaError> {
    if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| SchemaError::Io {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        return Ok(join(&[(path.display().to_string(), text)]));
    }
    let settings = TreeSettings {
        base: path.parent().unwrap_or(Path::new("")).to_owned(),
        dirs: vec![path.to_owned()],
        ..TreeSettings::default()
    };
    concatenate(&settings, "the DDL directory")
}

/// The scratch server: `--scratch-url`, else the first PostgreSQL side's server, else the
/// configured database's backend.
fn scratch_server(options: &CompareOptions, sides: &[&Side]) -> ScratchServer {
    if let Some(url) = &options.scratch_url {
        return ScratchServer::for_url(url);
    }
    let database = |backend| {
        sides.iter().find_map(|side| match side {
            Side::Database { url, .. } if url.backend() == backend => Some(url),
            _ => None,
        })
    };
    let url = database(Backend::Postgres)
        .or_else(|| database(Backend::Sqlite))
        .unwrap_or(&options.configured);
    ScratchServer::for_url(url)
}

fn default_schema(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "public",
        Backend::Sqlite => "main",
    }
}

/// Gives the only schema of a one-schema catalog the name `name`. What is compared is then
/// the schema's contents: its own comment (PostgreSQL's `public` has one out of the box)
/// belongs to the schema, not to what is in it.
fn rename_only_schema(catalog: &mut Catalog, name: &str) {
    if catalog.schemas.len() == 1 {
        let (_, mut schema) = catalog.schemas.pop_first().expect("one schema");
        schema.comment = None;
        catalog.schemas.insert(name.to_owned(), schema);
    }
}

/// Leaves out Plover's own tables, and the history schema when nothing else is in it.
fn without_bookkeeping(catalog: &mut Catalog, options: &Options) {
    for schema in catalog.schemas.values_mut() {
        schema.tables.remove(&options.history_table);
        schema.tables.remove("plover_lock");
    }
    if let Some(history_schema) = &options.history_schema
        && catalog
            .schemas
            .get(history_schema)
            .is_some_and(|s| *s == Default::default())
    {
        catalog.schemas.remove(history_schema);
    }
}
