#!/usr/bin/env python3
"""Writes a tree of DDL files (tables, functions, views) for the schema benchmark.

    gen_schema.py OUT_DIR [--tables 300] [--functions 100] [--views 100] [--seed N]
                          [--variant a|b] [--env bench]

writes, deterministically from the seed (the same arguments give byte-identical files):

    OUT_DIR/db/schema/01_tables/gNN/tNNNN_<word>.sql   one table per file: identity primary key,
                                                       4 to 9 columns, 1 or 2 indexes (some
                                                       unique, partial or multi-column), a
                                                       foreign key to an earlier table for
                                                       about 40% of them, a CHECK, comments
    OUT_DIR/db/schema/02_functions/fNNNN_<word>.sql    plpgsql and SQL functions reading the tables
                                                       (the SQL ones are checked against the
                                                       tables when created, so order matters)
    OUT_DIR/db/schema/03_views/vNNNN_<word>.sql        views over one table, a join along a
                                                       foreign key, an aggregate, a function
                                                       call, or an earlier view
    OUT_DIR/plover.toml                                [schema] dirs = ["db/schema"]
    OUT_DIR/db/environments/<env>.yaml                 Confiture's environment: include_dirs
                                                       db/schema (the same files, same order)
    OUT_DIR/expected-diff.json                         with --variant b: the differences b has
                                                       against a (same seed), for checking
                                                       `plover schema diff`

Files sort so that everything a file uses comes earlier in path order (byte order), which
is the order Plover and Confiture both concatenate in. Variant b is variant a with a few
small, known changes (see VARIANT_B) for the introspect + diff measurement.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

WORDS = [
    "account", "address", "audit", "batch", "billing", "booking", "campaign", "cart", "category",
    "channel", "claim", "comment", "contract", "coupon", "customer", "delivery", "device",
    "discount", "document", "event", "export", "feature", "feedback", "invoice", "item", "job",
    "ledger", "license", "location", "login", "message", "metric", "note", "offer", "order",
    "payment", "permission", "plan", "price", "product", "profile", "quote", "rating", "receipt",
    "refund", "region", "report", "review", "role", "schedule", "session", "shipment", "sku",
    "stock", "subscription", "supplier", "tag", "task", "team", "ticket", "token", "transfer",
    "user", "vendor", "visit", "warehouse", "webhook", "workflow",
]
EXTRA_COLUMNS = [
    ("description", "text"),
    ("quantity", "integer NOT NULL DEFAULT 1"),
    ("price", "numeric(10, 2)"),
    ("is_active", "boolean NOT NULL DEFAULT true"),
    ("external_id", "uuid"),
    ("payload", "jsonb"),
    ("tags", "text[] NOT NULL DEFAULT '{}'"),
    ("updated_at", "timestamptz"),
    ("code", "varchar(32)"),
    ("score", "double precision"),
    ("valid_until", "date"),
]
STATUSES = ["new", "active", "done", "cancelled", "archived"]
TABLES_PER_GROUP = 50


class Table:
    def __init__(self, number: int, word: str, rng: random.Random, earlier: list["Table"]):
        self.number = number
        self.name = f"t{number:04d}_{word}"
        self.group = (number - 1) // TABLES_PER_GROUP + 1
        self.extra = rng.sample(EXTRA_COLUMNS, rng.randint(1, 5))
        self.parent = rng.choice(earlier) if earlier and rng.random() < 0.4 else None
        self.second_index = rng.random() < 0.6
        self.second_kind = rng.choice(["unique", "partial", "multi"])
        self.commented = rng.random() < 0.3

    @property
    def path(self) -> str:
        return f"01_tables/g{self.group:02d}/{self.name}.sql"

    @property
    def fk_column(self) -> str | None:
        return f"{self.parent.name.split('_', 1)[1]}_id" if self.parent else None

    def columns(self) -> list[str]:
        cols = ["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"]
        if self.parent:
            cols.append(f"{self.fk_column} bigint NOT NULL REFERENCES {self.parent.name} (id) ON DELETE CASCADE")
        cols += [
            "name text NOT NULL",
            "amount numeric(12, 2) NOT NULL DEFAULT 0",
            f"status text NOT NULL DEFAULT 'new' CONSTRAINT {self.name}_status_check"
            f" CHECK (status IN ({', '.join(repr(s) for s in STATUSES)}))",
            "created_at timestamptz NOT NULL DEFAULT now()",
        ]
        cols += [f"{name} {ty}" for name, ty in self.extra]
        return cols

    def indexes(self) -> list[str]:
        first = (
            f"CREATE INDEX {self.name}_{self.fk_column}_idx ON {self.name} ({self.fk_column})"
            if self.parent
            else f"CREATE INDEX {self.name}_created_at_idx ON {self.name} (created_at)"
        )
        out = [first]
        if self.second_index:
            if self.second_kind == "unique":
                out.append(f"CREATE UNIQUE INDEX {self.name}_name_key ON {self.name} (name)")
            elif self.second_kind == "partial":
                out.append(
                    f"CREATE INDEX {self.name}_open_idx ON {self.name} (created_at) "
                    "WHERE status IN ('new', 'active')"
                )
            else:
                out.append(f"CREATE INDEX {self.name}_status_amount_idx ON {self.name} (status, amount DESC)")
        return out

    def sql(self, changes: dict) -> str:
        cols = self.columns()
        if self.name in changes.get("nullable_name", ()):
            cols = [c.replace("name text NOT NULL", "name text") for c in cols]
        if self.name in changes.get("add_column", ()):
            cols.append("note text")
        indexes = self.indexes()
        if self.name in changes.get("drop_second_index", ()):
            indexes = indexes[:1]
        body = ",\n".join(f"    {c}" for c in cols)
        text = f"-- {self.name}: generated by bench/gen_schema.py\nCREATE TABLE {self.name} (\n{body}\n);\n\n"
        text += "".join(f"{i};\n" for i in indexes)
        if self.commented:
            text += f"\nCOMMENT ON TABLE {self.name} IS 'The {self.name.split('_', 1)[1]} records (table {self.number}).';\n"
        return text


def function_sql(number: int, word: str, rng: random.Random, tables: list[Table], changed: bool) -> tuple[str, str, str]:
    """(file path, SQL, function name)."""
    name = f"f{number:04d}_{word}"
    table = rng.choice(tables)
    kind = rng.choice(["sql_count", "sql_total", "plpgsql_amount", "plpgsql_loop"])
    threshold = 0 if not changed else 100
    if kind == "sql_count":
        sql = (
            f"CREATE FUNCTION {name}(p_status text)\nRETURNS bigint\nLANGUAGE sql STABLE\nAS $$\n"
            f"    SELECT count(*) FROM {table.name} WHERE status = p_status AND amount >= {threshold}\n$$;\n"
        )
    elif kind == "sql_total":
        sql = (
            f"CREATE FUNCTION {name}(p_since timestamptz DEFAULT now() - interval '30 days')\n"
            f"RETURNS numeric\nLANGUAGE sql STABLE\nAS $$\n"
            f"    SELECT coalesce(sum(amount), 0) FROM {table.name} WHERE created_at >= p_since AND amount >= {threshold}\n$$;\n"
        )
    elif kind == "plpgsql_amount":
        sql = (
            f"CREATE FUNCTION {name}(p_id bigint)\nRETURNS numeric\nLANGUAGE plpgsql STABLE\nAS $$\n"
            f"DECLARE\n    v_amount numeric;\nBEGIN\n"
            f"    SELECT amount INTO v_amount FROM {table.name} WHERE id = p_id;\n"
            f"    IF v_amount IS NULL OR v_amount < {threshold} THEN\n        RETURN 0;\n    END IF;\n"
            f"    RETURN v_amount;\nEND;\n$$;\n"
        )
    else:
        sql = (
            f"CREATE FUNCTION {name}(p_limit integer DEFAULT 10)\nRETURNS SETOF text\nLANGUAGE plpgsql STABLE\nAS $$\n"
            f"DECLARE\n    r record;\nBEGIN\n"
            f"    FOR r IN SELECT t.name FROM {table.name} t WHERE t.amount >= {threshold} ORDER BY t.created_at DESC LIMIT p_limit LOOP\n"
            f"        RETURN NEXT r.name;\n    END LOOP;\nEND;\n$$;\n"
        )
    header = f"-- {name}: generated by bench/gen_schema.py\n"
    comment = f"\nCOMMENT ON FUNCTION {name} IS 'Reads {table.name}.';\n" if rng.random() < 0.3 else ""
    return f"02_functions/{name}.sql", header + sql + comment, name


def view_sql(number: int, word: str, rng: random.Random, tables: list[Table], functions: list[tuple[str, str]],
             views: list[str], changed: bool) -> tuple[str, str, str]:
    """(file path, SQL, view name). functions: (name, kind) of plpgsql_amount-like ones."""
    name = f"v{number:04d}_{word}"
    children = [t for t in tables if t.parent]
    choices = ["single", "aggregate"] + (["join"] if children else []) + (["function"] if functions else []) \
        + (["view"] if views else [])
    kind = rng.choice(choices)
    status = "'cancelled'" if changed else "'archived'"
    if kind == "single":
        t = rng.choice(tables)
        body = f"SELECT id, name, amount, status, created_at\nFROM {t.name}\nWHERE status <> {status}"
    elif kind == "aggregate":
        t = rng.choice(tables)
        body = (f"SELECT status, count(*) AS n, sum(amount) AS total, max(created_at) AS latest\n"
                f"FROM {t.name}\nWHERE status <> {status}\nGROUP BY status")
    elif kind == "join":
        t = rng.choice(children)
        body = (f"SELECT c.id, c.name, c.amount, p.id AS {t.fk_column}, p.name AS parent_name\n"
                f"FROM {t.name} c\nJOIN {t.parent.name} p ON p.id = c.{t.fk_column}\nWHERE c.status <> {status}")
    elif kind == "function":
        fname, table = rng.choice(functions)
        body = f"SELECT id, name, {fname}(id) AS checked_amount\nFROM {table}\nWHERE status <> {status}"
    else:
        v = rng.choice(views)
        body = f"SELECT *\nFROM {v}\nWHERE name IS NOT NULL OR {status} IS NULL"
    sql = f"-- {name}: generated by bench/gen_schema.py\nCREATE VIEW {name} AS\n{body};\n"
    # Only views with a name column can be built on (an aggregate view has none).
    return f"03_views/{name}.sql", sql, name if kind != "aggregate" else ""


def generate(args: argparse.Namespace) -> dict:
    rng = random.Random(args.seed)
    tables: list[Table] = []
    for number in range(1, args.tables + 1):
        tables.append(Table(number, rng.choice(WORDS), rng, tables))

    # Variant b's changes, picked from the same sequence whichever variant is written.
    pick = random.Random(args.seed + 1)
    referenced = {t.parent.name for t in tables if t.parent}
    with_second = [t for t in tables if t.second_index]
    changes = {
        "add_column": [pick.choice(tables).name],
        "drop_second_index": [pick.choice(with_second).name] if with_second else [],
        "nullable_name": [pick.choice(tables).name],
    }
    # A table nothing references (no foreign key, no view, no function) to remove in b; and
    # a function and a view to change.
    fn_count, view_count = args.functions, args.views
    changed_function = pick.randrange(1, fn_count + 1) if fn_count else None
    changed_view = pick.randrange(1, view_count + 1) if view_count else None

    files: dict[str, str] = {}
    for t in tables:
        files[t.path] = t.sql(changes if args.variant == "b" else {})

    functions: list[tuple[str, str]] = []
    fn_names: list[str] = []
    for number in range(1, fn_count + 1):
        path, sql, fname = function_sql(number, rng.choice(WORDS), rng, tables,
                                        args.variant == "b" and number == changed_function)
        files[path] = sql
        fn_names.append(fname)
        if "(p_id bigint)" in sql:
            table = sql.split(" FROM ", 1)[1].split()[0]
            functions.append((fname, table))

    views: list[str] = []  # the ones other views can select a name from
    all_views: list[str] = []
    for number in range(1, view_count + 1):
        path, sql, vname = view_sql(number, rng.choice(WORDS), rng, tables, functions, views,
                                    args.variant == "b" and number == changed_view)
        files[path] = sql
        all_views.append(path.split("/")[-1][:-4])
        if vname:
            views.append(vname)

    used = set(referenced)
    for path, sql in files.items():
        if not path.startswith("01_tables/"):
            used.update(t.name for t in tables if t.name in sql)
    removable = [t for t in tables if t.name not in used and t.name not in sum(changes.values(), [])]
    removed = pick.choice(removable).name if removable else None
    added = "t9999_extra"
    if args.variant == "b":
        if removed:
            files = {p: s for p, s in files.items() if not p.endswith(f"/{removed}.sql")}
        files[f"01_tables/g99/{added}.sql"] = (
            f"-- {added}: only in variant b\nCREATE TABLE {added} (\n    id bigint PRIMARY KEY,\n    label text\n);\n"
        )

    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    for path, sql in files.items():
        target = out / "db" / "schema" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sql, encoding="utf-8")
    (out / "plover.toml").write_text('# generated by bench/gen_schema.py\n[schema]\ndirs = ["db/schema"]\n')
    env = out / "db" / "environments" / f"{args.env}.yaml"
    env.parent.mkdir(parents=True, exist_ok=True)
    env.write_text(
        f"# generated by bench/gen_schema.py\nname: {args.env}\ninclude_dirs:\n  - db/schema\nexclude_dirs: []\n"
        "database_url: postgresql://postgres@127.0.0.1:5432/postgres\n"
    )

    expected = []
    if args.variant == "b":
        expected = [
            {"action": "added", "kind": "column", "parent": changes["add_column"][0], "name": "note"},
            {"action": "altered", "kind": "column", "parent": changes["nullable_name"][0], "name": "name"},
            {"action": "added", "kind": "table", "name": added},
        ]
        if changes["drop_second_index"]:
            t = next(t for t in tables if t.name == changes["drop_second_index"][0])
            expected.append({"action": "removed", "kind": "index", "parent": t.name,
                             "name": t.indexes()[1].split()[3 if t.second_kind == "unique" else 2]})
        if removed:
            expected.append({"action": "removed", "kind": "table", "name": removed})
        if changed_function:
            expected.append({"action": "altered", "kind": "function", "name": fn_names[changed_function - 1]})
        if changed_view:
            expected.append({"action": "altered", "kind": "view", "name": all_views[changed_view - 1]})
        (out / "expected-diff.json").write_text(json.dumps(expected, indent=2) + "\n")

    stats = {
        "variant": args.variant,
        "seed": args.seed,
        "files": len(files),
        "tables": sum(p.startswith("01_tables/") for p in files),
        "functions": sum(p.startswith("02_functions/") for p in files),
        "views": sum(p.startswith("03_views/") for p in files),
        "indexes": sum(s.count("CREATE INDEX") + s.count("CREATE UNIQUE INDEX") for s in files.values()),
        "foreign_keys": sum(s.count(" REFERENCES ") for s in files.values()),
        "bytes": sum(len(s.encode()) for s in files.values()),
        "expected_differences": len(expected),
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--tables", type=int, default=300)
    parser.add_argument("--functions", type=int, default=100)
    parser.add_argument("--views", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--variant", choices=["a", "b"], default="a")
    parser.add_argument("--env", default="bench")
    args = parser.parse_args()
    stats = generate(args)
    print(f"wrote {stats['files']} files ({stats['tables']} tables, {stats['functions']} functions,"
          f" {stats['views']} views; {stats['bytes']:,} bytes) under {args.out}")


if __name__ == "__main__":
    main()
