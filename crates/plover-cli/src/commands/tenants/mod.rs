//! `plover tenants new | list | create | drop | migrate | status | sync | drift | seed`.

mod lifecycle;
mod migrate;
mod progress;
mod reports;

use std::path::Path;

use plover::tenants::{Fleet, Selection, TenantError};

use crate::args::{Global, TenantSelection, TenantsArgs, TenantsCommand};
use crate::exit::Exit;
use crate::output::{Failure, Output};
use crate::settings::{self, CommandFlags};

/// Runs one tenants command.
pub async fn run(
    global: &Global,
    args: &TenantsArgs,
    output: &mut Output,
) -> Result<Exit, Failure> {
    let flags = match &args.command {
        TenantsCommand::Migrate(m) => CommandFlags {
            force: m.force,
            allow_out_of_order: m.allow_out_of_order,
        },
        _ => CommandFlags::default(),
    };
    let mut settings = settings::load(global, flags)?;
    output.hide(settings.database.passwords());
    if let Some(dir) = &args.tenants_dir {
        settings.tenants.dir = dir.clone();
    }
    refuse_shared_directory(&settings.tenants.dir, &settings.migrations_dir)?;
    // Made on demand: `new` runs before a new project has a tenant migrations directory.
    let fleet = || {
        Fleet::new(
            settings.database.clone(),
            settings.tenants.clone(),
            settings.options.clone(),
        )
        .map_err(tenant_failure)
    };
    match &args.command {
        TenantsCommand::New(args) => super::new::create(&settings.tenants.dir, args, output),
        TenantsCommand::List => lifecycle::list(&fleet()?, output).await,
        TenantsCommand::Create(args) => lifecycle::create(&fleet()?, args, output).await,
        TenantsCommand::Drop(args) => lifecycle::drop(&fleet()?, args, output).await,
        TenantsCommand::Migrate(args) => migrate::run(&fleet()?, args, output).await,
        TenantsCommand::Status(args) => reports::status(&fleet()?, args, output).await,
        TenantsCommand::Sync(args) => reports::sync(&fleet()?, args, output).await,
        TenantsCommand::Drift(args) => reports::drift(&fleet()?, args, output).await,
        TenantsCommand::Seed(args) => reports::seed(&fleet()?, args, output).await,
    }
}

/// Refuses a tenant migrations directory that is the shared one `plover up` applies: every
/// tenant would look `ahead` of tenant migrations it never had, and `sync --clean-orphans`
/// would offer to delete its history.
fn refuse_shared_directory(tenants_dir: &Path, shared_dir: &Path) -> Result<(), Failure> {
    let same = match (tenants_dir.canonicalize(), shared_dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => tenants_dir == shared_dir,
    };
    if same {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "the tenant migrations directory {} is the shared migrations directory that \
                 `plover up` applies; tenant migrations need their own (tenants.dir, or \
                 --tenants-dir; `tenant-migrations` by default)",
                tenants_dir.display()
            ),
        ));
    }
    Ok(())
}

/// The tenants a command works on; commands that change tenants must be told which.
fn selection(select: &TenantSelection, changes: bool) -> Result<Selection, Failure> {
    if let Some(id) = &select.tenant {
        return Ok(Selection::Only(vec![id.clone()]));
    }
    if !select.tenants.is_empty() {
        return Ok(Selection::Only(select.tenants.clone()));
    }
    if select.all || !changes {
        return Ok(Selection::All);
    }
    Err(Failure::new(
        Exit::Usage,
        "say which tenants: --all, --tenant ID or --tenants A,B",
    ))
}

/// Turns a fleet error into what the CLI shows.
fn tenant_failure(error: TenantError) -> Failure {
    let error = match error {
        TenantError::Migrations(inner) => return crate::commands::engine_failure(*inner),
        other => other,
    };
    let exit = match &error {
        TenantError::Usage(_)
        | TenantError::InvalidId(_)
        | TenantError::NoSuchTenant { .. }
        | TenantError::NotListed { .. }
        | TenantError::SeedFile { .. } => Exit::Usage,
        TenantError::Connect { source, .. } if source.kind == plover::core::ErrorKind::Config => {
            Exit::Usage
        }
        TenantError::Connect { .. } => Exit::Unreachable,
        TenantError::Database { .. } => Exit::Database,
        TenantError::AlreadyExists { .. } | TenantError::SeedScript(_) => Exit::Refused,
        TenantError::SeedFailed { .. } => Exit::MigrationFailed,
        TenantError::Schema(inner) => Exit::from(inner),
        _ => Exit::Internal,
    };
    Failure::new(exit, error.to_string())
}
