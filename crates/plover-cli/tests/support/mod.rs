//! Running the real `plover` binary against throwaway databases.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use plover::core::{Driver, Value};
use plover_testkit::{Backend, TestDb};

/// The `plover` binary, with a clean environment: no database variables, no colors.
pub fn plover(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plover"));
    command
        .current_dir(dir)
        .env_remove("PLOVER_DATABASE_URL")
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    command
}

/// What a finished run printed and returned.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Outcome {
    fn from(output: Output) -> Self {
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Runs `plover ARGS` in `dir` against `db` and waits for it.
pub fn run(dir: &Path, db: &TestDb, args: &[&str]) -> Outcome {
    plover(dir)
        .arg("--database")
        .arg(db.url.expose())
        .args(args)
        .output()
        .expect("run plover")
        .into()
}

/// Starts `plover ARGS` in `dir` against `db` without waiting.
pub fn spawn(dir: &Path, db: &TestDb, args: &[&str]) -> Child {
    plover(dir)
        .arg("--database")
        .arg(db.url.expose())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start plover")
}

/// The tables of the default schema and the history rows, as text: what "nothing changed"
/// compares. SQLite's lock lease table is bookkeeping that any locked command may create.
pub async fn snapshot(db: &TestDb) -> String {
    let mut conn = db.connect().await;
    let tables_sql = match db.backend {
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
        }
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'plover_lock' ORDER BY 1"
        }
    };
    let mut text = rows(conn.as_mut(), tables_sql).await;
    let has_history = text.lines().any(|l| l == "plover_migrations");
    if has_history {
        let history = "SELECT version, checksum, status, statements_done FROM plover_migrations ORDER BY version";
        text.push_str(&rows(conn.as_mut(), history).await);
    }
    text
}

async fn rows(conn: &mut dyn Driver, sql: &str) -> String {
    let rows = conn
        .query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter()
        .map(|row| row.iter().map(text).collect::<Vec<_>>().join(" "))
        .fold(String::new(), |acc, line| acc + &line + "\n")
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => "NULL".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Text(s) => s.clone(),
    }
}

/// A fresh database on `backend`, or `None` when it is not available (the test then returns).
pub async fn database(backend: Backend) -> Option<TestDb> {
    TestDb::new(backend).await
}

/// Runs each named `async fn NAME(backend: Backend)` of the calling module as two tests, in
/// modules `sqlite` and `postgres`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(plover_testkit::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(plover_testkit::Backend::Postgres).await;
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;
