#!/usr/bin/env python3
"""Writes the same N small migrations in the layout each tool reads.

Each migration is one CREATE TABLE with a few columns and one CREATE INDEX on it. The up
SQL is byte-for-byte identical for every tool; only the file names (and dbmate's markers,
confiture's required down file) differ.

    gen_migrations.py OUT_DIR [--count 1000]

writes

    OUT_DIR/plover/NNNN_create_tNNNN.sql                  plover --dir
    OUT_DIR/sqlx/NNNN_create_tNNNN.sql                    sqlx migrate run --source
    OUT_DIR/dbmate/db/migrations/NNNN_create_tNNNN.sql    dbmate (-- migrate:up / -- migrate:down)
    OUT_DIR/confiture/db/migrations/NNNN_create_tNNNN.up.sql (+ .down.sql)
                                                          confiture migrate up (its versioned
                                                          "Medium 2" layout; a .down.sql is required)
    OUT_DIR/floor.sql                                     one psql script: per migration
                                                          BEGIN; <file>; INSERT history; COMMIT;
    OUT_DIR/floor1.sql                                    the same, but each migration's BEGIN ..
                                                          COMMIT joined with psql's \\; so that
                                                          it is sent as ONE query (one round trip)
"""

import argparse
import hashlib
import shutil
from pathlib import Path


def up_statements(version: int) -> list[str]:
    """The migration's statements, without their terminating semicolons."""
    table = f"bench_t{version:04d}"
    return [
        f"CREATE TABLE {table} (\n"
        f"    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        f"    name text NOT NULL,\n"
        f"    amount numeric(12, 2) NOT NULL DEFAULT 0,\n"
        f"    created_at timestamptz NOT NULL DEFAULT now()\n"
        f")",
        f"CREATE INDEX {table}_name_idx ON {table} (name)",
    ]


def up_sql(version: int) -> str:
    return "".join(f"{statement};\n" for statement in up_statements(version))


def down_sql(version: int) -> str:
    return f"DROP TABLE bench_t{version:04d};\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()

    for sub in ("plover", "sqlx", "dbmate", "confiture", "floor.sql", "floor1.sql"):
        target = args.out / sub
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()

    history_ddl = (
        "CREATE TABLE floor_history (\n"
        "    version bigint PRIMARY KEY,\n"
        "    name text NOT NULL,\n"
        "    checksum text NOT NULL,\n"
        "    applied_at timestamptz NOT NULL DEFAULT now()\n"
        ");\n"
    )
    floor = [
        "-- The floor: every migration in its own transaction with its history row, one session.\n",
        history_ddl,
    ]
    floor1 = [
        "-- The pipelined floor: as floor.sql, but psql sends each migration's\n"
        "-- BEGIN .. COMMIT as one multi-statement query (statements joined with \\;).\n",
        history_ddl,
    ]
    for version in range(1, args.count + 1):
        stem = f"{version:04d}_create_t{version:04d}"
        up = up_sql(version)
        write(args.out / "plover" / f"{stem}.sql", up)
        write(args.out / "sqlx" / f"{stem}.sql", up)
        write(
            args.out / "dbmate" / "db" / "migrations" / f"{stem}.sql",
            f"-- migrate:up\n{up}\n-- migrate:down\n{down_sql(version)}",
        )
        write(args.out / "confiture" / "db" / "migrations" / f"{stem}.up.sql", up)
        write(args.out / "confiture" / "db" / "migrations" / f"{stem}.down.sql", down_sql(version))
        checksum = hashlib.sha256(up.encode()).hexdigest()
        insert = (
            f"INSERT INTO floor_history (version, name, checksum) "
            f"VALUES ({version}, 'create_t{version:04d}', '{checksum}')"
        )
        floor.append(f"BEGIN;\n{up}{insert};\nCOMMIT;\n")
        steps = ["BEGIN", *up_statements(version), insert]
        floor1.append("".join(f"{step} \\;\n" for step in steps) + "COMMIT;\n")
    write(args.out / "floor.sql", "".join(floor))
    write(args.out / "floor1.sql", "".join(floor1))
    print(f"wrote {args.count} migrations for plover, sqlx, dbmate, confiture and the floor under {args.out}")


if __name__ == "__main__":
    main()
