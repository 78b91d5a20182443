//! Introspection of SQLite into the schema model.

use plover::core::schema::{
    Action, Catalog, ConstraintKind, Deferral, ObjectKind, Scope, diff, render,
};
use plover::core::sql::QualifiedName;
use plover_testkit::{Backend, TestDb};

/// A fresh database with `ddl` applied, and the open connection to it.
async fn database(ddl: &str) -> (TestDb, Box<dyn plover::core::Driver>) {
    let db = TestDb::new(Backend::Sqlite)
        .await
        .expect("sqlite is always available");
    let mut conn = db.connect().await;
    conn.execute_script(ddl)
        .await
        .unwrap_or_else(|e| panic!("apply DDL: {e}\n{ddl}"));
    (db, conn)
}

/// `ddl` applied to a fresh database, introspected in `scope`.
async fn introspect_in(ddl: &str, scope: &Scope) -> Catalog {
    let (_db, mut conn) = database(ddl).await;
    conn.introspect(scope).await.expect("introspect")
}

async fn introspect(ddl: &str) -> Catalog {
    introspect_in(ddl, &Scope::all()).await
}

const RICH: &str = "
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name VARCHAR(100) COLLATE NOCASE,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'banned')),
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    domain TEXT GENERATED ALWAYS AS (substr(email, instr(email, '@') + 1)) VIRTUAL
);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    score REAL DEFAULT 0,
    CONSTRAINT posts_author FOREIGN KEY (author_id) REFERENCES users (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT posts_slug_unique UNIQUE (author_id, slug),
    CHECK (length(title) > 0),
    CHECK (score >= 0)
);
CREATE TABLE tags (
    post_id INTEGER REFERENCES posts ON UPDATE CASCADE,
    tag TEXT,
    PRIMARY KEY (post_id, tag)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE search USING fts5(body);
CREATE INDEX posts_title ON posts (title);
CREATE UNIQUE INDEX users_lower_email ON users (lower(email));
CREATE INDEX users_name ON users (name);
CREATE INDEX users_name_exact ON users (name COLLATE BINARY DESC, status COLLATE NOCASE);
CREATE INDEX posts_recent ON posts (author_id, score DESC) WHERE score > 10;
CREATE VIEW active_users AS SELECT id, email FROM users WHERE status = 'active';
CREATE TRIGGER posts_touch AFTER UPDATE ON posts
BEGIN
    UPDATE users SET name = name WHERE id = NEW.author_id;
END;
";

const RICH_RENDERED: &str = r#"CREATE SCHEMA main;

CREATE TABLE main.posts (
    id integer,
    author_id integer NOT NULL,
    slug text NOT NULL,
    title text NOT NULL,
    score real DEFAULT 0,
    CONSTRAINT posts_author FOREIGN KEY (author_id) REFERENCES users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT posts_check1 CHECK (length(title) > 0),
    CONSTRAINT posts_check2 CHECK (score >= 0),
    CONSTRAINT posts_pkey PRIMARY KEY (id),
    CONSTRAINT posts_slug_unique UNIQUE (author_id, slug)
);
CREATE INDEX posts_recent ON main.posts USING btree (author_id, score DESC) WHERE score > 10;
CREATE INDEX posts_title ON main.posts USING btree (title);
CREATE TRIGGER posts_touch AFTER UPDATE ON posts BEGIN UPDATE users SET name = name WHERE id = NEW.author_id; END;

CREATE TABLE main.search (
    body 
);

CREATE TABLE main.tags (
    post_id integer NOT NULL,
    tag text NOT NULL,
    CONSTRAINT tags_pkey PRIMARY KEY (post_id, tag),
    CONSTRAINT tags_post_id_fkey FOREIGN KEY (post_id) REFERENCES posts(id) ON UPDATE CASCADE
);

CREATE TABLE main.users (
    id integer,
    email text NOT NULL,
    name varchar(100) COLLATE NOCASE,
    status text NOT NULL DEFAULT 'active',
    created_at text DEFAULT CURRENT_TIMESTAMP,
    domain text GENERATED ALWAYS AS (substr(email, instr(email, '@') + 1)) STORED,
    CONSTRAINT users_check1 CHECK (status IN ('active', 'banned')),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX users_lower_email ON main.users USING btree (lower(email));
CREATE INDEX users_name ON main.users USING btree (name);
CREATE INDEX users_name_exact ON main.users USING btree (name COLLATE BINARY DESC, status COLLATE NOCASE);

CREATE VIEW main.active_users AS SELECT id, email FROM users WHERE status = 'active';
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_supported_kind_of_object_is_read() {
    let catalog = introspect(RICH).await;
    assert_eq!(render::catalog(&catalog), RICH_RENDERED);

    let main = &catalog.schemas["main"];
    let users = &main.tables["users"];
    let domain = users.column("domain").unwrap();
    assert_eq!(
        domain.generated.as_deref(),
        Some("substr(email, instr(email, '@') + 1)")
    );
    assert_eq!(
        users.column("name").unwrap().collation.as_deref(),
        Some("NOCASE")
    );
    assert!(
        users.column("id").unwrap().nullable,
        "SQLite reports the pragma's notnull"
    );

    let posts = &main.tables["posts"];
    let author = &posts.constraints["posts_author"];
    assert_eq!(author.kind, ConstraintKind::ForeignKey);
    assert_eq!(author.columns, ["author_id"]);
    assert_eq!(author.deferral, Deferral::InitiallyDeferred);
    assert_eq!(posts.constraints["posts_check2"].columns, ["score"]);
    let recent = &posts.indexes["posts_recent"];
    assert_eq!(recent.keys, ["author_id", "score DESC"]);
    assert_eq!(recent.predicate.as_deref(), Some("score > 10"));
    assert!(posts.triggers["posts_touch"].enabled);

    // The storage tables behind the virtual table and SQLite's own tables stay out.
    let names: Vec<&str> = main.tables.keys().map(String::as_str).collect();
    assert_eq!(names, ["posts", "search", "tags", "users"]);
}

const PLAIN: &str = "
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name VARCHAR(20) COLLATE NOCASE,
    age INTEGER CHECK (age >= 0),
    created TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    body TEXT
);
CREATE INDEX posts_user ON posts (user_id DESC) WHERE body IS NOT NULL;
CREATE VIEW adults AS SELECT id, email FROM users WHERE age > 18;
CREATE TRIGGER posts_touch AFTER INSERT ON posts BEGIN UPDATE users SET name = name WHERE id = NEW.user_id; END;
";

const RESTYLED: &str = r#"
-- The same schema, written by someone else.
create table if not exists "users" (
    "id"      integer,
    [email]   Text    not null,
    `name`    varchar ( 20 )   collate nocase,  /* display name */
    age       Integer,
    created   TEXT    default CURRENT_TIMESTAMP,
    primary key ( id ),
    unique (email),
    check( age >= 0 )
);
CREATE TABLE "posts"(
    id       INTEGER   PRIMARY KEY,
    user_id  INTEGER,
    body     TEXT,
    FOREIGN KEY (user_id) REFERENCES "users" ON DELETE CASCADE
);
create index if not exists posts_user on "posts" ( user_id desc )
    WHERE body   IS NOT NULL;
CREATE VIEW IF NOT EXISTS "adults" AS
    SELECT id, email   -- the columns
    FROM users
    WHERE age > 18;
CREATE TRIGGER IF NOT EXISTS "posts_touch" AFTER INSERT ON [posts]
BEGIN
    UPDATE users SET name = name WHERE id = NEW.user_id;
END;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn equivalent_ddl_written_two_ways_reads_the_same() {
    let plain = introspect(PLAIN).await;
    let restyled = introspect(RESTYLED).await;
    assert_eq!(diff(&plain, &restyled), []);
    assert_eq!(plain, restyled);
}

const BASE: &str = "
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT,
    bio TEXT
);
CREATE TABLE tags (id INTEGER PRIMARY KEY, label VARCHAR(20), owner_id INTEGER);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    title TEXT NOT NULL
);
CREATE INDEX posts_title ON posts (title);
CREATE VIEW recent_posts AS SELECT id, title FROM posts WHERE id > 100;
CREATE TRIGGER posts_touch AFTER INSERT ON posts
BEGIN
    UPDATE users SET name = name WHERE id = NEW.user_id;
END;
";

/// SQLite cannot alter a column: `tags` is rebuilt with `columns` instead.
fn rebuild_tags(columns: &str) -> String {
    format!(
        "CREATE TABLE tags_new ({columns});
         INSERT INTO tags_new SELECT * FROM tags;
         DROP TABLE tags;
         ALTER TABLE tags_new RENAME TO tags;"
    )
}

/// One change `diff` must report, and nothing else.
type Expect = Option<(Action, ObjectKind, &'static str)>;

fn drift_corpus() -> Vec<(&'static str, String, Expect)> {
    use Action::{Added, Altered, Removed};
    use ObjectKind::{Column, Constraint, Index, Trigger, View};
    vec![
        ("identical", String::new(), None),
        (
            "added column",
            "ALTER TABLE users ADD COLUMN nickname TEXT".into(),
            Some((Added, Column, "main.users.nickname")),
        ),
        (
            "dropped column",
            "ALTER TABLE users DROP COLUMN bio".into(),
            Some((Removed, Column, "main.users.bio")),
        ),
        (
            "column type",
            rebuild_tags("id INTEGER PRIMARY KEY, label TEXT, owner_id INTEGER"),
            Some((Altered, Column, "main.tags.label")),
        ),
        (
            "nullability",
            rebuild_tags("id INTEGER PRIMARY KEY, label VARCHAR(20) NOT NULL, owner_id INTEGER"),
            Some((Altered, Column, "main.tags.label")),
        ),
        (
            "default",
            rebuild_tags(
                "id INTEGER PRIMARY KEY, label VARCHAR(20) DEFAULT 'none', owner_id INTEGER",
            ),
            Some((Altered, Column, "main.tags.label")),
        ),
        (
            "index added",
            "CREATE INDEX posts_user ON posts (user_id)".into(),
            Some((Added, Index, "main.posts.posts_user")),
        ),
        (
            "index dropped",
            "DROP INDEX posts_title".into(),
            Some((Removed, Index, "main.posts.posts_title")),
        ),
        (
            "unique constraint",
            rebuild_tags(
                "id INTEGER PRIMARY KEY, label VARCHAR(20), owner_id INTEGER, UNIQUE (label)",
            ),
            Some((Added, Constraint, "main.tags.tags_label_key")),
        ),
        (
            "check constraint",
            rebuild_tags(
                "id INTEGER PRIMARY KEY, label VARCHAR(20), owner_id INTEGER, CHECK (length(label) > 0)",
            ),
            Some((Added, Constraint, "main.tags.tags_check1")),
        ),
        (
            "foreign key",
            rebuild_tags(
                "id INTEGER PRIMARY KEY, label VARCHAR(20), owner_id INTEGER REFERENCES users(id)",
            ),
            Some((Added, Constraint, "main.tags.tags_owner_id_fkey")),
        ),
        (
            "trigger body",
            "DROP TRIGGER posts_touch;
             CREATE TRIGGER posts_touch AFTER INSERT ON posts
             BEGIN UPDATE users SET bio = bio WHERE id = NEW.user_id; END;"
                .into(),
            Some((Altered, Trigger, "main.posts.posts_touch")),
        ),
        (
            "view definition",
            "DROP VIEW recent_posts;
             CREATE VIEW recent_posts AS SELECT id, title FROM posts WHERE id > 200;"
                .into(),
            Some((Altered, View, "main.recent_posts")),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_reports_exactly_the_drift_applied() {
    let base = introspect(BASE).await;
    for (case, mutation, expect) in drift_corpus() {
        let drifted = introspect(&format!("{BASE}\n{mutation}")).await;
        let found: Vec<(Action, ObjectKind, String)> = diff(&base, &drifted)
            .into_iter()
            .map(|c| (c.action, c.kind, c.name))
            .collect();
        let expect: Vec<(Action, ObjectKind, String)> = expect
            .into_iter()
            .map(|(action, kind, name)| (action, kind, name.to_owned()))
            .collect();
        assert_eq!(found, expect, "{case}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excluded_and_internal_tables_are_left_out() {
    let ddl = "
        CREATE TABLE plover_migrations (version INTEGER PRIMARY KEY, name TEXT);
        CREATE INDEX plover_migrations_name ON plover_migrations (name);
        CREATE TRIGGER plover_touch AFTER INSERT ON plover_migrations BEGIN SELECT 1; END;
        CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT);
        CREATE INDEX users_email ON users (email);
        INSERT INTO users (email) VALUES ('a@example.com');
        ANALYZE;
    ";
    let scope = Scope::all().excluding(QualifiedName::new("main", "PLOVER_MIGRATIONS"));
    let catalog = introspect_in(ddl, &scope).await;
    let tables: Vec<&str> = catalog.schemas["main"]
        .tables
        .keys()
        .map(String::as_str)
        .collect();
    // sqlite_sequence (AUTOINCREMENT) and sqlite_stat1 (ANALYZE) exist but are SQLite's own.
    assert_eq!(tables, ["users"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemas_are_attached_databases() {
    let ddl = "
        CREATE TABLE users (id INTEGER PRIMARY KEY);
        CREATE TEMP TABLE scratch (x TEXT);
        ATTACH DATABASE ':memory:' AS aux;
        CREATE TABLE aux.things (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users);
    ";
    let (_db, mut conn) = database(ddl).await;

    let main = conn.introspect(&Scope::schema("main")).await.unwrap();
    assert_eq!(main, conn.introspect(&Scope::all()).await.unwrap());
    assert!(main.schemas["main"].tables.contains_key("users"));

    let aux = conn.introspect(&Scope::schema("aux")).await.unwrap();
    let things = &aux.schemas["aux"].tables["things"];
    // The parent is in another database: its key columns cannot be named.
    assert_eq!(
        things.constraints["things_user_id_fkey"].definition,
        "FOREIGN KEY (user_id) REFERENCES users"
    );

    let temp = conn.introspect(&Scope::schema("temp")).await.unwrap();
    let tables: Vec<&str> = temp.schemas["temp"]
        .tables
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(tables, ["scratch"]);

    let nowhere = conn.introspect(&Scope::schema("nowhere")).await.unwrap();
    assert!(nowhere.schemas.is_empty());
}
