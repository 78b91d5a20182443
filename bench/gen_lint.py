#!/usr/bin/env python3
"""Writes the lint benchmark's input: one big migration file and the same SQL as a directory.

The SQL is a deterministic (seeded) mix of what real PostgreSQL migrations contain:
CREATE TABLE with many column types, CREATE INDEX (some CONCURRENTLY, some UNIQUE or
partial), ALTER TABLE ADD COLUMN with and without defaults (constant, volatile, NOT NULL),
foreign keys with and without NOT VALID (and their VALIDATE CONSTRAINT), SET NOT NULL (some
behind a validated CHECK), UPDATE and INSERT, plpgsql functions with dollar-quoted bodies
(some SECURITY DEFINER), triggers, views, comments, and a little of everything else
(ALTER COLUMN TYPE, renames, DROP INDEX CONCURRENTLY, enums, GRANT, SET lock_timeout).

    gen_lint.py OUT_DIR [--statements 10000] [--seed 20261122] [--files 1000]

writes

    OUT_DIR/lint-10000.sql      every statement in one file (its first line is the
                                `-- plover:no-transaction` header: the file has CREATE INDEX
                                CONCURRENTLY, and squawk, by default, does not assume a
                                transaction either)
    OUT_DIR/lint-dir/NNNN_*.sql the same statements cut into --files migrations of 1 to ~20
                                statements (Plover's versioned layout; a migration with
                                CONCURRENTLY gets the no-transaction header)
    OUT_DIR/lint-stats.json     how many statements of each kind, bytes, lines, files
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from collections import Counter
from pathlib import Path

WORDS = (
    "account order invoice payment customer product shipment refund coupon session user team "
    "project task comment tag audit event ledger balance price stock warehouse supplier "
    "address contact message notification subscription plan feature flag report export"
).split()
COLUMN_WORDS = (
    "name title status kind note description email phone code slug amount total quantity "
    "currency country city zip region score rank weight priority position label color "
    "source channel reference external_id version locale timezone"
).split()

# (SQL type, how to write a literal of it), with weights: mostly what people use.
TYPES = [
    ("text", 14, lambda r: f"'{r.choice(WORDS)}-{r.randrange(1000)}'"),
    ("bigint", 10, lambda r: str(r.randrange(1, 10**9))),
    ("integer", 8, lambda r: str(r.randrange(1, 10**6))),
    ("smallint", 2, lambda r: str(r.randrange(1, 300))),
    ("varchar(255)", 6, lambda r: f"'{r.choice(WORDS)}'"),
    ("varchar(32)", 2, lambda r: f"'{r.choice(WORDS)[:8]}'"),
    ("char(2)", 1, lambda r: "'US'"),
    ("boolean", 7, lambda r: r.choice(["true", "false"])),
    ("numeric(12, 2)", 5, lambda r: f"{r.randrange(10**6)}.{r.randrange(100):02d}"),
    ("double precision", 1, lambda r: f"{r.random() * 100:.3f}"),
    ("timestamptz", 7, lambda r: "'2026-01-01 00:00:00+00'"),
    ("timestamp", 2, lambda r: "'2026-01-01 00:00:00'"),
    ("date", 3, lambda r: "'2026-01-01'"),
    ("jsonb", 5, lambda r: "'{}'::jsonb"),
    ("json", 1, lambda r: "'{}'::json"),
    ("uuid", 4, lambda r: "'00000000-0000-0000-0000-000000000000'::uuid"),
    ("bytea", 1, lambda r: "'\\x00'::bytea"),
    ("text[]", 2, lambda r: "ARRAY['a', 'b']"),
    ("inet", 1, lambda r: "'10.0.0.1'"),
    ("interval", 1, lambda r: "'1 day'::interval"),
]


class Schema:
    """What the generated SQL has created so far, so later statements refer to real names."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        # Tables that exist before this file (not created in it): most ALTERs hit those,
        # as in a real project's later migrations.
        self.tables: dict[str, list[tuple[str, str]]] = {}
        for i in range(60):
            name = f"{rng.choice(WORDS)}s_{i:03d}"
            self.tables[name] = [("id", "bigint"), ("name", "text"), ("created_at", "timestamptz")]
        self.created: list[str] = []
        self.counter = 0
        self.pending_not_valid: list[tuple[str, str]] = []
        self.functions: list[str] = []
        self.enums: list[str] = []

    def next_id(self) -> int:
        self.counter += 1
        return self.counter

    def table(self) -> str:
        names = list(self.tables)
        # Favour recent tables a little, like real migration histories.
        if self.created and self.rng.random() < 0.4:
            return self.rng.choice(self.created[-40:])
        return self.rng.choice(names)

    def column(self, table: str) -> tuple[str, str]:
        """A column other than the primary key."""
        return self.rng.choice(self.tables[table][1:])


def pick_type(rng: random.Random) -> tuple[str, object]:
    sql_type, _, literal = rng.choices(TYPES, weights=[t[1] for t in TYPES])[0]
    return sql_type, literal


def maybe_schema(rng: random.Random, name: str) -> str:
    return f"public.{name}" if rng.random() < 0.15 else name


def comment(rng: random.Random, what: str) -> str:
    choice = rng.random()
    if choice < 0.55:
        return ""
    if choice < 0.9:
        return f"-- {what}\n"
    return f"/*\n * {what}.\n * Reviewed; see the ticket for the rollout plan.\n */\n"


# --------------------------------------------------------------------------- generators
# Each returns (kind, [statements]); a statement is SQL text without its final ';'.
def create_table(rng: random.Random, s: Schema):
    n = s.next_id()
    name = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{n:05d}"
    pk = rng.choices(
        [
            ("id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "bigint"),
            ("id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "bigint"),
            ("id uuid PRIMARY KEY DEFAULT gen_random_uuid()", "uuid"),
            ("id bigserial PRIMARY KEY", "bigint"),
            ("id serial PRIMARY KEY", "integer"),
        ],
        weights=[8, 2, 3, 3, 2],
    )[0]
    columns = [("id", pk[1])]
    lines = [f"    {pk[0]}"]
    used = {"id"}
    for _ in range(rng.randrange(2, 9)):
        col = rng.choice(COLUMN_WORDS)
        if col in used:
            continue
        used.add(col)
        sql_type, literal = pick_type(rng)
        extra = ""
        roll = rng.random()
        if roll < 0.35:
            extra = " NOT NULL"
        elif roll < 0.55:
            extra = f" NOT NULL DEFAULT {literal(rng)}"
        elif roll < 0.6:
            extra = f" DEFAULT {literal(rng)}"
        quoted = f'"{col}"' if rng.random() < 0.05 else col
        lines.append(f"    {quoted} {sql_type}{extra}")
        columns.append((col, sql_type))
    if s.created and rng.random() < 0.35:
        parent = rng.choice(s.created[-50:])
        action = rng.choice(["", " ON DELETE CASCADE", " ON DELETE SET NULL"])
        lines.append(f"    {parent}_id bigint REFERENCES {parent} (id){action}")
        columns.append((f"{parent}_id", "bigint"))
    lines.append("    created_at timestamptz NOT NULL DEFAULT now()")
    columns.append(("created_at", "timestamptz"))
    if rng.random() < 0.3:
        lines.append("    updated_at timestamptz NOT NULL DEFAULT now()")
        columns.append(("updated_at", "timestamptz"))
    numeric = [c for c, t in columns if t.startswith(("numeric", "integer", "bigint")) and c != "id"]
    if numeric and rng.random() < 0.3:
        lines.append(f"    CONSTRAINT {name}_{numeric[0]}_check CHECK ({numeric[0]} >= 0)")
    if len(columns) > 3 and rng.random() < 0.15:
        lines.append(f"    UNIQUE ({columns[1][0]}, {columns[2][0]})")
    exists = "IF NOT EXISTS " if rng.random() < 0.3 else ""
    s.tables[name] = columns
    s.created.append(name)
    sql = comment(rng, f"{name}: one row per {name.split('_')[0]}")
    sql += f"CREATE TABLE {exists}{maybe_schema(rng, name)} (\n" + ",\n".join(lines) + "\n)"
    return "create table", [sql]


def create_index(rng: random.Random, s: Schema):
    table = s.table()
    cols = s.tables[table]
    col = rng.choice(cols)[0]
    n = s.next_id()
    concurrently = rng.random() < 0.35
    unique = "UNIQUE " if rng.random() < 0.12 else ""
    exists = "IF NOT EXISTS " if rng.random() < 0.3 else ""
    method, key = "", col
    jsonish = [c for c, t in cols if t in ("jsonb", "text[]")]
    if jsonish and rng.random() < 0.3:
        method, key, unique = " USING gin", jsonish[0], ""
    elif len(cols) > 2 and rng.random() < 0.25:
        key = f"{col}, {rng.choice(cols)[0]}"
        if key.split(", ")[0] == key.split(", ")[1]:
            key = col
    where = f" WHERE {col} IS NOT NULL" if rng.random() < 0.1 else ""
    conc = "CONCURRENTLY " if concurrently else ""
    sql = comment(rng, f"speeds up lookups by {col}")
    sql += f"CREATE {unique}INDEX {conc}{exists}{table}_{col}_idx_{n} ON {table}{method} ({key}){where}"
    return ("create index concurrently" if concurrently else "create index"), [sql]


def add_column(rng: random.Random, s: Schema):
    table = s.table()
    col = f"{rng.choice(COLUMN_WORDS)}_{s.next_id()}"
    sql_type, literal = pick_type(rng)
    roll = rng.random()
    if roll < 0.4:
        kind, tail = "add column, nullable", ""
    elif roll < 0.65:
        kind, tail = "add column, constant default", f" NOT NULL DEFAULT {literal(rng)}"
    elif roll < 0.75:
        kind, tail = "add column, constant default", f" DEFAULT {literal(rng)}"
    elif roll < 0.87:
        volatile = {"uuid": "gen_random_uuid()", "timestamptz": "clock_timestamp()"}
        if sql_type in volatile:
            kind, tail = "add column, volatile default", f" DEFAULT {volatile[sql_type]}"
        else:
            sql_type = rng.choice(["uuid", "timestamptz"])
            kind, tail = "add column, volatile default", f" NOT NULL DEFAULT {volatile[sql_type]}"
    else:
        kind, tail = "add column, NOT NULL without default", " NOT NULL"
    exists = "IF NOT EXISTS " if rng.random() < 0.25 else ""
    s.tables[table].append((col, sql_type))
    sql = comment(rng, f"new column {col}")
    sql += f"ALTER TABLE {maybe_schema(rng, table)} ADD COLUMN {exists}{col} {sql_type}{tail}"
    return kind, [sql]


def add_foreign_key(rng: random.Random, s: Schema):
    table = s.table()
    parent = s.table()
    col = f"{parent}_ref_{s.next_id()}"
    name = f"{table[:20]}_{col}_fkey"
    statements = [f"ALTER TABLE {table} ADD COLUMN {col} bigint"]
    s.tables[table].append((col, "bigint"))
    on_delete = rng.choice(["", " ON DELETE CASCADE", " ON DELETE RESTRICT"])
    if rng.random() < 0.55:
        statements.append(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({col}) REFERENCES {parent} (id){on_delete} NOT VALID"
        )
        s.pending_not_valid.append((table, name))
        return "foreign key NOT VALID (+ its column)", statements
    statements.append(
        f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({col}) REFERENCES {parent} (id){on_delete}"
    )
    return "foreign key, validated at once (+ its column)", statements


def validate_constraint(rng: random.Random, s: Schema):
    if not s.pending_not_valid:
        return add_foreign_key(rng, s)
    table, name = s.pending_not_valid.pop(0)
    return "validate constraint", [f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}"]


def set_not_null(rng: random.Random, s: Schema):
    table = s.table()
    col = s.column(table)[0]
    if rng.random() < 0.4:
        check = f"{table[:30]}_{col}_not_null_{s.next_id()}"
        return "set not null behind a validated check", [
            f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID",
            f"ALTER TABLE {table} VALIDATE CONSTRAINT {check}",
            f"ALTER TABLE {table} ALTER COLUMN {col} SET NOT NULL",
            f"ALTER TABLE {table} DROP CONSTRAINT {check}",
        ]
    return "set not null", [f"ALTER TABLE {table} ALTER COLUMN {col} SET NOT NULL"]


def update(rng: random.Random, s: Schema):
    table = s.table()
    col, sql_type = s.column(table)
    literal = next((t[2] for t in TYPES if t[0] == sql_type), lambda r: "NULL")
    roll = rng.random()
    sql = comment(rng, "backfill")
    if roll < 0.5:
        lo = rng.randrange(0, 10**6, 1000)
        sql += f"UPDATE {table} SET {col} = {literal(rng)} WHERE id BETWEEN {lo} AND {lo + 999}"
        return "update, batched", [sql]
    if roll < 0.8:
        sql += f"UPDATE {table} SET {col} = {literal(rng)} WHERE {col} IS NULL"
        return "update, whole table (WHERE)", [sql]
    sql += f"UPDATE {table} SET {col} = {literal(rng)}"
    return "update, whole table", [sql]


def insert(rng: random.Random, s: Schema):
    table = s.table()
    cols = [c for c in s.tables[table] if c[0] not in ("id", "created_at", "updated_at")][:4]
    if not cols:
        cols = [("name", "text")]
    names = ", ".join(c for c, _ in cols)
    if rng.random() < 0.25:
        source = s.table()
        sql = (
            f"INSERT INTO {table} ({names})\nSELECT {', '.join('NULL' for _ in cols)} FROM {source} "
            f"WHERE created_at < '2026-01-01'\nON CONFLICT DO NOTHING"
        )
        return "insert ... select", [sql]
    rows = []
    for _ in range(rng.randrange(1, 6)):
        values = []
        for _, sql_type in cols:
            literal = next((t[2] for t in TYPES if t[0] == sql_type), lambda r: "NULL")
            values.append(literal(rng))
        rows.append(f"({', '.join(values)})")
    sql = f"INSERT INTO {table} ({names}) VALUES\n    " + ",\n    ".join(rows)
    if rng.random() < 0.3:
        sql += "\nON CONFLICT DO NOTHING"
    return "insert values", [sql]


FUNCTION_BODIES = [
    # A trigger function.
    lambda rng, t: (
        "trigger",
        "BEGIN\n"
        "    -- keep updated_at current; mentions of DROP TABLE in here are not statements\n"
        "    NEW.updated_at := now();\n"
        "    RETURN NEW;\n"
        "END;",
    ),
    # A loop with dynamic SQL and a string holding a semicolon.
    lambda rng, t: (
        "bigint",
        "DECLARE\n"
        "    r record;\n"
        "    n bigint := 0;\n"
        "BEGIN\n"
        f"    FOR r IN SELECT id FROM {t} WHERE created_at < now() - interval '30 days' LOOP\n"
        f"        EXECUTE format('UPDATE %I SET note = %L WHERE id = %s', '{t}', 'archived; ok', r.id);\n"
        "        n := n + 1;\n"
        "    END LOOP;\n"
        "    RAISE NOTICE 'archived % rows; DROP TABLE not needed', n;\n"
        "    RETURN n;\n"
        "END;",
    ),
    # A guard with IF/ELSIF and an exception block.
    lambda rng, t: (
        "void",
        "BEGIN\n"
        f"    IF NOT EXISTS (SELECT 1 FROM {t} LIMIT 1) THEN\n"
        "        RAISE EXCEPTION 'table is empty';\n"
        "    ELSIF (SELECT count(*) FROM pg_locks) > 1000 THEN\n"
        "        RAISE WARNING 'many locks';\n"
        "    END IF;\n"
        f"    DELETE FROM {t} WHERE created_at < '2020-01-01';\n"
        "EXCEPTION WHEN others THEN\n"
        "    RAISE NOTICE 'skipped: %', SQLERRM;\n"
        "END;",
    ),
]


def create_function(rng: random.Random, s: Schema):
    table = s.table()
    n = s.next_id()
    returns, body = rng.choice(FUNCTION_BODIES)(rng, table)
    name = f"fn_{table[:24]}_{n}"
    tag = rng.choice(["$$", "$$", "$body$", "$fn$"])
    replace = "OR REPLACE " if rng.random() < 0.6 else ""
    security = ""
    if rng.random() < 0.12:
        security = "\nSECURITY DEFINER" + ("\nSET search_path = pg_catalog, public" if rng.random() < 0.5 else "")
    sql = comment(rng, f"{name}: maintenance helper")
    sql += (
        f"CREATE {replace}FUNCTION {name}() RETURNS {returns}\n"
        f"LANGUAGE plpgsql{security}\nAS {tag}\n{body}\n{tag}"
    )
    statements = [sql]
    kind = "create function (plpgsql)"
    if returns == "trigger":
        statements.append(
            f"CREATE TRIGGER {name}_trg BEFORE UPDATE ON {table}\n"
            f"    FOR EACH ROW EXECUTE FUNCTION {name}()"
        )
        kind = "create function (plpgsql) + trigger"
    return kind, statements


def other(rng: random.Random, s: Schema):
    table = s.table()
    col, sql_type = s.column(table)
    n = s.next_id()
    choices = [
        ("comment on", 10, lambda: [f"COMMENT ON TABLE {table} IS 'Owned by the {rng.choice(WORDS)} team; see docs'"]),
        ("create view", 6, lambda: [f"CREATE OR REPLACE VIEW {table}_recent_{n} AS\n    SELECT * FROM {table} WHERE created_at > now() - interval '7 days'"]),
        ("grant", 6, lambda: [f"GRANT SELECT, INSERT, UPDATE ON {table} TO app_rw"]),
        ("set lock_timeout", 8, lambda: [f"SET lock_timeout = '{rng.choice(['2s', '5s', '500ms'])}'"]),
        ("set statement_timeout", 3, lambda: ["SET statement_timeout = '30s'"]),
        ("alter column type", 5, lambda: [f"ALTER TABLE {table} ALTER COLUMN {col} TYPE text"]),
        ("set default", 5, lambda: [f"ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT NULL"]),
        ("rename column", 3, lambda: [f"ALTER TABLE {table} RENAME COLUMN {col} TO {col}_old_{n}"]),
        ("drop index concurrently", 4, lambda: [f"DROP INDEX CONCURRENTLY IF EXISTS {table}_{col}_idx_old"]),
        ("drop column", 2, lambda: [f"ALTER TABLE {table} DROP COLUMN IF EXISTS legacy_{n}"]),
        ("create enum", 3, lambda: [f"CREATE TYPE {table}_state_{n} AS ENUM ('new', 'active', 'closed')"]),
        ("create enum + add value", 2, lambda: [f"CREATE TYPE {table}_mood_{n} AS ENUM ('ok')",
                                                 f"ALTER TYPE {table}_mood_{n} ADD VALUE 'great'"]),
        ("delete", 3, lambda: [f"DELETE FROM {table} WHERE created_at < '2020-01-01' AND id < {rng.randrange(10**6)}"]),
        ("create extension", 1, lambda: ["CREATE EXTENSION IF NOT EXISTS pgcrypto"]),
        ("analyze", 2, lambda: [f"ANALYZE {table}"]),
    ]
    kind, _, make = rng.choices(choices, weights=[c[1] for c in choices])[0]
    return kind, make()


GENERATORS = [
    (create_table, 18),
    (create_index, 14),
    (add_column, 15),
    (add_foreign_key, 6),
    (validate_constraint, 3),
    (set_not_null, 4),
    (update, 8),
    (insert, 11),
    (create_function, 6),
    (other, 15),
]


def generate(count: int, seed: int) -> tuple[list[tuple[str, str]], Counter]:
    """[(kind, statement)], exactly `count` statements, and how many of each kind."""
    rng = random.Random(seed)
    schema = Schema(rng)
    out: list[tuple[str, str]] = []
    kinds: Counter = Counter()
    weights = [w for _, w in GENERATORS]
    while len(out) < count:
        make = rng.choices([g for g, _ in GENERATORS], weights=weights)[0]
        kind, statements = make(rng, schema)
        for statement in statements[: count - len(out)]:
            out.append((kind, statement))
            kinds[kind] += 1
    return out, kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--statements", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()

    statements, kinds = generate(args.statements, args.seed)
    header = "-- plover:no-transaction\n"
    intro = (
        f"-- Lint benchmark input: {args.statements} statements, seed {args.seed} (bench/gen_lint.py).\n"
        "-- Generated; a mix of what real PostgreSQL migrations contain.\n\n"
    )
    big = header + intro + "".join(f"{sql};\n\n" for _, sql in statements)
    args.out.mkdir(parents=True, exist_ok=True)
    big_path = args.out / f"lint-{args.statements}.sql"
    big_path.write_text(big, encoding="utf-8")

    # The same statements as a migrations directory: cut into --files migrations of varying
    # size (1 to about 20 statements), in order.
    lint_dir = args.out / "lint-dir"
    if lint_dir.exists():
        shutil.rmtree(lint_dir)
    lint_dir.mkdir(parents=True)
    rng = random.Random(args.seed + 1)
    cuts = sorted(rng.sample(range(1, args.statements), args.files - 1))
    bounds = [0, *cuts, args.statements]
    dir_bytes = 0
    for index in range(args.files):
        chunk = statements[bounds[index] : bounds[index + 1]]
        text = "".join(f"{sql};\n\n" for _, sql in chunk)
        if "CONCURRENTLY" in text:
            text = header + text
        name = re.sub(r"[^a-z0-9]+", "_", chunk[0][0].lower()).strip("_")[:40].strip("_")
        path = lint_dir / f"{index + 1:04d}_{name}.sql"
        path.write_text(text, encoding="utf-8")
        dir_bytes += len(text.encode())

    stats = {
        "statements": args.statements,
        "seed": args.seed,
        "file": big_path.name,
        "bytes": len(big.encode()),
        "lines": big.count("\n"),
        "kinds": dict(kinds.most_common()),
        "dir": lint_dir.name,
        "dir_files": args.files,
        "dir_bytes": dir_bytes,
    }
    (args.out / "lint-stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    print(
        f"wrote {big_path} ({args.statements} statements, {stats['bytes'] / 1024:.0f} KiB, {stats['lines']} lines)"
        f" and {args.files} files under {lint_dir}"
    )


if __name__ == "__main__":
    main()
