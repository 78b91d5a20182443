//! Scratch databases: built, read and always removed.
//!
//! Directories of DDL or migrations are compared by building them into a scratch database
//! on a real server, so that what is compared is what the server made of them. On
//! PostgreSQL the scratch is a fresh database named `plover_scratch_<pid>_<n>` on the
//! server of the given URL (the role needs CREATEDB); on SQLite it is an in-memory database.
//! [`with_scratch`] removes it whether the work inside succeeded or not.

use std::sync::atomic::{AtomicU32, Ordering};

use plover_core::Driver;
use plover_core::sql::quote_ident;

use super::database::connect;
use super::error::SchemaError;
use crate::database_url::{Backend, DatabaseUrl};

/// The prefix of every scratch database's name.
pub const SCRATCH_PREFIX: &str = "plover_scratch_";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Where scratch databases are made: a server (any database on it to connect through), or
/// SQLite in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScratchServer {
    /// A PostgreSQL server, reached through this URL's database.
    Postgres(DatabaseUrl),
    /// An in-memory SQLite database.
    SqliteMemory,
}

impl ScratchServer {
    /// The scratch server matching `url`'s backend.
    pub fn for_url(url: &DatabaseUrl) -> Self {
        match url.backend() {
            Backend::Postgres => ScratchServer::Postgres(url.clone()),
            Backend::Sqlite => ScratchServer::SqliteMemory,
        }
    }
}

/// Runs `work` on a fresh scratch database and removes the scratch afterwards, also when
/// `work` fails. A failure to remove it is reported only when `work` succeeded.
pub async fn with_scratch<T>(
    server: &ScratchServer,
    work: impl AsyncFnOnce(&mut dyn Driver) -> Result<T, SchemaError>,
) -> Result<T, SchemaError> {
    match server {
        ScratchServer::SqliteMemory => {
            let url = DatabaseUrl::parse("sqlite::memory:").expect("a valid URL");
            let mut db = connect(&url).await?;
            work(db.as_mut()).await
        }
        ScratchServer::Postgres(admin_url) => {
            let mut admin = connect(admin_url).await?;
            let name = scratch_name();
            create(admin.as_mut(), &name).await?;
            let result = match connect(&admin_url.with_database(&name)).await {
                Ok(mut db) => work(db.as_mut()).await,
                Err(e) => Err(e),
            };
            // The scratch connection is closed (dropped) by now; FORCE ends any straggler.
            let removed = drop_database(admin.as_mut(), &name).await;
            let value = result?;
            removed?;
            Ok(value)
        }
    }
}

fn scratch_name() -> String {
    format!(
        "{SCRATCH_PREFIX}{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        fastrand::u32(..)
    )
}

async fn create(admin: &mut dyn Driver, name: &str) -> Result<(), SchemaError> {
    // Assembled from strings: the name is generated here and quoted.
    let sql = format!("CREATE DATABASE {}", quote_ident(name));
    admin.execute_script(&sql).await.map_err(|source| {
        let hint = if source.code.as_deref() == Some("42501") {
            "; the role needs CREATEDB, or pass --scratch-url with one that has it"
        } else {
            ""
        };
        SchemaError::Database {
            context: format!("cannot create the scratch database {name}{hint}"),
            source: Box::new(source),
        }
    })
}

async fn drop_database(admin: &mut dyn Driver, name: &str) -> Result<(), SchemaError> {
    let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name));
    admin
        .execute_script(&sql)
        .await
        .map_err(|source| SchemaError::Database {
            context: format!("cannot remove the scratch database {name}; drop it by hand"),
            source: Box::new(source),
        })
}
