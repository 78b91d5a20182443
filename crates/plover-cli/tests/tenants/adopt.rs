//! Adopting a drizzle-multitenant fleet: `migrate --mark-applied` records exactly what its
//! tracking tables list, in each of their formats.

use plover::core::{Driver, Value};
use plover_testkit::{Backend, query_i64};

use crate::support::database;

use super::support::{
    applied, counts, done, entry, history, history_states, project, relation_exists, schema,
    tenants,
};

const DRIZZLE: &[(&str, &str)] = &[
    (
        "0001_users.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);\n",
    ),
    (
        "0002_posts.sql",
        "CREATE TABLE posts (id integer PRIMARY KEY, user_id integer NOT NULL);\n",
    ),
    (
        "0003_comments.sql",
        "CREATE TABLE comments (id integer PRIMARY KEY, body text);\n",
    ),
];

/// A tenant schema as drizzle-multitenant leaves it: the tables of the migrations `tables`
/// (by version; `users` with a row), and its tracking table in one of its formats, listing
/// `rows` (file names without `.sql`, or file contents to hash).
async fn drizzle_tenant(
    conn: &mut dyn Driver,
    id: &str,
    format: &str,
    tables: &[usize],
    rows: &[&str],
) {
    let s = schema(id);
    let mut sql = format!("CREATE SCHEMA {s};\nSET search_path TO {s};\n");
    for version in tables {
        sql.push_str(DRIZZLE[version - 1].1);
    }
    if tables.contains(&1) {
        sql.push_str("INSERT INTO users VALUES (1, 'kept@example.com');\n");
    }
    sql.push_str(match format {
        "name" => "CREATE TABLE __drizzle_migrations (id serial PRIMARY KEY, name varchar(255) NOT NULL, applied_at timestamp DEFAULT now());\n",
        "hash" => "CREATE TABLE __drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at timestamp DEFAULT now());\n",
        _ => "CREATE TABLE __drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);\n",
    });
    sql.push_str("RESET search_path;\n");
    conn.execute_script(&sql).await.unwrap();
    let table = format!("{s}.__drizzle_migrations");
    for row in rows {
        let insert = match format {
            "name" => format!("INSERT INTO {table} (name) VALUES ($1)"),
            // The SHA-256 of the file, computed by PostgreSQL rather than by Plover.
            "hash" => format!(
                "INSERT INTO {table} (hash) VALUES (encode(sha256(convert_to($1, 'UTF8')), 'hex'))"
            ),
            _ => format!(
                "INSERT INTO {table} (hash, created_at) VALUES \
                 (encode(sha256(convert_to($1, 'UTF8')), 'hex'), 1700000000000)"
            ),
        };
        conn.query(&insert, &[Value::from(*row)]).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_applied_adopts_exactly_what_drizzle_multitenant_recorded() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let dir = project("", DRIZZLE);
    let mut conn = db.connect().await;
    let (users, posts, comments) = (DRIZZLE[0].1, DRIZZLE[1].1, DRIZZLE[2].1);
    // Tenants with the first two migrations applied, in each format; one that had only the
    // first; one that had the first and the third (the second was added later with a lower
    // number); one whose table names a file that does not exist; one without the table.
    let both = ["0001_users", "0002_posts"];
    drizzle_tenant(conn.as_mut(), "dname", "name", &[1, 2], &both).await;
    drizzle_tenant(conn.as_mut(), "dhash", "hash", &[1, 2], &[users, posts]).await;
    drizzle_tenant(conn.as_mut(), "dkit", "kit", &[1, 2], &[users, posts]).await;
    drizzle_tenant(conn.as_mut(), "dolder", "name", &[1], &["0001_users"]).await;
    drizzle_tenant(conn.as_mut(), "dgap", "hash", &[1, 3], &[users, comments]).await;
    let gone = ["0001_users", "0009_gone"];
    drizzle_tenant(conn.as_mut(), "dgone", "name", &[1, 2], &gone).await;
    let no_table = "CREATE SCHEMA tenant_dnone";
    conn.execute_script(no_table).await.unwrap();

    let out = tenants(&dir, &db, &["--json", "migrate", "--all", "--mark-applied"]);
    assert_eq!(out.code, 4, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [7, 6, 1, 0]);
    let error = entry(&report, "dgone")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.contains("0009_gone"), "{error}");
    let recorded = applied(&report);
    for (id, expected) in [
        ("dname", &[1, 2][..]),
        ("dhash", &[1, 2]),
        ("dkit", &[1, 2]),
        ("dolder", &[1]),
        ("dgap", &[1, 3]),
        ("dgone", &[]),
        ("dnone", &[1, 2, 3]),
    ] {
        assert_eq!(recorded[id], expected, "{id}");
        assert_eq!(history(conn.as_mut(), &schema(id)).await, expected, "{id}");
    }
    // No SQL ran: the rows say so, running 0001 again would have failed on the existing
    // table, and nothing was created or removed.
    for id in ["dname", "dhash", "dkit", "dolder", "dgap"] {
        let s = schema(id);
        let states: Vec<String> = recorded[id]
            .iter()
            .map(|v| format!("{v} baseline"))
            .collect();
        assert_eq!(history_states(conn.as_mut(), &s).await, states, "{s}");
        let has_comments = relation_exists(conn.as_mut(), &s, "comments").await;
        assert_eq!(has_comments, id == "dgap", "{s}");
        let rows = format!("SELECT count(*) FROM {s}.users");
        assert_eq!(query_i64(conn.as_mut(), &rows).await, 1, "{s}");
        let tracked = format!("SELECT count(*) FROM {s}.__drizzle_migrations");
        let expected = if id == "dolder" { 1 } else { 2 };
        assert_eq!(query_i64(conn.as_mut(), &tracked).await, expected, "{s}");
    }
    // The migration drizzle-multitenant never ran there is still to run, not recorded.
    assert!(!relation_exists(conn.as_mut(), "tenant_dgap", "posts").await);
    assert!(!relation_exists(conn.as_mut(), "tenant_dnone", "users").await);

    // A plain run applies only what drizzle-multitenant had not.
    let adopted = "dname,dhash,dkit,dolder";
    let out = tenants(&dir, &db, &["--json", "migrate", "--tenants", adopted]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = done(&out);
    assert_eq!(counts(&report), [4, 4, 0, 0]);
    let ran = applied(&report);
    for (id, expected, states) in [
        ("dname", &[3][..], ["1 baseline", "2 baseline", "3 applied"]),
        ("dhash", &[3], ["1 baseline", "2 baseline", "3 applied"]),
        ("dkit", &[3], ["1 baseline", "2 baseline", "3 applied"]),
        ("dolder", &[2, 3], ["1 baseline", "2 applied", "3 applied"]),
    ] {
        assert_eq!(ran[id], expected, "{id}");
        let s = schema(id);
        assert_eq!(history_states(conn.as_mut(), &s).await, states, "{s}");
        assert!(relation_exists(conn.as_mut(), &s, "comments").await, "{s}");
        assert!(relation_exists(conn.as_mut(), &s, "posts").await, "{s}");
    }
    // The gap is not silently skipped: version 2 is pending below an applied version 3,
    // refused until out-of-order runs are allowed.
    let out = tenants(&dir, &db, &["--json", "migrate", "--tenant", "dgap"]);
    assert_eq!(out.code, 4, "{out:?}");
    let error = entry(&done(&out), "dgap")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.contains("0002_posts.sql") && error.contains("out of order"),
        "{error}"
    );
    dir.write("plover.toml", "[migrations]\nout_of_order = \"allow\"\n");
    let out = tenants(&dir, &db, &["--json", "migrate", "--tenant", "dgap"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(applied(&done(&out))["dgap"], [2]);
    assert!(relation_exists(conn.as_mut(), "tenant_dgap", "posts").await);
    // The tenant whose table names a missing file still fails, and still records nothing.
    let out = tenants(
        &dir,
        &db,
        &["migrate", "--tenant", "dgone", "--mark-applied"],
    );
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(
        history(conn.as_mut(), "tenant_dgone").await,
        Vec::<i64>::new()
    );
}
