//! `tenants seed`: one SQL file run in every selected tenant, each in one transaction.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use plover_core::body::{line_at, prepare_in_transaction};
use plover_core::sql::Syntax;
use plover_core::{Driver, DriverError, Value};
use serde::Serialize;

use super::pool::{Attempt, Ran, TenantJob, fan_out};
use super::{Fleet, FleetHooks, Outcome, Selection, Tenant, TenantError, TenantResult};

/// One tenant's seeding.
#[derive(Clone, Debug, Serialize)]
pub struct TenantSeed {
    /// The tenant.
    #[serde(flatten)]
    pub tenant: Tenant,
    /// How it ended; a failed seed changed nothing in that tenant.
    pub outcome: Outcome,
    /// Rows the file inserted, updated or deleted.
    pub rows: u64,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: f64,
}

/// `tenants seed`: `total == succeeded + failed + skipped`.
#[derive(Clone, Debug, Serialize)]
pub struct SeedReport {
    /// The seed file.
    pub file: String,
    /// Tenants selected.
    pub total: usize,
    /// Seeded.
    pub succeeded: usize,
    /// Failed (rolled back).
    pub failed: usize,
    /// Not started.
    pub skipped: usize,
    /// Rows touched in all tenants.
    pub rows: u64,
    /// Every tenant, in selection order.
    pub tenants: Vec<TenantSeed>,
}

impl Fleet {
    /// Runs the SQL file `file` in each selected tenant (its schema first on the search
    /// path), each tenant in one transaction. A seed written idempotently (`ON CONFLICT DO
    /// NOTHING`, `WHERE NOT EXISTS`) can run again without duplicating rows; the report
    /// says how many rows each run touched.
    pub async fn seed(
        &self,
        selection: &Selection,
        file: &Path,
        concurrency: Option<usize>,
        hooks: Arc<dyn FleetHooks>,
    ) -> Result<SeedReport, TenantError> {
        let seed = SeedScript::read(file)?;
        let mut db = self.connect().await?;
        let tenants = self.select(db.as_mut(), selection).await?;
        drop(db);
        let job = Arc::new(SeedJob { seed, hooks });
        let concurrency = concurrency.unwrap_or(self.settings.concurrency);
        let tenants = fan_out(self, job, tenants, concurrency, false).await;
        let count = |o: Outcome| tenants.iter().filter(|t| t.outcome == o).count();
        Ok(SeedReport {
            file: file.display().to_string(),
            total: tenants.len(),
            succeeded: count(Outcome::Succeeded),
            failed: count(Outcome::Failed),
            skipped: count(Outcome::Skipped),
            rows: tenants.iter().map(|t| t.rows).sum(),
            tenants,
        })
    }

    /// Seeds one tenant on `db`, whose search path is already the tenant's schema.
    pub(crate) async fn seed_one(
        db: &mut dyn Driver,
        tenant: &Tenant,
        seed: &SeedScript,
    ) -> Result<u64, String> {
        let exists = db
            .query(
                "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
                &[Value::from(tenant.schema.as_str())],
            )
            .await
            .map_err(|e| format!("looking up schema {}: {e}", tenant.schema))?;
        if exists.is_empty() {
            return Err(format!(
                "schema {} does not exist; `plover tenants create {}` makes it",
                tenant.schema, tenant.id
            ));
        }
        db.execute_counted(seed.sql())
            .await
            .map_err(|e| seed.error(&e))
    }
}

/// A seed file, checked: it runs in the transaction Plover opens for each tenant, so a
/// whole-file `BEGIN; ... COMMIT;` is left out and any other transaction control is refused
/// before any tenant is touched (a `COMMIT` in the middle would keep half the seed).
pub(crate) struct SeedScript {
    text: String,
    /// What runs: the file without its wrapper.
    body: Range<usize>,
    /// The line in the file of each statement of the body.
    lines: Vec<usize>,
}

impl SeedScript {
    pub(crate) fn read(path: &Path) -> Result<SeedScript, TenantError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| TenantError::SeedFile {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let body = prepare_in_transaction(&shown, &text, Syntax::POSTGRES)?;
        let (body, lines) = (
            body.offset..body.offset + body.sql.len(),
            body.statements.iter().map(|s| s.line).collect(),
        );
        Ok(SeedScript { text, body, lines })
    }

    fn sql(&self) -> &str {
        &self.text[self.body.clone()]
    }

    /// The error of a failed seed, led by the file's line of the statement that failed:
    /// from the error's position (a syntax error), else from the statement's index.
    fn error(&self, error: &DriverError) -> String {
        let line = match (error.position, error.step) {
            (Some(offset), _) => Some(line_at(&self.text, self.body.start + offset)),
            (None, Some(step)) => self.lines.get(step).copied(),
            (None, None) => None,
        };
        match line {
            Some(line) => format!("line {line}: {error}"),
            None => error.to_string(),
        }
    }
}

struct SeedJob {
    seed: SeedScript,
    hooks: Arc<dyn FleetHooks>,
}

impl SeedJob {
    fn report(&self, seed: &TenantSeed) {
        self.hooks.after_tenant(&TenantResult {
            tenant: seed.tenant.clone(),
            outcome: seed.outcome,
            applied: Vec::new(),
            planned: Vec::new(),
            error: seed.error.clone(),
            duration_ms: seed.duration_ms,
        });
    }

    fn failed(tenant: &Tenant, error: String, outcome: Outcome) -> TenantSeed {
        TenantSeed {
            tenant: tenant.clone(),
            outcome,
            rows: 0,
            error: Some(error),
            duration_ms: 0.0,
        }
    }
}

#[async_trait]
impl TenantJob for SeedJob {
    type Output = TenantSeed;

    async fn run(&self, db: &mut dyn Driver, tenant: &Tenant, _: Attempt) -> Ran<TenantSeed> {
        self.hooks.before_tenant(tenant);
        let started = Instant::now();
        let mut seed = match Fleet::seed_one(db, tenant, &self.seed).await {
            Ok(rows) => TenantSeed {
                tenant: tenant.clone(),
                outcome: Outcome::Succeeded,
                rows,
                error: None,
                duration_ms: 0.0,
            },
            Err(error) => SeedJob::failed(tenant, error, Outcome::Failed),
        };
        seed.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        self.report(&seed);
        Ran::Done(seed)
    }

    fn unreachable(&self, tenant: &Tenant, error: String, _: Attempt) -> TenantSeed {
        let seed = SeedJob::failed(tenant, error, Outcome::Failed);
        self.report(&seed);
        seed
    }

    fn skipped(&self, tenant: &Tenant) -> TenantSeed {
        let seed = SeedJob::failed(tenant, "the run was aborted".to_owned(), Outcome::Skipped);
        self.report(&seed);
        seed
    }

    fn failed(&self, output: &TenantSeed) -> bool {
        output.outcome == Outcome::Failed
    }
}
