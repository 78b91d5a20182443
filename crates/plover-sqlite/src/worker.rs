//! The thread that owns the rusqlite connection.
//!
//! rusqlite is synchronous; rather than a second, blocking version of the driver trait, the
//! connection lives on a thread of its own and async callers send it jobs (STYLE.md rule 4).

use std::sync::mpsc;
use std::thread;

use plover_core::{DriverError, ErrorKind};
use rusqlite::Connection;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A handle to the connection's thread; the thread ends when the handle is dropped.
pub struct Worker {
    jobs: mpsc::Sender<Job>,
}

impl Worker {
    /// Moves `connection` to a new thread.
    pub fn spawn(mut connection: Connection) -> Result<Worker, DriverError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("plover-sqlite".to_owned())
            .spawn(move || {
                for job in queue {
                    job(&mut connection);
                }
            })
            .map_err(|e| {
                DriverError::new(
                    ErrorKind::Connect,
                    format!("cannot start the SQLite thread: {e}"),
                )
            })?;
        Ok(Worker { jobs })
    }

    /// Runs `job` on the connection's thread and waits for its result.
    pub async fn call<R: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> R + Send + 'static,
    ) -> Result<R, DriverError> {
        let (reply, result) = oneshot::channel();
        let job: Job = Box::new(move |connection| {
            let _ = reply.send(job(connection));
        });
        self.jobs.send(job).map_err(|_| closed())?;
        result.await.map_err(|_| closed())
    }
}

fn closed() -> DriverError {
    DriverError::new(
        ErrorKind::Closed,
        "the SQLite connection thread has stopped",
    )
}
