//! Drift: each kind injected into random tenants among identical ones is found, and nothing
//! else is.

use std::collections::BTreeMap;

use plover_testkit::{Backend, Fixture, TestDb};

use crate::support::database;

use super::support::{NO_LINT, done, ids, migrated_fleet, pick, project, schema, seed, tenants};

/// One tenant schema with an object of every kind drift is looked for in.
const DRIFT: &[(&str, &str)] = &[(
    "001_schema.sql",
    "CREATE TYPE item_status AS ENUM ('new', 'done');\n\
     CREATE TABLE owners (id integer PRIMARY KEY);\n\
     CREATE TABLE items (\n\
       id integer PRIMARY KEY,\n\
       name text NOT NULL,\n\
       qty integer DEFAULT 0,\n\
       price numeric,\n\
       note text,\n\
       owner_id integer,\n\
       status item_status NOT NULL DEFAULT 'new'\n\
     );\n\
     CREATE INDEX items_name_idx ON items (name);\n\
     CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\n\
     BEGIN NEW.qty := coalesce(NEW.qty, 0); RETURN NEW; END $$;\n\
     CREATE TRIGGER items_touch BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION touch();\n\
     CREATE VIEW item_names AS SELECT id, name FROM items;\n\
     ALTER TABLE items ENABLE ROW LEVEL SECURITY;\n\
     CREATE POLICY items_all ON items USING (true);\n",
)];

/// Each kind of drift: the change's action, what is done by hand in one tenant (`{s}` is its
/// schema), and what the name of the one change reported for it must contain.
const DRIFT_KINDS: &[(&str, &str, &str, &str)] = &[
    (
        "added column",
        "added",
        "ALTER TABLE {s}.items ADD COLUMN extra integer",
        "items.extra",
    ),
    (
        "dropped column",
        "removed",
        "ALTER TABLE {s}.items DROP COLUMN note",
        "items.note",
    ),
    (
        "type change",
        "altered",
        "ALTER TABLE {s}.items ALTER COLUMN qty TYPE bigint",
        "items.qty",
    ),
    (
        "nullability",
        "altered",
        "ALTER TABLE {s}.items ALTER COLUMN price SET NOT NULL",
        "items.price",
    ),
    (
        "default",
        "altered",
        "ALTER TABLE {s}.items ALTER COLUMN status SET DEFAULT 'done'",
        "items.status",
    ),
    (
        "index added",
        "added",
        "CREATE INDEX items_note_idx ON {s}.items (note)",
        "items_note_idx",
    ),
    (
        "index dropped",
        "removed",
        "DROP INDEX {s}.items_name_idx",
        "items_name_idx",
    ),
    (
        "index ordering",
        "altered",
        "DROP INDEX {s}.items_name_idx; CREATE INDEX items_name_idx ON {s}.items (name DESC)",
        "items_name_idx",
    ),
    (
        "index operator class",
        "altered",
        "DROP INDEX {s}.items_name_idx; \
         CREATE INDEX items_name_idx ON {s}.items (name text_pattern_ops)",
        "items_name_idx",
    ),
    (
        "index collation",
        "altered",
        "DROP INDEX {s}.items_name_idx; \
         CREATE INDEX items_name_idx ON {s}.items (name COLLATE \"C\")",
        "items_name_idx",
    ),
    (
        "index column",
        "altered",
        "DROP INDEX {s}.items_name_idx; CREATE INDEX items_name_idx ON {s}.items (note)",
        "items_name_idx",
    ),
    (
        "unique constraint",
        "added",
        "ALTER TABLE {s}.items ADD CONSTRAINT items_note_key UNIQUE (note)",
        "items_note_key",
    ),
    (
        "check constraint",
        "added",
        "ALTER TABLE {s}.items ADD CONSTRAINT items_price_check CHECK (price >= 0)",
        "items_price_check",
    ),
    (
        "foreign key",
        "added",
        "ALTER TABLE {s}.items ADD CONSTRAINT items_owner_fk FOREIGN KEY (owner_id) REFERENCES {s}.owners (id)",
        "items_owner_fk",
    ),
    (
        "function body",
        "altered",
        "CREATE OR REPLACE FUNCTION {s}.touch() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN NEW.qty := coalesce(NEW.qty, 1); RETURN NEW; END $$",
        "touch",
    ),
    (
        "trigger",
        "removed",
        "DROP TRIGGER items_touch ON {s}.items",
        "items_touch",
    ),
    (
        "view definition",
        "altered",
        "CREATE OR REPLACE VIEW {s}.item_names AS SELECT id, name FROM {s}.items WHERE id > 0",
        "item_names",
    ),
    (
        "RLS policy",
        "altered",
        "ALTER POLICY items_all ON {s}.items USING (id > 0)",
        "items_all",
    ),
    (
        "enum value",
        "altered",
        "ALTER TYPE {s}.item_status ADD VALUE 'archived'",
        "item_status",
    ),
];

/// Runs `tenants drift --json ARGS` and returns, per drifted tenant, its changes as
/// `action name`, after checking the exit code and the counts.
fn drifted(
    dir: &Fixture,
    db: &TestDb,
    args: &[&str],
    total: usize,
) -> BTreeMap<String, Vec<String>> {
    let mut all = vec!["--json", "drift"];
    all.extend_from_slice(args);
    let out = tenants(dir, db, &all);
    let report = done(&out);
    let listed = report["tenants"].as_array().expect("tenants");
    assert_eq!(report["total"], total, "{report}");
    assert_eq!(report["drifted"], listed.len(), "{report}");
    let expected_code = if listed.is_empty() { 0 } else { 9 };
    assert_eq!(out.code, expected_code, "{out:?}");
    listed
        .iter()
        .map(|t| {
            let names = t["changes"]
                .as_array()
                .expect("changes")
                .iter()
                .map(|c| {
                    format!(
                        "{} {}",
                        c["action"].as_str().unwrap(),
                        c["name"].as_str().unwrap()
                    )
                })
                .collect();
            (t["id"].as_str().expect("id").to_owned(), names)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_finds_exactly_the_tenants_changed_by_hand_naming_each_object() {
    let Some(db) = database(Backend::Postgres).await else {
        return;
    };
    let seed = seed();
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = project(NO_LINT, DRIFT);
    let ids = ids("d", 100);
    migrated_fleet(&dir, &db, &ids, &[]).await;

    // An identical fleet: against the migrations and against a tenant.
    assert_eq!(drifted(&dir, &db, &[], 100), BTreeMap::new());
    assert_eq!(
        drifted(&dir, &db, &["--reference", &ids[0]], 100),
        BTreeMap::new()
    );

    let chosen = pick(&mut rng, &ids, DRIFT_KINDS.len() + 1);
    let (clean, targets) = chosen.split_last().expect("tenants");
    let mut conn = db.connect().await;
    let mut expected = BTreeMap::new();
    for ((kind, action, sql, object), id) in DRIFT_KINDS.iter().zip(targets) {
        let sql = sql.replace("{s}", &schema(id));
        conn.execute_script(&sql)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {sql}: {e}"));
        expected.insert(id.clone(), (*kind, *action, *object));
    }
    for args in [vec![], vec!["--reference", clean.as_str()]] {
        let found = drifted(&dir, &db, &args, 100);
        let context = format!("seed {seed}, drift {args:?}");
        assert_eq!(
            found.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{context}: {found:#?}"
        );
        for (id, changes) in &found {
            let (kind, action, object) = expected[id];
            let [change] = changes.as_slice() else {
                panic!("{context}: {kind} in {id} reported as {changes:?}");
            };
            let (reported, name) = change.split_once(' ').expect("action name");
            assert!(
                reported == action && name.contains(object),
                "{context}: {kind} in {id} reported as {change}"
            );
        }
    }
}
