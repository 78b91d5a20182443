//! `schema build --apply`: a fresh database (or schema) built from the DDL tree.
//!
//! The target must be new or empty: a missing PostgreSQL database or SQLite file is
//! created; an existing one with objects in it is refused unless the caller asks to
//! recreate it. The DDL and the seeds then run in one transaction. A database that is
//! created or recreated is built beside the target and takes
//! its place only when every file applied.

use plover_core::Driver;
use plover_core::schema::{Catalog, Scope};

use super::apply::{Files, apply, check, schema_prelude};
use super::beside::{Swap, build_beside};
use super::database::{connect, introspect};
use super::error::SchemaError;
use super::tree::Concatenation;
use crate::database_url::{Backend, DatabaseUrl};

/// Where `schema build --apply` puts the schema.
#[derive(Clone, Debug)]
pub struct Target {
    /// The database.
    pub url: DatabaseUrl,
    /// A schema in it to build into instead of the whole database (PostgreSQL only).
    pub schema: Option<String>,
}

/// What to do with a target that already has objects in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WhenNotEmpty {
    /// Refuse, changing nothing (the default).
    #[default]
    Refuse,
    /// Drop and recreate the database or schema.
    Recreate,
}

/// How the target was prepared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preparation {
    /// It did not exist and was created.
    Created,
    /// It existed and was empty.
    Empty,
    /// It had objects and was dropped and recreated.
    Recreated,
}

/// Builds `ddl` and then `seeds` into `target`. Every file is checked before anything is
/// touched, and a build that fails leaves the target as it was: a database that had to be
/// created or recreated is built beside it and moved into place only when every file applied.
pub async fn build_into(
    target: &Target,
    when: WhenNotEmpty,
    ddl: &Concatenation,
    seeds: &Concatenation,
) -> Result<Preparation, SchemaError> {
    if let (Some(schema), Backend::Sqlite) = (&target.schema, target.url.backend()) {
        // The schema comes from `--schema` (the build target's URL takes no `#schema=`).
        return Err(SchemaError::Usage(format!(
            "--schema {schema}: SQLite databases have no schemas; leave --schema out to build the whole database"
        )));
    }
    let files = check(ddl, seeds, target.url.backend().dialect().syntax)?;
    if let Some(schema) = &target.schema {
        return build_into_schema(&target.url, schema, when, &files).await;
    }
    let found = match target.url.backend() {
        Backend::Postgres => find_postgres(&target.url, when).await?,
        Backend::Sqlite => find_sqlite(&target.url, when).await?,
    };
    match found {
        Found::Empty(mut db, preparation) => {
            apply(db.as_mut(), &[], &files).await?;
            Ok(preparation)
        }
        Found::Missing => {
            build_beside(&target.url, Swap::Create, &files).await?;
            Ok(Preparation::Created)
        }
        Found::Full => {
            build_beside(&target.url, Swap::Replace, &files).await?;
            Ok(Preparation::Recreated)
        }
    }
}

/// What the target database is like.
enum Found {
    /// It does not exist.
    Missing,
    /// It exists with nothing in it (or is in memory): filled in place, in one transaction.
    Empty(Box<dyn Driver>, Preparation),
    /// It has objects, and the caller asked to recreate it.
    Full,
}

async fn build_into_schema(
    url: &DatabaseUrl,
    schema: &str,
    when: WhenNotEmpty,
    files: &Files<'_>,
) -> Result<Preparation, SchemaError> {
    let mut db = connect(url).await?;
    let catalog = introspect(db.as_mut(), &Scope::schema(schema)).await?;
    let exists = catalog.schemas.contains_key(schema);
    let preparation = check_empty(&catalog, &format!("schema {schema} of {url}"), when)?;
    let preparation = match preparation {
        Preparation::Empty if !exists => Preparation::Created,
        other => other,
    };
    let prelude = schema_prelude(schema, preparation == Preparation::Recreated);
    apply(db.as_mut(), &prelude, files).await?;
    Ok(preparation)
}

async fn find_postgres(url: &DatabaseUrl, when: WhenNotEmpty) -> Result<Found, SchemaError> {
    if url.database_name().is_none() {
        return Err(SchemaError::Usage(format!(
            "{url} names no database; write postgres://host/DBNAME"
        )));
    }
    let mut db = match crate::connect(url).await {
        Ok(db) => db,
        Err(e) if e.code.as_deref() == Some("3D000") => return Ok(Found::Missing),
        Err(source) => {
            return Err(SchemaError::Connect {
                url: url.to_string(),
                source: Box::new(source),
            });
        }
    };
    let catalog = introspect(db.as_mut(), &Scope::all()).await?;
    match check_empty(&catalog, &format!("database {url}"), when)? {
        Preparation::Recreated => Ok(Found::Full),
        other => Ok(Found::Empty(db, other)),
    }
}

async fn find_sqlite(url: &DatabaseUrl, when: WhenNotEmpty) -> Result<Found, SchemaError> {
    let Some(path) = url.database_name() else {
        return Ok(Found::Empty(connect(url).await?, Preparation::Created));
    };
    if !std::path::Path::new(&path).exists() {
        return Ok(Found::Missing);
    }
    let mut db = connect(url).await?;
    let catalog = introspect(db.as_mut(), &Scope::all()).await?;
    match check_empty(&catalog, &format!("the SQLite file {path}"), when)? {
        Preparation::Recreated => Ok(Found::Full),
        other => Ok(Found::Empty(db, other)),
    }
}

/// Whether the catalog holds anything, refusing or asking for recreation per `when`.
fn check_empty(
    catalog: &Catalog,
    target: &str,
    when: WhenNotEmpty,
) -> Result<Preparation, SchemaError> {
    let objects = object_names(catalog);
    if objects.is_empty() {
        return Ok(Preparation::Empty);
    }
    match when {
        WhenNotEmpty::Recreate => Ok(Preparation::Recreated),
        WhenNotEmpty::Refuse => {
            let mut what: Vec<String> = objects.iter().take(3).cloned().collect();
            if objects.len() > 3 {
                what.push(format!("{} more", objects.len() - 3));
            }
            Err(SchemaError::NotEmpty {
                target: target.to_owned(),
                what: what.join(", "),
            })
        }
    }
}

/// The tables, views, functions, sequences and types of a catalog, as `kind schema.name`.
pub fn object_names(catalog: &Catalog) -> Vec<String> {
    let mut names = Vec::new();
    for (schema, s) in &catalog.schemas {
        let kinds: [(&str, Vec<&String>); 5] = [
            ("table", s.tables.keys().collect()),
            ("view", s.views.keys().collect()),
            ("function", s.functions.keys().collect()),
            ("sequence", s.sequences.keys().collect()),
            ("type", s.types.keys().collect()),
        ];
        for (kind, keys) in kinds {
            names.extend(
                keys.into_iter()
                    .map(|name| format!("{kind} {schema}.{name}")),
            );
        }
    }
    names
}
