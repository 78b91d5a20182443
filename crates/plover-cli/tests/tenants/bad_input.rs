//! Bad input: invalid tenant ids, `drop` without `--force`, existing, missing and unlisted
//! tenants, SQLite and a missing tenant migrations directory; each refused, changing
//! nothing.

use plover_testkit::{Backend, TestDb, query_i64};

use crate::support::{Outcome, database, plover};

use super::support::{
    ITEMS, done, history, ids, migrated_fleet, project, schema, schemas, tenants,
};

const INJECTION: &str = "a\"; drop schema public; --";

/// What a refused command must leave as it was: the schemas, and a table in `public`.
async fn untouched(db: &TestDb) -> Vec<String> {
    let mut conn = db.connect().await;
    let mut state = schemas(conn.as_mut()).await;
    let keep = "SELECT count(*) FROM public.keep";
    state.push(format!(
        "public.keep: {}",
        query_i64(conn.as_mut(), keep).await
    ));
    state
}

/// Checks that `out` is a usage error (exit 2) whose message names `id`.
fn refused_naming(out: &Outcome, id: &str, context: &str) {
    assert_eq!(out.code, 2, "{context}: {out:?}");
    assert!(
        out.stderr.contains(id) && out.stderr.contains("tenant id"),
        "{context}: {}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_tenant_ids_are_refused_naming_the_id_and_change_nothing() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("", ITEMS);
    let mut conn = db.connect().await;
    conn.execute_script(
        "CREATE TABLE public.keep (id integer); INSERT INTO public.keep VALUES (1);",
    )
    .await
    .unwrap();
    migrated_fleet(&dir, &db, &ids("ok", 1), &[]).await;
    let before = untouched(&db).await;
    // The message shows the id as a quoted string, its `"` escaped.
    let shown = "drop schema public; --";
    let bad = format!("ok00,{INJECTION}");
    let commands: &[&[&str]] = &[
        &["migrate", "--tenant", INJECTION],
        &["migrate", "--tenants", &bad],
        &["create", INJECTION],
        &["drop", INJECTION, "--force"],
        &["status", "--tenant", INJECTION],
        &["seed", "--file", "plover.toml", "--tenant", INJECTION],
        &["drift", "--reference", INJECTION],
    ];
    for args in commands {
        refused_naming(&tenants(&dir, &db, args), shown, &format!("{args:?}"));
        assert_eq!(untouched(&db).await, before, "{args:?}");
    }

    // From the configuration: a listed id, and an id a discovery query returns.
    let escaped = INJECTION.replace('"', "\\\"");
    let listed = project(
        &format!("[tenants]\nids = [\"ok00\", \"{escaped}\"]\n"),
        ITEMS,
    );
    let out = tenants(&listed, &db, &["migrate", "--all"]);
    refused_naming(&out, shown, "tenants.ids");
    assert!(out.stderr.contains("tenants.ids"), "{}", out.stderr);
    let queried = project(
        &format!("[tenants]\nquery = \"SELECT 'ok00' UNION ALL SELECT '{escaped}'\"\n"),
        ITEMS,
    );
    let out = tenants(&queried, &db, &["migrate", "--all"]);
    refused_naming(&out, shown, "tenants.query");
    assert!(out.stderr.contains("tenants.query"), "{}", out.stderr);
    assert_eq!(untouched(&db).await, before);

    // 63 bytes is PostgreSQL's limit for a schema name: `tenant_` and 56 more fit.
    let long = "a".repeat(57);
    let out = tenants(&dir, &db, &["create", &long]);
    refused_naming(&out, &long, "a 64-byte schema name");
    assert!(out.stderr.contains("63"), "{}", out.stderr);
    assert_eq!(untouched(&db).await, before);
    let longest = "a".repeat(56);
    let out = tenants(&dir, &db, &["create", &longest]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(history(conn.as_mut(), &schema(&longest)).await, [1, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_needs_force_create_refuses_an_existing_tenant_and_migrate_a_missing_one() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("", ITEMS);
    let out = tenants(&dir, &db, &["create", "acme"]);
    assert_eq!(out.code, 0, "{out:?}");
    let mut conn = db.connect().await;
    conn.execute_script("INSERT INTO tenant_acme.items VALUES (1, 'kept')")
        .await
        .unwrap();
    let rows = "SELECT count(*) FROM tenant_acme.items";

    let out = tenants(&dir, &db, &["drop", "acme"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("--force") && out.stderr.contains("tenant_acme"),
        "{}",
        out.stderr
    );
    assert_eq!(query_i64(conn.as_mut(), rows).await, 1);

    let out = tenants(&dir, &db, &["create", "acme"]);
    assert_eq!(out.code, 5, "{out:?}");
    assert!(out.stderr.contains("already exists"), "{}", out.stderr);
    assert_eq!(query_i64(conn.as_mut(), rows).await, 1);
    assert_eq!(history(conn.as_mut(), "tenant_acme").await, [1, 2]);

    let out = tenants(&dir, &db, &["drop", "acme", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        !schemas(conn.as_mut())
            .await
            .contains(&"tenant_acme".to_owned())
    );
    let out = tenants(&dir, &db, &["drop", "acme", "--force"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("has no schema"), "{}", out.stderr);

    // A tenant named by mistake is not created by migrating it.
    let out = tenants(&dir, &db, &["migrate", "--tenant", "acme"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("has no schema") && out.stderr.contains("tenants create acme"),
        "{}",
        out.stderr
    );
    // Nor by recording migrations as applied in it, or marking what was applied by hand.
    for args in [
        &["migrate", "--tenant", "acme", "--mark-applied"][..],
        &["sync", "--mark-missing", "--tenant", "acme", "--apply"],
    ] {
        let out = tenants(&dir, &db, args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(
            out.stderr.contains("has no schema"),
            "{args:?}: {}",
            out.stderr
        );
    }
    assert!(
        !schemas(conn.as_mut())
            .await
            .contains(&"tenant_acme".to_owned())
    );
}

/// With tenants listed in `tenants.ids`: an id not in the list is refused, not created (by
/// `create` either); a listed tenant without a schema yet is not created by recording or
/// marking migrations in it (`sync` has nothing to do there); a tenant whose history cannot
/// be read is reported failed by `sync --apply` too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_tenants_are_checked_and_a_missing_schema_is_never_made_by_bookkeeping() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("[tenants]\nids = [\"acme\", \"beta\", \"broken\"]\n", ITEMS);
    let mut conn = db.connect().await;
    conn.execute_script(
        "CREATE SCHEMA tenant_broken; \
         CREATE TABLE tenant_broken.plover_migrations (nothing_plover_reads integer)",
    )
    .await
    .unwrap();
    let out = tenants(&dir, &db, &["migrate", "--tenant", "acme"]);
    assert_eq!(out.code, 0, "{out:?}");

    let out = tenants(&dir, &db, &["migrate", "--tenant", "acmee"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("\"acmee\" is not a tenant") && out.stderr.contains("tenants.ids"),
        "{}",
        out.stderr
    );

    let out = tenants(&dir, &db, &["--json", "migrate", "--all", "--mark-applied"]);
    assert_eq!(out.code, 4, "{out:?}");
    let report = done(&out);
    let failed = report["tenants"].as_array().unwrap().iter();
    let beta = failed.clone().find(|t| t["id"] == "beta").expect("beta");
    assert_eq!(beta["outcome"], "failed", "{report}");
    assert!(
        beta["error"].as_str().unwrap().contains("does not exist"),
        "{report}"
    );

    let out = tenants(
        &dir,
        &db,
        &["--json", "sync", "--mark-missing", "--all", "--apply"],
    );
    assert_eq!(out.code, 8, "{out:?}");
    let report = done(&out);
    let mut failed: Vec<&str> = report["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["error"].is_string())
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    failed.sort_unstable();
    assert_eq!(
        failed,
        ["broken"],
        "beta has no schema: nothing to mark; {report}"
    );
    assert_eq!(report["failed"], 1, "{report}");

    let out = tenants(&dir, &db, &["sync", "--mark-missing", "--tenant", "beta"]);
    assert_eq!(out.code, 0, "a dry run with nothing to do; {out:?}");

    let out = tenants(&dir, &db, &["create", "gamma"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("\"gamma\" is not a tenant"),
        "{}",
        out.stderr
    );

    let all = schemas(conn.as_mut()).await;
    assert!(!all.contains(&"tenant_gamma".to_owned()), "{all:?}");
    assert!(!all.contains(&"tenant_beta".to_owned()), "{all:?}");
    assert!(!all.contains(&"tenant_acmee".to_owned()), "{all:?}");
}

#[test]
fn a_sqlite_database_and_a_missing_or_shared_tenants_directory_are_refused() {
    let dir = project("", ITEMS);
    let sqlite = dir.join("app.db");
    let out: Outcome = plover(dir.path())
        .arg("--database")
        .arg(format!("sqlite:{}", sqlite.display()))
        .args(["tenants", "migrate", "--all"])
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("SQLite") && out.stderr.contains("postgres://"),
        "{}",
        out.stderr
    );
    assert!(!sqlite.exists(), "the SQLite file was created");

    // Refused before any connection: this server does not exist.
    let url = "postgres://nobody@127.0.0.1:9/none";
    let out: Outcome = plover(dir.path())
        .args(["--database", url, "tenants", "--tenants-dir", "nowhere"])
        .args(["migrate", "--all"])
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("nowhere") && out.stderr.contains("does not exist"),
        "{}",
        out.stderr
    );
    let configured = project("[tenants]\ndir = \"fleet-migrations\"\n", &[]);
    let out: Outcome = plover(configured.path())
        .args(["--database", url, "tenants", "status"])
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("fleet-migrations"), "{}", out.stderr);

    // The shared migrations directory, given by mistake (it exists, so the check above
    // does not catch it), is refused too.
    std::fs::create_dir_all(dir.join("migrations")).unwrap();
    let out: Outcome = plover(dir.path())
        .args(["--database", url, "tenants", "--tenants-dir", "migrations"])
        .args(["sync", "--clean-orphans"])
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("shared migrations directory"),
        "{}",
        out.stderr
    );
}
