//! One throwaway database, on either backend.

use plover::core::Driver;
use plover::{DatabaseUrl, connect};
use tempfile::TempDir;

use crate::postgres::PgDatabase;

/// The backends the conformance suite runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL, a fresh database on the test server.
    Postgres,
    /// SQLite, a fresh file in a temporary folder.
    Sqlite,
}

#[derive(Debug)]
enum Guard {
    Postgres(#[allow(dead_code)] PgDatabase),
    Sqlite(#[allow(dead_code)] TempDir),
}

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDb {
    /// Its backend.
    pub backend: Backend,
    /// Its URL.
    pub url: DatabaseUrl,
    _guard: Guard,
}

impl TestDb {
    /// A fresh database, or `None` (after saying so) when the backend is not available here.
    /// With `CI` set, an unavailable backend fails the test instead.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite:{}", dir.path().join("test.db").display());
                Some(TestDb {
                    backend,
                    url: DatabaseUrl::parse(&url).expect("sqlite url"),
                    _guard: Guard::Sqlite(dir),
                })
            }
            Backend::Postgres => match PgDatabase::create().await {
                Some(db) => {
                    let url = DatabaseUrl::parse(&db.url).expect("postgres url");
                    Some(TestDb {
                        backend,
                        url,
                        _guard: Guard::Postgres(db),
                    })
                }
                None if std::env::var_os("CI").is_some() => {
                    panic!(
                        "CI is set but no PostgreSQL is reachable: set PLOVER_TEST_PG_URL or start the local server"
                    )
                }
                None => {
                    eprintln!(
                        "skipped: no PostgreSQL reachable (set PLOVER_TEST_PG_URL to run this test)"
                    );
                    None
                }
            },
        }
    }

    /// A new connection to it.
    pub async fn connect(&self) -> Box<dyn Driver> {
        connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.url))
    }
}
