//! `TenantPools` against a real PostgreSQL: one pool per tenant with its `search_path`, LRU
//! eviction, idle cleanup, warmup, health, metrics, dispose, and drizzle-multitenant's
//! PoolManager invariants (docs/tenant-pools.md).

use std::collections::HashSet;
use std::time::Duration;

use plover::core::Driver;
use plover::core::sql::quote_ident;
use plover::core::tenant::{IdPattern, TenantIdError};
use plover_postgres::pools::deadpool_postgres::Object;
use plover_postgres::{
    HealthStatus, PoolsConfig, PoolsError, PostgresDriver, Recycling, TenantPools, WarmupOutcome,
};
use plover_testkit::{PgDatabase, query_i64};

/// A fresh database with a schema per tenant, each holding `items` with one row: the tenant
/// id. `None` (after saying so) when no PostgreSQL is reachable; with `CI` set, a failure.
async fn database(tenants: &[&str]) -> Option<(PgDatabase, PostgresDriver)> {
    let Some(db) = PgDatabase::create().await else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but no PostgreSQL is reachable: set PLOVER_TEST_PG_URL or start the local server"
        );
        eprintln!("skipped: no PostgreSQL reachable (set PLOVER_TEST_PG_URL to run this test)");
        return None;
    };
    let mut admin = plover_postgres::connect(&db.url).await.expect("admin");
    for id in tenants {
        let schema = quote_ident(&format!("tenant_{id}"));
        let ddl = format!(
            "CREATE SCHEMA {schema}; CREATE TABLE {schema}.items (name text); \
             INSERT INTO {schema}.items VALUES ('{id}')"
        );
        admin.execute_script(&ddl).await.expect("tenant schema");
    }
    Some((db, admin))
}

fn config(db: &PgDatabase, max_pools: usize, max_connections: usize) -> PoolsConfig {
    PoolsConfig {
        max_pools,
        max_connections_per_pool: max_connections,
        ..PoolsConfig::new(&db.url)
    }
}

async fn text(conn: &Object, sql: &str) -> String {
    let row = conn.query_one(sql, &[]).await.unwrap();
    row.get(0)
}

async fn backend_pid(conn: &Object) -> i32 {
    conn.query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0)
}

/// Connections to the test database other than the admin's own.
async fn server_connections(admin: &mut PostgresDriver) -> i64 {
    let sql = "SELECT count(*) FROM pg_stat_activity \
               WHERE datname = current_database() AND pid <> pg_backend_pid()";
    query_i64(admin, sql).await
}

/// Waits (5 s at most) until the server counts at most `most` other connections.
async fn wait_for_connections_at_most(admin: &mut PostgresDriver, most: i64) {
    for _ in 0..100 {
        if server_connections(admin).await <= most {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let left = server_connections(admin).await;
    panic!("{left} connections still open 5 s later; expected at most {most}");
}

/// drizzle-multitenant's invariants, plus: every miss made a pool and every eviction closed one.
fn assert_invariants(pools: &TenantPools) {
    let metrics = pools.metrics();
    assert!(pools.pool_count() <= metrics.max_pools, "{metrics:?}");
    assert_eq!(pools.active_tenant_ids().len(), pools.pool_count());
    assert_eq!(metrics.pools, pools.pool_count());
    assert_eq!(
        metrics.misses - metrics.evictions.total(),
        pools.pool_count() as u64,
        "{metrics:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_connection_sees_its_own_schema_unqualified() {
    let Some((db, _admin)) = database(&["acme", "Big-Co"]).await else {
        return;
    };
    let pools = TenantPools::new(PoolsConfig {
        id_pattern: IdPattern::parse("a-zA-Z0-9_-").unwrap(),
        ..config(&db, 5, 2)
    })
    .unwrap();
    for id in ["acme", "Big-Co"] {
        let conn = pools.get(id).await.unwrap();
        let schema = pools.schema_name(id).unwrap();
        assert_eq!(text(&conn, "SELECT current_schema()::text").await, schema);
        assert_eq!(text(&conn, "SELECT name FROM items").await, id);
    }
    assert_eq!(pools.schema_name("Big-Co").unwrap(), "tenant_Big-Co");
    assert_invariants(&pools);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_recycling_hands_each_connection_out_on_the_tenant_schema() {
    let Some((db, _admin)) = database(&["acme"]).await else {
        return;
    };
    for (recycling, expect) in [
        (Recycling::Clean, "tenant_acme"),
        (Recycling::Fast, "public"),
    ] {
        let pools = TenantPools::new(PoolsConfig {
            recycling,
            ..config(&db, 5, 1)
        })
        .unwrap();
        let conn = pools.get("acme").await.unwrap();
        conn.batch_execute("SET search_path TO public")
            .await
            .unwrap();
        drop(conn);
        let conn = pools.get("acme").await.unwrap();
        let schema = text(&conn, "SELECT current_schema()::text").await;
        assert_eq!(schema, expect, "{recycling:?}");
    }
}

/// A connection dropped in the middle of a transaction (or after an error aborted one) is
/// handed out with that transaction rolled back: its rows never reach the next user, and a
/// rollback of the next user's own does not bring back the dropped user's `SET`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_recycling_rolls_back_a_transaction_left_open() {
    let Some((db, mut admin)) = database(&["acme"]).await else {
        return;
    };
    let pools = TenantPools::new(config(&db, 5, 1)).unwrap();
    let conn = pools.get("acme").await.unwrap();
    conn.batch_execute("BEGIN; INSERT INTO items VALUES ('left open'); SET search_path TO public")
        .await
        .unwrap();
    drop(conn);
    let mut conn = pools.get("acme").await.unwrap();
    // The dropped user's INSERT gave its transaction an id; a fresh session has none.
    let no_transaction_id = "SELECT (txid_current_if_assigned() IS NULL)::text";
    assert_eq!(text(&conn, no_transaction_id).await, "true");
    assert_eq!(text(&conn, "SELECT count(*)::text FROM items").await, "1");
    let transaction = conn.transaction().await.unwrap();
    transaction.rollback().await.unwrap();
    let schema = text(&conn, "SELECT current_schema()::text").await;
    assert_eq!(schema, "tenant_acme");
    let rows = "SELECT count(*) FROM tenant_acme.items";
    assert_eq!(
        query_i64(&mut admin, rows).await,
        1,
        "the open insert was kept"
    );

    conn.batch_execute("BEGIN; SELECT 1/0").await.unwrap_err();
    drop(conn);
    let conn = pools.get("acme").await.unwrap();
    assert_eq!(
        text(&conn, "SELECT current_schema()::text").await,
        "tenant_acme"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_tenant_gets_the_same_pool_until_it_is_evicted() {
    let Some((db, mut admin)) = database(&["acme"]).await else {
        return;
    };
    let pools = TenantPools::new(config(&db, 5, 1)).unwrap();
    let first = backend_pid(&pools.get("acme").await.unwrap()).await;
    let again = backend_pid(&pools.get("acme").await.unwrap()).await;
    assert_eq!(first, again, "one connection per pool, so the same backend");
    let metrics = pools.metrics();
    assert_eq!((metrics.hits, metrics.misses, metrics.pools), (1, 1, 1));

    assert!(pools.evict("acme").unwrap());
    assert!(!pools.evict("acme").unwrap(), "nothing left to evict");
    assert!(!pools.has_pool("acme"));
    wait_for_connections_at_most(&mut admin, 0).await;
    let fresh = backend_pid(&pools.get("acme").await.unwrap()).await;
    assert_ne!(fresh, first, "a new pool opens a new connection");
    let metrics = pools.metrics();
    assert_eq!((metrics.misses, metrics.evictions.manual), (2, 1));
    assert_invariants(&pools);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_gets_for_a_new_tenant_make_one_pool() {
    let Some((db, mut admin)) = database(&["acme"]).await else {
        return;
    };
    let pools = TenantPools::new(config(&db, 5, 3)).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..48 {
        let pools = pools.clone();
        tasks.spawn(async move {
            let conn = pools.get("acme").await.unwrap();
            let schema = text(&conn, "SELECT current_schema()::text").await;
            (backend_pid(&conn).await, schema)
        });
    }
    let mut pids = HashSet::new();
    while let Some(done) = tasks.join_next().await {
        let (pid, schema) = done.unwrap();
        assert_eq!(schema, "tenant_acme");
        pids.insert(pid);
    }
    let metrics = pools.metrics();
    assert_eq!(pools.pool_count(), 1);
    assert_eq!((metrics.misses, metrics.hits), (1, 47), "{metrics:?}");
    assert!(pids.len() <= 3, "{} backends for a pool of 3", pids.len());
    assert!(server_connections(&mut admin).await <= 3);
    assert_invariants(&pools);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_least_recently_used_pool_is_evicted_and_closed() {
    let Some((db, mut admin)) = database(&["a", "b", "c"]).await else {
        return;
    };
    let pools = TenantPools::new(config(&db, 2, 1)).unwrap();
    let pid_a = backend_pid(&pools.get("a").await.unwrap()).await;
    let pid_b = backend_pid(&pools.get("b").await.unwrap()).await;
    assert_eq!(pools.active_tenant_ids(), ["b", "a"]);
    drop(pools.get("a").await.unwrap()); // The access makes b the least recently used.
    assert_eq!(pools.active_tenant_ids(), ["a", "b"]);
    drop(pools.get("c").await.unwrap());
    assert_eq!(pools.active_tenant_ids(), ["c", "a"]);
    assert!(!pools.has_pool("b"));
    assert_eq!(pools.metrics().evictions.lru, 1);
    assert_invariants(&pools);

    let gone = format!("SELECT count(*) FROM pg_stat_activity WHERE pid = {pid_b}");
    for _ in 0..100 {
        if query_i64(&mut admin, &gone).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        query_i64(&mut admin, &gone).await,
        0,
        "b's connection closed"
    );
    let still = format!("SELECT count(*) FROM pg_stat_activity WHERE pid = {pid_a}");
    assert_eq!(
        query_i64(&mut admin, &still).await,
        1,
        "a's connection kept"
    );

    drop(pools.get("b").await.unwrap());
    assert_eq!(pools.active_tenant_ids(), ["b", "c"]);
    let metrics = pools.metrics();
    assert_eq!((metrics.evictions.lru, metrics.misses), (2, 4));
    assert_invariants(&pools);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tenants_at_once_stay_within_max_pools() {
    let ids: Vec<String> = (0..12).map(|i| format!("t{i}")).collect();
    let Some((db, mut admin)) = database(&[]).await else {
        return;
    };
    let pools = TenantPools::new(config(&db, 3, 1)).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids.clone() {
        let pools = pools.clone();
        tasks.spawn(async move {
            let conn = pools.get(&id).await.unwrap();
            let search_path = text(&conn, "SELECT current_setting('search_path')").await;
            assert_eq!(search_path, format!("\"tenant_{id}\""));
            assert!(pools.pool_count() <= 3);
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let metrics = pools.metrics();
    // A pool evicted by another task between a tenant's lookup and its checkout is made
    // again (`get` looks up once more): one more miss and one more eviction each time.
    assert_eq!(metrics.pools, 3, "{metrics:?}");
    assert!(metrics.misses >= 12, "{metrics:?}");
    assert_eq!(metrics.evictions.lru, metrics.misses - 3, "{metrics:?}");
    assert_invariants(&pools);
    // Connections checked out when their pool was evicted close once they are returned.
    wait_for_connections_at_most(&mut admin, 3).await;
}

#[tokio::test]
async fn invalid_ids_are_refused_before_anything_connects() {
    // Nothing listens on port 1: a connection attempt would fail with a connect error.
    let pools = TenantPools::new(PoolsConfig::new(
        "postgres://app:hunter2@127.0.0.1:1/app?sslmode=disable",
    ))
    .unwrap();
    let refused = pools
        .get("acme\"; DROP SCHEMA public; --")
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            PoolsError::TenantId(TenantIdError::Character { found: '"', .. })
        ),
        "{refused:?}"
    );
    let long = "a".repeat(60);
    let refused = pools.get(&long).await.unwrap_err();
    assert!(matches!(
        refused,
        PoolsError::TenantId(TenantIdError::TooLong { .. })
    ));
    let refused = pools.pool("").unwrap_err();
    assert!(matches!(
        refused,
        PoolsError::TenantId(TenantIdError::Empty)
    ));
    assert_eq!((pools.pool_count(), pools.metrics().misses), (0, 0));

    let unreachable = pools.get("acme").await.unwrap_err();
    let message = unreachable.to_string();
    assert!(
        matches!(unreachable, PoolsError::Connect { .. }),
        "{unreachable:?}"
    );
    assert!(
        message.starts_with("tenant \"acme\": cannot connect: "),
        "{message}"
    );
    assert!(!message.contains("hunter2") && !format!("{pools:?}").contains("hunter2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pool_says_how_long_it_waited() {
    let Some((db, _admin)) = database(&["acme"]).await else {
        return;
    };
    let pools = TenantPools::new(PoolsConfig {
        checkout_timeout: Duration::from_millis(200),
        ..config(&db, 5, 1)
    })
    .unwrap();
    let held = pools.get("acme").await.unwrap();
    let busy = pools.get("acme").await.unwrap_err();
    assert_eq!(
        busy.to_string(),
        "tenant \"acme\": no connection came free within 200ms (max_connections_per_pool is 1)"
    );
    let metrics = pools.metrics();
    assert_eq!(metrics.tenants[0].connections.total, 1);
    assert_eq!(metrics.tenants[0].connections.idle, 0);
    drop(held);
    let metrics = pools.metrics();
    assert_eq!(
        (metrics.connections.total, metrics.connections.idle),
        (1, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispose_is_idempotent_and_every_later_call_fails_clearly() {
    let Some((db, mut admin)) = database(&["a", "b"]).await else {
        return;
    };
    let pools = TenantPools::new(config(&db, 5, 2)).unwrap();
    drop(pools.get("a").await.unwrap());
    let held = pools.get("b").await.unwrap();
    pools.start_cleanup(Duration::from_secs(60)).unwrap();
    assert_eq!(server_connections(&mut admin).await, 2);

    pools.dispose();
    pools.dispose();
    assert_eq!(pools.pool_count(), 0);
    assert!(pools.active_tenant_ids().is_empty() && !pools.has_pool("a"));
    assert_eq!(pools.metrics().pools, 0);
    let disposed = |r: Result<(), PoolsError>| {
        let error = r.unwrap_err();
        assert!(matches!(error, PoolsError::Disposed), "{error:?}");
        assert_eq!(error.to_string(), "tenant pools were disposed");
    };
    disposed(pools.get("a").await.map(drop));
    disposed(pools.get("not an id!").await.map(drop));
    disposed(pools.pool("a").map(drop));
    disposed(pools.evict("a").map(drop));
    disposed(pools.warmup(&["a"]).await.map(drop));
    disposed(pools.health_check().await.map(drop));
    disposed(pools.cleanup_idle().map(drop));
    disposed(pools.start_cleanup(Duration::from_secs(1)));

    // A connection checked out before dispose keeps working, and closes when dropped.
    assert_eq!(text(&held, "SELECT name FROM items").await, "b");
    drop(held);
    wait_for_connections_at_most(&mut admin, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warmup_reports_every_tenant() {
    let Some((db, mut admin)) = database(&["a", "b"]).await else {
        return;
    };
    let pools = TenantPools::new(config(&db, 5, 2)).unwrap();
    drop(pools.get("a").await.unwrap());
    let report = pools.warmup(&["a", "b", "missing", "Bad!"]).await.unwrap();
    assert_eq!(
        (
            report.total,
            report.succeeded,
            report.failed,
            report.already_warm
        ),
        (4, 2, 2, 1)
    );
    assert_eq!(report.total, report.succeeded + report.failed);
    let outcomes: Vec<(&str, &WarmupOutcome)> = report
        .details
        .iter()
        .map(|d| (d.tenant.as_str(), &d.outcome))
        .collect();
    assert!(matches!(outcomes[0], ("a", WarmupOutcome::AlreadyWarm)));
    assert!(matches!(outcomes[1], ("b", WarmupOutcome::Warmed)));
    assert!(matches!(
        outcomes[2],
        (
            "missing",
            WarmupOutcome::Failed(PoolsError::MissingSchema { .. })
        )
    ));
    assert!(matches!(
        outcomes[3],
        ("Bad!", WarmupOutcome::Failed(PoolsError::TenantId(_)))
    ));
    // b's warm connection waits idle in its pool.
    let metrics = pools.metrics();
    let b = metrics.tenants.iter().find(|t| t.tenant == "b").unwrap();
    assert_eq!((b.connections.total, b.connections.idle), (1, 1));
    assert_eq!(pools.active_tenant_ids().len(), 3, "a, b and missing");
    assert_eq!(server_connections(&mut admin).await, 3);
    assert_invariants(&pools);

    // Again: the pool a failed warmup left is there, and still not warm.
    let report = pools.warmup(&["b", "missing"]).await.unwrap();
    assert_eq!(
        (report.succeeded, report.failed, report.already_warm),
        (1, 1, 1)
    );
    assert!(matches!(
        report.details[1].outcome,
        WarmupOutcome::Failed(PoolsError::MissingSchema { .. })
    ));

    // A warm pool whose every connection the application holds is not checked out again:
    // no wait for checkout_timeout, no Busy.
    let pools = TenantPools::new(PoolsConfig {
        checkout_timeout: Duration::from_secs(30),
        ..config(&db, 5, 1)
    })
    .unwrap();
    pools.warmup(&["a"]).await.unwrap();
    let held = pools.get("a").await.unwrap();
    let report = tokio::time::timeout(Duration::from_secs(5), pools.warmup(&["a"]))
        .await
        .expect("no checkout wait")
        .unwrap();
    assert!(matches!(
        report.details[0].outcome,
        WarmupOutcome::AlreadyWarm
    ));
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_check_covers_every_pool_and_leaves_the_order() {
    let Some((db, _admin)) = database(&["a", "b"]).await else {
        return;
    };
    let pools = TenantPools::new(config(&db, 5, 2)).unwrap();
    for id in ["a", "missing", "b"] {
        pools.pool(id).unwrap();
    }
    let order = pools.active_tenant_ids();
    let counters = (pools.metrics().hits, pools.metrics().misses);
    let report = pools.health_check().await.unwrap();
    assert_eq!(report.total_pools, pools.pool_count());
    assert_eq!((report.unhealthy_pools, report.healthy), (1, false));
    let statuses: Vec<(&str, HealthStatus)> = report
        .pools
        .iter()
        .map(|p| (p.tenant.as_str(), p.status))
        .collect();
    assert_eq!(statuses[1], ("b", HealthStatus::Ok));
    assert_eq!(statuses[2], ("missing", HealthStatus::Unhealthy));
    let error = report.pools[2].error.as_ref().unwrap().to_string();
    assert_eq!(
        error,
        "tenant \"missing\": schema \"tenant_missing\" does not exist"
    );
    assert_eq!(
        pools.active_tenant_ids(),
        order,
        "a health check is not an access"
    );
    assert_eq!((pools.metrics().hits, pools.metrics().misses), counters);

    pools.evict("missing").unwrap();
    let report = pools.health_check().await.unwrap();
    assert_eq!((report.total_pools, report.healthy), (2, true));
    assert_eq!(report.total_pools, pools.pool_count());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_pools_are_cleaned_up_but_busy_ones_stay() {
    let Some((db, _admin)) = database(&["a", "b"]).await else {
        return;
    };
    let unlimited = TenantPools::new(PoolsConfig {
        idle_ttl: None,
        ..config(&db, 5, 1)
    })
    .unwrap();
    let refused = unlimited.start_cleanup(Duration::from_secs(1)).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "tenant pools: start_cleanup needs idle_ttl in PoolsConfig"
    );

    let pools = TenantPools::new(PoolsConfig {
        idle_ttl: Some(Duration::from_millis(200)),
        ..config(&db, 5, 1)
    })
    .unwrap();
    drop(pools.get("a").await.unwrap());
    let held = pools.get("b").await.unwrap();
    assert!(pools.cleanup_idle().unwrap().is_empty(), "nothing idle yet");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        pools.cleanup_idle().unwrap(),
        ["a"],
        "b has a connection out"
    );
    assert_eq!(pools.metrics().evictions.idle, 1);
    drop(held);

    pools.start_cleanup(Duration::from_millis(50)).unwrap();
    for _ in 0..100 {
        if pools.pool_count() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(pools.pool_count(), 0, "the background task swept b");
    assert_eq!(pools.metrics().evictions.idle, 2);
    pools.stop_cleanup();
    drop(pools.get("a").await.unwrap());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(pools.has_pool("a"), "no sweep after stop_cleanup");
    assert_invariants(&pools);
}

/// A caller still waiting for a pool's first connection is a user of that pool: the idle
/// sweep must not close the pool under it, however long the connect takes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_opening_its_first_connection_is_not_idle() {
    // A server that accepts and never answers: the startup handshake hangs.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let accepting = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let url = format!("postgres://app@127.0.0.1:{port}/app?sslmode=disable");
    let pools = TenantPools::new(PoolsConfig {
        idle_ttl: Some(Duration::from_millis(50)),
        ..PoolsConfig::new(url)
    })
    .unwrap();
    let waiting = tokio::spawn({
        let pools = pools.clone();
        async move { pools.get("a").await.map(drop) }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiting.is_finished(), "the silent server answered");
    assert!(pools.cleanup_idle().unwrap().is_empty());
    assert!(pools.has_pool("a"));
    assert_eq!(pools.metrics().evictions.idle, 0);

    waiting.abort();
    accepting.abort();
    for _ in 0..100 {
        if pools.pool("a").unwrap().status().waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        pools.cleanup_idle().unwrap(),
        ["a"],
        "idle once nobody waits"
    );
}
