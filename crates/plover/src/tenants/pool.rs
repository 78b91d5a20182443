//! The worker pool behind every fleet command: at most N tenants at once, each worker with
//! its own connection, taking the next tenant as soon as it is free (no batches waiting
//! for their slowest member).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use plover_core::Driver;

use super::{Fleet, Tenant};

/// Work done once per tenant.
#[async_trait]
pub(crate) trait TenantJob: Send + Sync + 'static {
    /// One tenant's result.
    type Output: Send + 'static;

    /// Does the work for `tenant` on `db`, a connection no other worker uses, its
    /// `search_path` set to the tenant's schema.
    async fn run(&self, db: &mut dyn Driver, tenant: &Tenant) -> Self::Output;

    /// The result of a tenant whose worker could not connect.
    fn unreachable(&self, tenant: &Tenant, error: String) -> Self::Output;

    /// The result of a tenant not started because the run was aborted.
    fn skipped(&self, tenant: &Tenant) -> Self::Output;

    /// Whether `output` is a failure (which aborts the run when asked to, and makes the
    /// worker open a fresh connection for its next tenant).
    fn failed(&self, output: &Self::Output) -> bool;
}

/// Runs `job` on every tenant, at most `concurrency` at once; with `abort_on_failure`, the
/// first failure stops the start of new tenants and the rest are skipped. Results come
/// back in `tenants`' order.
pub(crate) async fn fan_out<J: TenantJob>(
    fleet: &Fleet,
    job: Arc<J>,
    tenants: Vec<Tenant>,
    concurrency: usize,
    abort_on_failure: bool,
) -> Vec<J::Output> {
    let count = tenants.len();
    let queue = Arc::new(Mutex::new(
        tenants.into_iter().enumerate().collect::<VecDeque<_>>(),
    ));
    let abort = Arc::new(AtomicBool::new(false));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.clamp(1, count.max(1)) {
        let worker = Worker {
            fleet: fleet.clone(),
            job: Arc::clone(&job),
            queue: Arc::clone(&queue),
            abort: Arc::clone(&abort),
            abort_on_failure,
        };
        workers.spawn(worker.run());
    }
    let mut results: Vec<Option<J::Output>> = (0..count).map(|_| None).collect();
    while let Some(done) = workers.join_next().await {
        let done = done.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        for (index, output) in done {
            results[index] = Some(output);
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every tenant has a result"))
        .collect()
}

struct Worker<J: TenantJob> {
    fleet: Fleet,
    job: Arc<J>,
    queue: Arc<Mutex<VecDeque<(usize, Tenant)>>>,
    abort: Arc<AtomicBool>,
    abort_on_failure: bool,
}

impl<J: TenantJob> Worker<J> {
    async fn run(self) -> Vec<(usize, J::Output)> {
        let mut done = Vec::new();
        let mut connection: Option<Box<dyn Driver>> = None;
        while let Some((index, tenant)) = self.next() {
            if self.abort.load(Ordering::SeqCst) {
                done.push((index, self.job.skipped(&tenant)));
                continue;
            }
            let output = self.one(&mut connection, &tenant).await;
            if self.job.failed(&output) {
                // A failed tenant may leave its session in any state: start afresh.
                connection = None;
                if self.abort_on_failure {
                    self.abort.store(true, Ordering::SeqCst);
                }
            }
            done.push((index, output));
        }
        done
    }

    fn next(&self) -> Option<(usize, Tenant)> {
        self.queue.lock().expect("queue lock").pop_front()
    }

    async fn one(&self, connection: &mut Option<Box<dyn Driver>>, tenant: &Tenant) -> J::Output {
        let schema = Some(tenant.schema.as_str());
        // A connection that served another tenant goes back to the session it began with: a
        // `SET` or `SET ROLE` left by that tenant's last migration or seed must not apply to
        // this one (it would not after a crash, on a fresh connection).
        if let Some(db) = connection.as_mut()
            && db.reset_session_into(schema).await.is_err()
        {
            *connection = None;
        }
        if connection.is_none() {
            let mut db = match self.fleet.connect().await {
                Ok(db) => db,
                Err(e) => return self.job.unreachable(tenant, e.to_string()),
            };
            if let Err(e) = db.use_schema(schema).await {
                let error = format!("setting search_path to {}: {e}", tenant.schema);
                return self.job.unreachable(tenant, error);
            }
            *connection = Some(db);
        }
        let db = connection.as_mut().expect("connected above");
        self.job.run(db.as_mut(), tenant).await
    }
}
