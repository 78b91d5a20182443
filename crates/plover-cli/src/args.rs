//! The command line, as clap reads it. `settings` turns it into validated library types.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use plover::Version;

/// Versioned database migrations for PostgreSQL and SQLite.
///
/// With no database configured, plover uses the SQLite file plover.db in the current
/// directory. Exit codes: 0 success, 1 internal error, 2 usage, configuration or migration
/// files, 3 database unreachable, 4 a migration's SQL failed, 5 refused (edited, missing,
/// out-of-order or half-applied migrations, unsafe scripts), 6 lock not acquired,
/// 7 `status --check` found pending work, 8 other database error, 9 `schema diff`,
/// `schema drift` or `tenants drift` found differences.
#[derive(Debug, Parser)]
#[command(name = "plover", version, max_term_width = 100)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, listed after the command's own in `--help`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Database URL: postgres://user@host/db or sqlite:path.db (wins over
    /// PLOVER_DATABASE_URL, plover.toml and DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    /// Config file [default: plover.toml, when present].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Migrations directory [default: migrations, next to the config file].
    #[arg(long, global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// How long to wait for another runner's lock, e.g. 60s, 2m [default: 60s].
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration)]
    pub lock_timeout: Option<Duration>,
    /// Print JSON for machines: one object, or one object per line while working.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only errors and the results asked for (script, hash, dump).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Never color the output (NO_COLOR does the same).
    #[arg(long, global = true)]
    pub no_color: bool,
}

fn duration(text: &str) -> Result<Duration, String> {
    plover::config::parse_duration(text)
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write plover.toml and create migrations/ in the current directory.
    Init,
    /// Create the file(s) of a new migration, numbered after the existing ones.
    New(NewArgs),
    /// Show every migration's state, the lock holder and where the database URL came from.
    Status(StatusArgs),
    /// Apply pending migrations, in version order.
    Up(UpArgs),
    /// Revert applied migrations with their down scripts, newest first.
    Down(DownArgs),
    /// Record migrations up to a version as applied without running them (adopting an
    /// existing database).
    Baseline(BaselineArgs),
    /// Accept an applied migration whose file was edited or removed, recording the reason.
    Accept(AcceptArgs),
    /// Check that applied migration files are unchanged, and nothing else.
    Verify,
    /// Refuse unsafe PostgreSQL migrations before they run: locks, rewrites, breaking changes.
    Lint(LintArgs),
    /// Build a database from DDL files, dump its schema, compare two schemas, detect drift.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// The tenant fleet: the same migrations in every tenant schema, in parallel.
    Tenants(TenantsArgs),
}

/// `plover tenants ...`
#[derive(Debug, Args)]
pub struct TenantsArgs {
    /// The tenant migrations directory [default: tenants.dir, else tenant-migrations].
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        help_heading = "Global options"
    )]
    pub tenants_dir: Option<PathBuf>,
    /// The command.
    #[command(subcommand)]
    pub command: TenantsCommand,
}

/// `plover tenants ...`
#[derive(Debug, Subcommand)]
pub enum TenantsCommand {
    /// Create the file(s) of a new tenant migration in the tenant migrations directory.
    New(NewArgs),
    /// List the discovered tenants with where each stands.
    List,
    /// Create a tenant: its schema, every tenant migration, then an optional seed file.
    Create(TenantCreateArgs),
    /// Drop a tenant's schema and everything in it (needs --force).
    Drop(TenantDropArgs),
    /// Apply the tenant migrations to the selected tenants, several at once; exit 4 when
    /// any tenant failed.
    Migrate(TenantMigrateArgs),
    /// Every tenant's applied and pending counts and state (ok, behind, ahead, modified,
    /// error).
    Status(TenantStatusArgs),
    /// Reconcile history rows with the files: --mark-missing or --clean-orphans (a dry run
    /// unless --apply).
    Sync(TenantSyncArgs),
    /// Compare every tenant's schema with a reference tenant, or with what the migrations
    /// produce; exit 9 when any differs.
    Drift(TenantDriftArgs),
    /// Run a seed SQL file in each selected tenant, each in one transaction.
    Seed(TenantSeedArgs),
}

/// Which tenants a command works on.
#[derive(Debug, Default, Args)]
pub struct TenantSelection {
    /// Every discovered tenant.
    #[arg(long)]
    pub all: bool,
    /// One tenant.
    #[arg(long, value_name = "ID", conflicts_with_all = ["all", "tenants"])]
    pub tenant: Option<String>,
    /// These tenants (comma-separated ids).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "IDS",
        conflicts_with = "all"
    )]
    pub tenants: Vec<String>,
}

/// `plover tenants create`
#[derive(Debug, Args)]
pub struct TenantCreateArgs {
    /// The tenant id.
    pub id: String,
    /// Run this seed file after the migrations.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
}

/// `plover tenants drop`
#[derive(Debug, Args)]
pub struct TenantDropArgs {
    /// The tenant id.
    pub id: String,
    /// Really drop it, with all its data.
    #[arg(long)]
    pub force: bool,
}

/// `plover tenants migrate`
#[derive(Debug, Args)]
pub struct TenantMigrateArgs {
    /// Which tenants (one of --all, --tenant, --tenants is required).
    #[command(flatten)]
    pub select: TenantSelection,
    /// Tenants migrated at once [default: tenants.concurrency, else 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: Option<u16>,
    /// After a failed tenant: continue with the others, or abort (the rest are skipped)
    /// [default: tenants.on_error, else continue].
    #[arg(long, value_enum, value_name = "POLICY")]
    pub on_error: Option<OnErrorArg>,
    /// Migrate this many tenants first, and stop if any of them fails.
    #[arg(long, value_name = "N")]
    pub canary: Option<usize>,
    /// Show what would run in each tenant, changing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Record pending migrations as applied without running them (adopting a fleet; only
    /// what drizzle-multitenant's tracking table lists, when a tenant has one).
    #[arg(long, conflicts_with = "dry_run")]
    pub mark_applied: bool,
    /// Apply up to and including this version.
    #[arg(long, value_name = "VERSION")]
    pub to: Option<Version>,
    /// Run despite lint errors in pending migrations (recorded in the history rows).
    #[arg(long)]
    pub force: bool,
    /// Apply pending versions lower than a tenant's highest applied one.
    #[arg(long)]
    pub allow_out_of_order: bool,
}

/// `--on-error`
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OnErrorArg {
    /// Go on with the other tenants.
    Continue,
    /// Start no other tenant.
    Abort,
}

/// `plover tenants status`
#[derive(Debug, Args)]
pub struct TenantStatusArgs {
    /// Which tenants [default: all].
    #[command(flatten)]
    pub select: TenantSelection,
    /// Exit non-zero when any tenant is behind (7) or ahead, modified or unreadable (5).
    #[arg(long)]
    pub check: bool,
}

/// `plover tenants sync`
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("action").required(true).args(["mark_missing", "clean_orphans"])))]
pub struct TenantSyncArgs {
    /// Which tenants [default: all].
    #[command(flatten)]
    pub select: TenantSelection,
    /// Record pending migrations as applied (their changes were made by hand).
    #[arg(long)]
    pub mark_missing: bool,
    /// Remove history rows whose files were renamed or deleted.
    #[arg(long)]
    pub clean_orphans: bool,
    /// Write the changes (without it, only show them).
    #[arg(long)]
    pub apply: bool,
}

/// `plover tenants drift`
#[derive(Debug, Args)]
pub struct TenantDriftArgs {
    /// Which tenants [default: all].
    #[command(flatten)]
    pub select: TenantSelection,
    /// Compare with this tenant [default: what the tenant migrations produce, replayed in a
    /// scratch database].
    #[arg(long, value_name = "ID")]
    pub reference: Option<String>,
}

/// `plover tenants seed`
#[derive(Debug, Args)]
pub struct TenantSeedArgs {
    /// The seed SQL file.
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
    /// Which tenants (one of --all, --tenant, --tenants is required).
    #[command(flatten)]
    pub select: TenantSelection,
    /// Tenants seeded at once [default: tenants.concurrency, else 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: Option<u16>,
}

/// `plover schema ...`
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Concatenate the DDL files of schema.dirs in path order and print, write, hash or
    /// apply the result.
    Build(SchemaBuildArgs),
    /// Print the database's schema as sorted DDL-like text (JSON with --json).
    Dump(SchemaDumpArgs),
    /// Compare two schemas and print what turns the first into the second; exit 9 when
    /// they differ.
    Diff(SchemaDiffArgs),
    /// Check that the database matches what its applied migrations produce; exit 9 when it
    /// does not.
    Drift(SchemaDriftArgs),
}

/// `plover schema build`
#[derive(Debug, Args)]
pub struct SchemaBuildArgs {
    /// Write the concatenation to this file instead of printing it.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print the SHA-256 of the concatenation.
    #[arg(long)]
    pub hash: bool,
    /// Apply it, then the seed files, in one transaction to the database (created when
    /// missing; it must be empty).
    #[arg(long)]
    pub apply: bool,
    /// With --apply: drop and recreate the database (or --schema) when it is not empty.
    #[arg(long, requires = "apply")]
    pub recreate: bool,
    /// With --apply: build into this PostgreSQL schema instead of the whole database.
    #[arg(long, requires = "apply", value_name = "NAME")]
    pub schema: Option<String>,
}

/// `plover schema dump`
#[derive(Debug, Args)]
pub struct SchemaDumpArgs {
    /// Dump only this schema.
    #[arg(long, value_name = "NAME")]
    pub schema: Option<String>,
}

/// `plover schema diff`
#[derive(Debug, Args)]
pub struct SchemaDiffArgs {
    /// The first side: a database URL (postgres://host/db, add #schema=NAME for one
    /// schema; sqlite:file.db), a migrations directory, or a directory of DDL files
    /// (migrations:DIR and ddl:PATH force the reading).
    pub source: String,
    /// The second side, written the same way.
    pub target: String,
    /// Build directories on this server's scratch databases [default: schema.scratch_url,
    /// else the first PostgreSQL side's server, else the configured database's].
    #[arg(long, value_name = "URL")]
    pub scratch_url: Option<String>,
}

/// `plover schema drift`
#[derive(Debug, Args)]
pub struct SchemaDriftArgs {
    /// Compare only this schema (a tenant's), replayed as the only schema.
    #[arg(long, value_name = "NAME")]
    pub schema: Option<String>,
    /// Replay the migrations on this server's scratch databases [default:
    /// schema.scratch_url, else the database's own server].
    #[arg(long, value_name = "URL")]
    pub scratch_url: Option<String>,
}

/// `plover lint`
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to lint [default: the migrations directory, its pending and
    /// edited migrations when the database can say which, otherwise all of them].
    pub paths: Vec<PathBuf>,
    /// Lint every migration of the migrations directory, applied ones too.
    #[arg(long, conflicts_with = "paths")]
    pub all: bool,
    /// Run exactly these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Output: human, json (like --json) or github (workflow annotations).
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    pub format: LintFormat,
    /// List every rule, with its severity, tier and whether it runs by default.
    #[arg(long)]
    pub list_rules: bool,
    /// The PostgreSQL version to lint for, e.g. 15 [default: lint.postgres_version, else the
    /// database's, else 15].
    #[arg(long, value_name = "VERSION")]
    pub postgres_version: Option<String>,
}

/// How `plover lint` prints findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    /// For people: each finding with its SQL and its recipe.
    Human,
    /// One JSON object.
    Json,
    /// GitHub Actions workflow commands (`::error file=...`).
    Github,
}

/// `plover new`
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The migration's name, e.g. add_users (words are joined with `_`).
    #[arg(required = true, num_args = 1..)]
    pub name: Vec<String>,
    /// Number it with a UTC timestamp (20261121093000) instead of following the directory.
    #[arg(long, conflicts_with = "sequential")]
    pub timestamp: bool,
    /// Number it with the next sequential number instead of following the directory.
    #[arg(long)]
    pub sequential: bool,
    /// Also create a down script.
    #[arg(long)]
    pub down: bool,
}

/// `plover status`
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Exit non-zero when anything is pending (7) or wrong (5), for deploy scripts.
    #[arg(long)]
    pub check: bool,
}

/// `plover up`
#[derive(Debug, Args)]
pub struct UpArgs {
    /// Apply up to and including this version.
    #[arg(long, value_name = "VERSION")]
    pub to: Option<Version>,
    /// Show what would run, changing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply pending versions lower than the highest applied one.
    #[arg(long)]
    pub allow_out_of_order: bool,
    /// Run despite lint errors in pending migrations; the overridden rules are recorded in
    /// each migration's history row.
    #[arg(long)]
    pub force: bool,
}

/// `plover down`
#[derive(Debug, Args)]
pub struct DownArgs {
    /// Revert every migration above this version (0 reverts all from 1 up; a version 0
    /// itself takes --steps).
    #[arg(long, value_name = "VERSION", conflicts_with = "steps")]
    pub to: Option<Version>,
    /// Revert this many migrations [default: 1].
    #[arg(long, value_name = "N")]
    pub steps: Option<usize>,
    /// Show what would run, changing nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `plover baseline`
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// The highest version the database already has.
    #[arg(long, value_name = "VERSION")]
    pub version: Version,
}

/// `plover accept`
#[derive(Debug, Args)]
pub struct AcceptArgs {
    /// The migration's version.
    pub version: Version,
    /// Why, recorded in the history table.
    #[arg(long)]
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn baseline_and_accept_take_versions() {
        let cli = Cli::try_parse_from(["plover", "baseline", "--version", "7"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Baseline(BaselineArgs {
                version: Version(7)
            })
        ));
        let cli = Cli::try_parse_from(["plover", "accept", "3", "--reason", "why"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Accept(AcceptArgs {
                version: Version(3),
                ..
            })
        ));
        assert!(Cli::try_parse_from(["plover", "up", "--to", "x"]).is_err());
    }
}
