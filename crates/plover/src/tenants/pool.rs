//! The worker pool behind every fleet command: at most N tenants at once, each worker with
//! its own connection, taking the next tenant as soon as it is free (no batches waiting
//! for their slowest member). A job may put off a tenant another runner holds: the pool
//! then queues it again behind the rest, so that fleet runs started together share the
//! tenants instead of waiting for each other tenant by tenant.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use plover_core::Driver;

use super::{Fleet, Tenant};

/// Which time a worker takes a tenant, and whether the job may put it off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// The first, which may answer [`Ran::Busy`].
    First,
    /// The first and only: the run stops at its first failure, so no tenant is put off
    /// (a failure another runner meets first would otherwise be passed by).
    Only,
    /// The second, after a busy first, once every tenant queued behind it was taken.
    Again,
}

impl Attempt {
    /// Whether the worker takes the tenant for the first time.
    pub(crate) fn is_first(self) -> bool {
        self != Attempt::Again
    }
}

/// What a job made of one attempt at a tenant.
pub(crate) enum Ran<T> {
    /// The tenant's result.
    Done(T),
    /// Another runner holds the tenant and this one would have to wait for it: the pool
    /// takes the tenant [`Attempt::Again`] once the rest of its queue is taken.
    Busy,
}

/// Work done once per tenant.
#[async_trait]
pub(crate) trait TenantJob: Send + Sync + 'static {
    /// One tenant's result.
    type Output: Send + 'static;

    /// Does the work for `tenant` on `db`, a connection no other worker uses, its
    /// `search_path` set to the tenant's schema. Only an [`Attempt::First`] may be
    /// [`Ran::Busy`]; a job that calls hooks calls its "before" hook only when
    /// [`Attempt::is_first`].
    async fn run(
        &self,
        db: &mut dyn Driver,
        tenant: &Tenant,
        attempt: Attempt,
    ) -> Ran<Self::Output>;

    /// The result of a tenant whose worker could not connect on its `attempt`.
    fn unreachable(&self, tenant: &Tenant, error: String, attempt: Attempt) -> Self::Output;

    /// The result of a tenant not started because the run was aborted.
    fn skipped(&self, tenant: &Tenant) -> Self::Output;

    /// Whether `output` is a failure (which aborts the run when asked to, and makes the
    /// worker open a fresh connection for its next tenant).
    fn failed(&self, output: &Self::Output) -> bool;
}

/// Runs `job` on every tenant, at most `concurrency` at once; with `abort_on_failure`, the
/// first failure stops the start of new tenants and the rest are skipped (and no tenant is
/// put off). Results come back in `tenants`' order.
pub(crate) async fn fan_out<J: TenantJob>(
    fleet: &Fleet,
    job: Arc<J>,
    tenants: Vec<Tenant>,
    concurrency: usize,
    abort_on_failure: bool,
) -> Vec<J::Output> {
    let count = tenants.len();
    let attempt = if abort_on_failure {
        Attempt::Only
    } else {
        Attempt::First
    };
    let queue = Arc::new(Mutex::new(
        tenants
            .into_iter()
            .enumerate()
            .map(|(index, tenant)| Queued {
                index,
                tenant,
                attempt,
            })
            .collect::<VecDeque<_>>(),
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

/// A tenant waiting for a worker: its place in the results, and which attempt is next.
struct Queued {
    index: usize,
    tenant: Tenant,
    attempt: Attempt,
}

struct Worker<J: TenantJob> {
    fleet: Fleet,
    job: Arc<J>,
    queue: Arc<Mutex<VecDeque<Queued>>>,
    abort: Arc<AtomicBool>,
    abort_on_failure: bool,
}

impl<J: TenantJob> Worker<J> {
    async fn run(self) -> Vec<(usize, J::Output)> {
        let mut done = Vec::new();
        let mut connection: Option<Box<dyn Driver>> = None;
        while let Some(queued) = self.next() {
            if self.abort.load(Ordering::SeqCst) {
                done.push((queued.index, self.job.skipped(&queued.tenant)));
                continue;
            }
            let output = match self.one(&mut connection, &queued).await {
                Ran::Done(output) => output,
                Ran::Busy => {
                    self.put_back(queued);
                    continue;
                }
            };
            if self.job.failed(&output) {
                // A failed tenant may leave its session in any state: start afresh.
                connection = None;
                if self.abort_on_failure {
                    self.abort.store(true, Ordering::SeqCst);
                }
            }
            done.push((queued.index, output));
        }
        done
    }

    fn next(&self) -> Option<Queued> {
        self.queue.lock().expect("queue lock").pop_front()
    }

    /// Queues a busy tenant again, behind every other.
    fn put_back(&self, queued: Queued) {
        assert_eq!(
            queued.attempt,
            Attempt::First,
            "only a first attempt may be put off"
        );
        let again = Queued {
            attempt: Attempt::Again,
            ..queued
        };
        self.queue.lock().expect("queue lock").push_back(again);
    }

    async fn one(
        &self,
        connection: &mut Option<Box<dyn Driver>>,
        queued: &Queued,
    ) -> Ran<J::Output> {
        let (tenant, attempt) = (&queued.tenant, queued.attempt);
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
                Err(e) => return Ran::Done(self.job.unreachable(tenant, e.to_string(), attempt)),
            };
            if let Err(e) = db.use_schema(schema).await {
                let error = format!("setting search_path to {}: {e}", tenant.schema);
                return Ran::Done(self.job.unreachable(tenant, error, attempt));
            }
            *connection = Some(db);
        }
        let db = connection.as_mut().expect("connected above");
        self.job.run(db.as_mut(), tenant, attempt).await
    }
}
