//! `tenants drift`: every tenant's schema against a reference, read in one introspection.
//!
//! The tenants are introspected together, every object printed schema-qualified; each
//! tenant's own schema name is then taken out of its definitions, so that tenants (and the
//! reference) compare by content, whatever their schemas are called.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use plover_core::schema::{Catalog, Change, Schema, Scope, diff};
use plover_core::sql::quote_ident;
use serde::Serialize;
use serde_json::Value as Json;

use super::{Fleet, FleetHooks, Selection, Tenant, TenantError};
use crate::observer::Silent;
use crate::schema::scratch::{ScratchServer, with_scratch};
use crate::schema::{SchemaError, introspect};

/// The schema name tenants are compared under.
const COMMON_NAME: &str = "tenant";

/// Tenant schemas introspected in one transaction: about 560 locks held by one reader
/// (measured on 20-table tenants), well inside PostgreSQL's default lock table.
const SCHEMAS_PER_READ: usize = 250;

/// The schema the migrations are replayed into when there is no reference tenant.
const REPLAY_SCHEMA: &str = "plover_tenant_reference";

/// One tenant whose schema differs from the reference.
#[derive(Clone, Debug, Serialize)]
pub struct TenantDrift {
    /// The tenant.
    #[serde(flatten)]
    pub tenant: Tenant,
    /// What turns the reference into this tenant: "added" objects exist only in the tenant.
    pub changes: Vec<Change>,
}

/// `tenants drift`.
#[derive(Clone, Debug, Serialize)]
pub struct DriftReport {
    /// What the tenants were compared with: `tenant ID`, or the migrations directory.
    pub reference: String,
    /// Tenants compared.
    pub total: usize,
    /// Tenants that differ.
    pub drifted: usize,
    /// Selected tenants without a schema (not compared).
    pub missing: Vec<String>,
    /// The tenants that differ, with the differences.
    pub tenants: Vec<TenantDrift>,
}

impl Fleet {
    /// Compares every selected tenant with tenant `reference`, or, without one, with what
    /// the tenant migrations produce (replayed into a scratch database that is always
    /// removed). `hooks` hear how many schemas have been read ([`FleetHooks::schemas_read`]).
    pub async fn drift(
        &self,
        selection: &Selection,
        reference: Option<&str>,
        hooks: Arc<dyn FleetHooks>,
    ) -> Result<DriftReport, TenantError> {
        let mut db = self.connect().await?;
        let tenants = self.select(db.as_mut(), selection).await?;
        let reference_tenant = reference.map(|id| self.tenant(id)).transpose()?;
        let mut schemas: Vec<String> = tenants.iter().map(|t| t.schema.clone()).collect();
        if let Some(r) = &reference_tenant
            && !schemas.contains(&r.schema)
        {
            schemas.push(r.schema.clone());
        }
        drop(db);
        let mut catalog = self.introspect_fleet(schemas, hooks).await?;
        let expected = match &reference_tenant {
            Some(r) => {
                let schema = catalog.schemas.get(&r.schema).cloned().ok_or_else(|| {
                    TenantError::NoSuchTenant {
                        id: r.id.clone(),
                        schema: r.schema.clone(),
                    }
                })?;
                self.comparable(&catalog, &r.schema, schema)
            }
            None => self.replayed().await?,
        };
        let mut report = DriftReport {
            reference: match &reference_tenant {
                Some(r) => format!("tenant {}", r.id),
                None => format!("the migrations in {}", self.settings.dir.display()),
            },
            total: 0,
            drifted: 0,
            missing: Vec::new(),
            tenants: Vec::new(),
        };
        let mut present = Vec::with_capacity(tenants.len());
        for tenant in tenants {
            match catalog.schemas.remove(&tenant.schema) {
                Some(schema) => present.push((tenant, schema)),
                None => report.missing.push(tenant.id),
            }
        }
        report.total = present.len();
        report.tenants = self.compare_all(&catalog, &expected, present);
        report.drifted = report.tenants.len();
        Ok(report)
    }

    /// Introspects the schemas up to [`SCHEMAS_PER_READ`] at a time, each part in a
    /// transaction of its own (the catalog functions that print definitions lock some of
    /// the relations they read — about two per tenant schema — and hold the locks to the end
    /// of the transaction), spread over `concurrency` connections at once since those
    /// functions cost server time per object. Each pass has a fixed cost too, so parts are
    /// as large as the lock budget allows.
    async fn introspect_fleet(
        &self,
        schemas: Vec<String>,
        hooks: Arc<dyn FleetHooks>,
    ) -> Result<Catalog, TenantError> {
        let total = schemas.len();
        let read = Arc::new(AtomicUsize::new(0));
        let chunks: Vec<Vec<String>> = schemas
            .chunks(SCHEMAS_PER_READ)
            .map(<[_]>::to_vec)
            .collect();
        let workers = self.settings.concurrency.clamp(1, chunks.len().max(1));
        let mut readers = tokio::task::JoinSet::new();
        for worker in 0..workers {
            let fleet = self.clone();
            let mine: Vec<Vec<String>> = chunks
                .iter()
                .skip(worker)
                .step_by(workers)
                .cloned()
                .collect();
            let (hooks, read) = (Arc::clone(&hooks), Arc::clone(&read));
            readers.spawn(async move {
                let mut db = fleet.connect().await?;
                let mut parts = Vec::with_capacity(mine.len());
                for schemas in mine {
                    let count = schemas.len();
                    let scope = Scope {
                        schemas,
                        qualified: true,
                        ..Scope::default()
                    };
                    parts.push(introspect(db.as_mut(), &scope).await?);
                    hooks.schemas_read(read.fetch_add(count, Ordering::SeqCst) + count, total);
                }
                Ok::<_, TenantError>(parts)
            });
        }
        let mut catalog = Catalog::default();
        while let Some(parts) = readers.join_next().await {
            let parts = parts.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?;
            for part in parts {
                catalog.extensions = part.extensions;
                catalog.schemas.extend(part.schemas);
            }
        }
        Ok(catalog)
    }

    /// Each tenant against `expected`, on every core: the tenants that differ, in order.
    fn compare_all(
        &self,
        fleet: &Catalog,
        expected: &Catalog,
        tenants: Vec<(Tenant, Schema)>,
    ) -> Vec<TenantDrift> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let size = tenants.len().div_ceil(threads).max(1);
        let mut tenants = tenants;
        let mut parts = Vec::new();
        while tenants.len() > size {
            let rest = tenants.split_off(size);
            parts.push(tenants);
            tenants = rest;
        }
        parts.push(tenants);
        std::thread::scope(|scope| {
            let workers: Vec<_> = parts
                .into_iter()
                .map(|part| {
                    scope.spawn(move || {
                        part.into_iter()
                            .filter_map(|(tenant, schema)| {
                                let actual = self.comparable(fleet, &tenant.schema, schema);
                                let changes = diff(expected, &actual);
                                (!changes.is_empty()).then_some(TenantDrift { tenant, changes })
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("a comparing thread panicked"))
                .collect()
        })
    }

    /// One schema of a fleet-wide catalog as a catalog of its own, its name taken out of its
    /// definitions and the bookkeeping tables left out.
    fn comparable(&self, fleet: &Catalog, name: &str, mut schema: Schema) -> Catalog {
        schema.tables.remove(&self.settings.history_table);
        schema.tables.remove(&self.settings.adopt_table);
        schema.tables.remove("plover_lock");
        schema.comment = None;
        let catalog = Catalog {
            extensions: fleet.extensions.clone(),
            schemas: BTreeMap::from([(COMMON_NAME.to_owned(), schema)]),
        };
        unqualified(catalog, name)
    }

    /// What the tenant migrations produce, replayed into a scratch database.
    async fn replayed(&self) -> Result<Catalog, TenantError> {
        let server = ScratchServer::for_url(&self.url);
        let tenant = Tenant {
            id: "reference".to_owned(),
            schema: REPLAY_SCHEMA.to_owned(),
        };
        let mut migrator = self.migrator_for(&tenant);
        // What the migrations produce is the question, not whether they are safe to run.
        let mut options = migrator.options().clone();
        options.lint.preflight = crate::lint::Preflight::Off;
        migrator = migrator.with_options(options);
        let mut catalog = with_scratch(&server, async |db: &mut dyn plover_core::Driver| {
            let replay = |e: crate::Error| SchemaError::Replay {
                dir: self.settings.dir.clone(),
                source: Box::new(e),
            };
            db.use_schema(Some(REPLAY_SCHEMA))
                .await
                .map_err(|e| replay(crate::Error::database("setting search_path")(e)))?;
            migrator.up(db, None, &mut Silent).await.map_err(replay)?;
            let scope = Scope {
                schemas: vec![REPLAY_SCHEMA.to_owned()],
                qualified: true,
                ..Scope::default()
            };
            introspect(db, &scope).await
        })
        .await?;
        let schema = catalog.schemas.remove(REPLAY_SCHEMA).unwrap_or_default();
        Ok(self.comparable(&catalog, REPLAY_SCHEMA, schema))
    }
}

/// `catalog` with every `schema.` qualifier of `schema` taken out of its text.
fn unqualified(catalog: Catalog, schema: &str) -> Catalog {
    let mut qualifiers = vec![format!("{}.", quote_ident(schema))];
    if is_plain_identifier(schema) {
        qualifiers.push(format!("{schema}."));
    }
    let mut json = serde_json::to_value(&catalog).expect("the model serialises");
    strip(&mut json, &qualifiers);
    serde_json::from_value(json).expect("stripping qualifiers keeps the model's shape")
}

fn strip(json: &mut Json, qualifiers: &[String]) {
    match json {
        Json::String(text) => {
            if let Some(stripped) = strip_text(text, qualifiers) {
                *text = stripped;
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|i| strip(i, qualifiers)),
        Json::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut value) in entries {
                strip(&mut value, qualifiers);
                let key = strip_text(&key, qualifiers).unwrap_or(key);
                map.insert(key, value);
            }
        }
        Json::Null | Json::Bool(_) | Json::Number(_) => {}
    }
}

/// `text` without the qualifiers, each removed only where it starts a name (not inside a
/// longer identifier); `None` when there is none.
fn strip_text(text: &str, qualifiers: &[String]) -> Option<String> {
    if !qualifiers.iter().any(|q| text.contains(q.as_str())) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        let starts_name = out
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '"'));
        if starts_name {
            for q in qualifiers {
                if let Some(after) = rest.strip_prefix(q.as_str()) {
                    rest = after;
                    continue 'outer;
                }
            }
        }
        let c = rest.chars().next().expect("not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    Some(out)
}

/// Whether PostgreSQL prints `name` without quotes (lower case letters, digits, `_`).
fn is_plain_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifiers_are_taken_out_where_they_start_a_name() {
        let q = vec!["\"tenant_a\".".to_owned(), "tenant_a.".to_owned()];
        assert_eq!(
            strip_text("nextval('tenant_a.users_id_seq'::regclass)", &q).unwrap(),
            "nextval('users_id_seq'::regclass)"
        );
        assert_eq!(
            strip_text("SELECT x FROM tenant_a.t JOIN \"tenant_a\".u", &q).unwrap(),
            "SELECT x FROM t JOIN u"
        );
        assert_eq!(
            strip_text("my_tenant_a.t", &q).unwrap(),
            "my_tenant_a.t",
            "not inside a longer name"
        );
        assert_eq!(strip_text("public.t", &q), None);
    }

    #[test]
    fn plain_identifiers_are_those_printed_without_quotes() {
        assert!(is_plain_identifier("tenant_a1"));
        assert!(!is_plain_identifier("tenant-a"));
        assert!(!is_plain_identifier("Tenant"));
        assert!(!is_plain_identifier("1a"));
    }
}
