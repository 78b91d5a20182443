//! The history table: where it lives, creating it, reading and writing its rows.

use plover_core::sql::{QualifiedName, quote_ident};
use plover_core::{
    AppliedMigration, AppliedState, Dialect, Driver, DriverError, Row, Step, Value, Version,
};

use super::Options;
use crate::Error;

/// The columns [`History::parse`] reads, in its order.
pub const COLUMNS: &str = "version, name, checksum, status, statements_done, statements_total, \
     CAST(applied_at AS TEXT), execution_ms, applied_by, in_flight";

const SELECT_SCRIPT: &str = "SELECT script FROM {table} WHERE version = $1";

/// A new row; `execution_ms` is measured by the database, in the migration's transaction.
const INSERT: &str = "INSERT INTO {table} \
     (version, name, checksum, script, status, statements_done, statements_total, applied_by, lint_override, execution_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, {elapsed_ms})";

/// Progress of a no-transaction migration, committed with the statement it counts.
const PROGRESS: &str = "UPDATE {table} SET statements_done = $2, status = $3, statements_total = $4, \
     in_flight = NULL, execution_ms = execution_ms + {elapsed_ms} WHERE version = $1";

/// Progress after a statement that had to run outside any transaction, timed by the runner.
const PROGRESS_TIMED: &str = "UPDATE {table} SET statements_done = $2, status = $3, statements_total = $4, \
     in_flight = NULL, execution_ms = execution_ms + $5 WHERE version = $1";

/// Marks a statement about to run outside any transaction (`$2`, 1-based), or clears the mark
/// (`$2` NULL) when it failed: a mark that survives says the run stopped inside it.
const IN_FLIGHT: &str = "UPDATE {table} SET in_flight = $2 WHERE version = $1";

const DELETE: &str = "DELETE FROM {table} WHERE version = $1";

/// `in_flight` is cleared: the statement a crash stopped inside may be the one that was
/// edited, and what it left must not be taken for the new statement's work on resume.
const REBLESS: &str = "UPDATE {table} SET previous_checksum = checksum, checksum = $2, script = $3, \
     name = $4, statements_total = $5, accept_reason = $6, accepted_by = $7, accepted_at = CURRENT_TIMESTAMP, \
     in_flight = NULL WHERE version = $1";

const RETIRE: &str = "UPDATE {table} SET status = 'retired', accept_reason = $2, accepted_by = $3, \
     accepted_at = CURRENT_TIMESTAMP WHERE version = $1";

/// The history table of one target.
#[derive(Clone, Debug)]
pub struct History {
    /// Where it lives.
    pub table: QualifiedName,
    dialect: &'static Dialect,
}

/// A history row to insert.
pub struct NewRow<'a> {
    /// The migration's version.
    pub version: Version,
    /// Its name.
    pub name: &'a str,
    /// The checksum of `script`.
    pub checksum: String,
    /// The applied script, for diffs when the file changes later.
    pub script: &'a str,
    /// How far it got.
    pub state: AppliedState,
    /// Statements in the script.
    pub statements: usize,
    /// Who applied it.
    pub applied_by: &'a str,
    /// The lint errors `--force` overrode, if any.
    pub lint_override: Option<&'a str>,
}

impl History {
    /// The history table `table`, on a backend speaking `dialect`.
    pub fn at(table: QualifiedName, dialect: &'static Dialect) -> History {
        History { table, dialect }
    }

    /// Finds where the history table lives: the configured schema, or the connection's.
    pub async fn locate(db: &mut dyn Driver, options: &Options) -> Result<History, Error> {
        let dialect = db.dialect();
        let schema = match &options.history_schema {
            Some(schema) => schema.clone(),
            None => {
                let rows = db
                    .query(
                        &dialect.bind_style(dialect.history_schema),
                        &[Value::from(options.history_table.as_str())],
                    )
                    .await
                    .map_err(Error::database("finding the history table's schema"))?;
                rows.first()
                    .and_then(|r| r.first())
                    .and_then(Value::as_str)
                    .unwrap_or("public")
                    .to_owned()
            }
        };
        Ok(History {
            table: QualifiedName::new(schema, &options.history_table),
            dialect,
        })
    }

    fn sql(&self, template: &str) -> String {
        self.dialect.render(template, &self.table)
    }

    /// Whether the table exists yet.
    pub async fn exists(&self, db: &mut dyn Driver) -> Result<bool, Error> {
        let params = [
            Value::from(self.table.schema.as_str()),
            Value::from(self.table.name.as_str()),
        ];
        let rows = db
            .query(&self.sql(self.dialect.table_exists), &params)
            .await
            .map_err(self.failed("looking for"))?;
        Ok(!rows.is_empty())
    }

    /// Creates the schema (where the backend has schemas) and the table, when missing.
    pub async fn ensure(&self, db: &mut dyn Driver) -> Result<(), Error> {
        if self.exists(db).await? {
            return Ok(());
        }
        self.create(db).await
    }

    /// Creates the schema (where the backend has schemas, when missing) and the table, which
    /// [`History::exists`] just said is missing.
    pub async fn create(&self, db: &mut dyn Driver) -> Result<(), Error> {
        let schema = Value::from(self.table.schema.as_str());
        let schema_exists = !db
            .query(&self.sql(self.dialect.schema_exists), &[schema])
            .await
            .map_err(self.failed("creating"))?
            .is_empty();
        if !schema_exists {
            let Some(create) = self.dialect.create_schema else {
                return Err(Error::Database {
                    context: format!("creating the history table {}", self.table.plain()),
                    source: Box::new(plover_core::DriverError::new(
                        plover_core::ErrorKind::Query,
                        format!("schema {} does not exist", quote_ident(&self.table.schema)),
                    )),
                });
            };
            db.execute_script(&self.sql(create))
                .await
                .map_err(self.failed("creating the schema of"))?;
        }
        db.transaction(&[Step::Script(&self.sql(self.dialect.history_ddl))])
            .await
            .map_err(self.failed("creating"))
    }

    /// Every row, in version order; none when the table does not exist yet.
    pub async fn list(&self, db: &mut dyn Driver) -> Result<Vec<AppliedMigration>, Error> {
        if !self.exists(db).await? {
            return Ok(Vec::new());
        }
        self.rows(db).await
    }

    /// Every row, in version order, of the table [`History::exists`] just found.
    pub async fn rows(&self, db: &mut dyn Driver) -> Result<Vec<AppliedMigration>, Error> {
        let rows = db
            .query(&self.rows_query(), &[])
            .await
            .map_err(self.failed("reading"))?;
        rows.iter().map(|row| self.parse(row)).collect()
    }

    /// The query [`History::rows`] runs.
    pub fn rows_query(&self) -> String {
        self.sql(&format!("SELECT {COLUMNS} FROM {{table}} ORDER BY version"))
    }

    /// What a [`History::rows_query`] sent blind gave: the rows, or `None` when it failed
    /// because the table is not there yet. A table there by now (another runner created it
    /// since) is read again, and that read's error, if any, is the one reported.
    pub async fn rows_read(
        &self,
        db: &mut dyn Driver,
        read: Result<Vec<Row>, DriverError>,
    ) -> Result<Option<Vec<AppliedMigration>>, Error> {
        match read {
            Ok(rows) => rows
                .iter()
                .map(|row| self.parse(row))
                .collect::<Result<_, _>>()
                .map(Some),
            Err(_) if !self.exists(db).await? => Ok(None),
            Err(_) => self.rows(db).await.map(Some),
        }
    }

    /// The query and parameters of a [`Condition`](plover_core::Condition) that holds when
    /// this table holds exactly `rows` (in version order) as far as a plan can tell: the
    /// same versions, names, checksums and states, and the same statement in flight.
    pub fn matches(&self, rows: &[AppliedMigration]) -> (String, Vec<Value>) {
        let rows: Vec<serde_json::Value> = rows.iter().map(plan_relevant).collect();
        let json = serde_json::Value::Array(rows).to_string();
        (
            self.sql(self.dialect.history_matches),
            vec![Value::Text(json)],
        )
    }

    /// The script stored for `version`.
    pub async fn script(
        &self,
        db: &mut dyn Driver,
        version: Version,
    ) -> Result<Option<String>, Error> {
        let rows = db
            .query(&self.sql(SELECT_SCRIPT), &[Value::Int(version.0)])
            .await
            .map_err(self.failed("reading"))?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    /// One row, read from the [`COLUMNS`].
    pub fn parse(&self, row: &[Value]) -> Result<AppliedMigration, Error> {
        let corrupt = |what: &str| Error::CorruptHistory {
            table: self.table.plain(),
            detail: what.to_owned(),
        };
        let int = |i: usize| row.get(i).and_then(Value::as_i64);
        let text = |i: usize| {
            row.get(i)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let version = Version(int(0).ok_or_else(|| corrupt("a version is not an integer"))?);
        let checksum = text(2)
            .parse()
            .map_err(|_| corrupt(&format!("version {version} has checksum {:?}", text(2))))?;
        let count = |i: usize| usize::try_from(int(i).unwrap_or(0)).unwrap_or(0);
        let state = AppliedState::from_columns(&text(3), count(4), count(5))
            .ok_or_else(|| corrupt(&format!("version {version} has status {:?}", text(3))))?;
        Ok(AppliedMigration {
            version,
            name: text(1),
            checksum,
            state,
            applied_at: text(6),
            execution_ms: int(7).unwrap_or(0),
            applied_by: text(8),
            in_flight: int(9).and_then(|n| usize::try_from(n).ok()),
        })
    }

    fn failed(&self, action: &str) -> impl FnOnce(plover_core::DriverError) -> Error {
        Error::database(format!("{action} the history table {}", self.table.plain()))
    }

    /// The statement and parameters inserting `row`.
    pub fn insert(&self, row: &NewRow<'_>) -> (String, Vec<Value>) {
        let (done, total) = match row.state {
            AppliedState::Partial { done, total } => (done, total),
            AppliedState::Applied => (row.statements, row.statements),
            AppliedState::Baseline | AppliedState::Retired => (0, row.statements),
        };
        let params = vec![
            Value::Int(row.version.0),
            row.name.into(),
            row.checksum.clone().into(),
            row.script.into(),
            row.state.as_str().into(),
            Value::Int(done as i64),
            Value::Int(total as i64),
            row.applied_by.into(),
            row.lint_override.into(),
        ];
        (self.sql(INSERT), params)
    }

    /// The statement and parameters recording `done` of `total` statements of `version`;
    /// `elapsed_ms` when the statement ran outside the transaction that records it.
    pub fn progress(
        &self,
        version: Version,
        done: usize,
        total: usize,
        elapsed_ms: Option<i64>,
    ) -> (String, Vec<Value>) {
        let status = if done == total {
            AppliedState::Applied
        } else {
            AppliedState::Partial { done, total }
        };
        let mut params = vec![
            Value::Int(version.0),
            Value::Int(done as i64),
            status.as_str().into(),
            Value::Int(total as i64),
        ];
        match elapsed_ms {
            Some(ms) => {
                params.push(Value::Int(ms));
                (self.sql(PROGRESS_TIMED), params)
            }
            None => (self.sql(PROGRESS), params),
        }
    }

    /// The statement and parameters marking statement `number` of `version` as started
    /// outside any transaction, or clearing the mark (`None`).
    pub fn in_flight(&self, version: Version, number: Option<usize>) -> (String, Vec<Value>) {
        (
            self.sql(IN_FLIGHT),
            vec![Value::Int(version.0), number.map(|n| n as i64).into()],
        )
    }

    /// The statement deleting `version`'s row.
    pub fn delete(&self) -> String {
        self.sql(DELETE)
    }

    /// The statement and parameters re-blessing an edited migration.
    pub fn rebless(&self, row: &NewRow<'_>, reason: &str) -> (String, Vec<Value>) {
        let params = vec![
            Value::Int(row.version.0),
            row.checksum.clone().into(),
            row.script.into(),
            row.name.into(),
            Value::Int(row.statements as i64),
            reason.into(),
            row.applied_by.into(),
        ];
        (self.sql(REBLESS), params)
    }

    /// The statement and parameters retiring a migration whose file was removed.
    pub fn retire(&self, version: Version, reason: &str, by: &str) -> (String, Vec<Value>) {
        (
            self.sql(RETIRE),
            vec![Value::Int(version.0), reason.into(), by.into()],
        )
    }
}

/// One row as [`Dialect::history_matches`] reads it.
fn plan_relevant(row: &AppliedMigration) -> serde_json::Value {
    let (done, total) = match row.state {
        AppliedState::Partial { done, total } => (Some(done), Some(total)),
        _ => (None, None),
    };
    serde_json::json!([
        row.version.0,
        row.name,
        row.checksum.to_string(),
        row.state.as_str(),
        done,
        total,
        row.in_flight,
    ])
}
