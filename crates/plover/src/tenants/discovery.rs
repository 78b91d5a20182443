//! Finding the tenants: a query, a list, or every schema fitting the template.

use plover_core::{Driver, Value};

use super::{Discovery, Tenant, TenantError, TenantSettings};

const SCHEMAS_LIKE: &str =
    "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE $1 ORDER BY nspname";

/// Every tenant, in discovery order, each once.
pub async fn discover(
    db: &mut dyn Driver,
    settings: &TenantSettings,
) -> Result<Vec<Tenant>, TenantError> {
    let ids = match &settings.discovery {
        Discovery::List(ids) => ids.clone(),
        Discovery::Query(query) => query_ids(db, query).await?,
        Discovery::Schemas => return schemas(db, settings).await,
    };
    let mut tenants: Vec<Tenant> = Vec::with_capacity(ids.len());
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        let schema = settings
            .template
            .schema_for(&id, &settings.id_pattern)
            .map_err(|e| TenantError::Usage(format!("{}: {e}", source_name(settings))))?;
        if seen.insert(id.clone()) {
            tenants.push(Tenant { id, schema });
        }
    }
    Ok(tenants)
}

/// The setting tenants are found by, as the config file names it.
pub(super) fn source_name(settings: &TenantSettings) -> &'static str {
    match settings.discovery {
        Discovery::List(_) => "tenants.ids",
        Discovery::Query(_) => "tenants.query",
        Discovery::Schemas => "tenants.schema_template",
    }
}

async fn query_ids(db: &mut dyn Driver, query: &str) -> Result<Vec<String>, TenantError> {
    let rows = db
        .query(query, &[])
        .await
        .map_err(TenantError::database("running tenants.query"))?;
    rows.iter()
        .map(|row| match row.first() {
            Some(Value::Text(id)) => Ok(id.clone()),
            Some(Value::Int(id)) => Ok(id.to_string()),
            other => Err(TenantError::Usage(format!(
                "tenants.query must return the tenant id (text or integer) in its first column; it returned {other:?}"
            ))),
        })
        .collect()
}

/// The schemas fitting the template, as tenants; a schema whose id part is not a valid id
/// is not a tenant.
async fn schemas(
    db: &mut dyn Driver,
    settings: &TenantSettings,
) -> Result<Vec<Tenant>, TenantError> {
    let like = Value::Text(settings.template.like_pattern());
    let rows = db
        .query(SCHEMAS_LIKE, &[like])
        .await
        .map_err(TenantError::database("listing the tenant schemas"))?;
    Ok(rows
        .iter()
        .filter_map(|row| row.first().and_then(Value::as_str))
        .filter_map(|schema| {
            let id = settings.template.id_of(schema, &settings.id_pattern)?;
            Some(Tenant {
                id: id.to_owned(),
                schema: schema.to_owned(),
            })
        })
        .collect())
}
