#!/usr/bin/env python3
"""Where PostgreSQL spends a tenant's real migration: each statement alone, timed in psql, with
the system catalogs it reads by heap scan (whole-catalog reads, not index lookups).

    tenants_catalog_scans.py DB TENANTS OUT.json

On the fleet in database DB (schemas tenant_0000 ..), runs each statement below in a sample of
tenants, each in a transaction that is rolled back, so nothing changes. The statements are the
real migration's two and, as a control, the same column without its default. For each it
records the median time psql measured (`\\timing`) and, from pg_stat_sys_tables, the heap scans
per statement and the rows they read, by catalog. The statistics views count their own reading
too: a snapshot taken twice with nothing between measures that, and it is subtracted.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
from pathlib import Path

SAMPLE = 20

CONTROL = "ALTER TABLE tasks ADD COLUMN priority integer"

# (label, untimed set-up in the same transaction, the timed statement). The index needs its
# column: the control adds it first, and the control's own scans are subtracted.
STATEMENTS = [
    ("add column with default (the real migration)", None, "ALTER TABLE tasks ADD COLUMN priority integer NOT NULL DEFAULT 0"),
    ("add column without default (control)", None, CONTROL),
    ("create index (the real migration)", CONTROL, "CREATE INDEX tasks_priority_idx ON tasks (priority)"),
]

SNAPSHOT = "SELECT relname, seq_scan, seq_tup_read FROM pg_stat_sys_tables WHERE schemaname = 'pg_catalog'"


def psql(db: str, script: str) -> str:
    done = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db],
                          input=script, capture_output=True, text=True, check=True)
    return done.stdout


def snapshot(db: str) -> dict[str, tuple[int, int]]:
    # psql exits before the next step: a backend's statistics are flushed when it ends.
    rows = (line.split("|") for line in psql(db, SNAPSHOT + ";\n").splitlines() if line)
    return {name: (int(scans), int(read)) for name, scans, read in rows}


def delta(after: dict, before: dict) -> dict[str, tuple[int, int]]:
    return {name: (v[0] - before.get(name, (0, 0))[0], v[1] - before.get(name, (0, 0))[1])
            for name, v in after.items()}


def measure(db: str, tenants: list[str], setup: str | None, sql: str, own: dict) -> dict:
    """One statement in every sampled tenant (the column not there yet): its median time and
    its heap scans per run, set-up included."""
    script = []
    for t in tenants:
        script += ["BEGIN;", f"SET LOCAL search_path TO tenant_{t};", f"{setup};" if setup else "",
                   "\\timing on", f"{sql};", "\\timing off", "ROLLBACK;"]
    before = snapshot(db)
    out = psql(db, "\n".join(script) + "\n")
    after = snapshot(db)
    times = [float(m) for m in re.findall(r"^Time: ([0-9.]+) ms", out, re.M)]
    scans = {}
    for name, (n, read) in delta(after, before).items():
        n -= own.get(name, (0, 0))[0]
        read -= own.get(name, (0, 0))[1]
        if n > 0:
            scans[name] = {"scans_per_run": n / len(tenants), "rows_per_run": read / len(tenants)}
    return {"median_ms": statistics.median(times) if times else None, "runs": len(times), "heap_scans": scans}


def without(scans: dict, setup: dict) -> dict:
    """`scans` less the set-up's, the catalogs left with none dropped."""
    left = {}
    for name, s in scans.items():
        base = setup.get(name, {"scans_per_run": 0, "rows_per_run": 0})
        n = s["scans_per_run"] - base["scans_per_run"]
        if n > 0:
            left[name] = {"scans_per_run": n, "rows_per_run": s["rows_per_run"] - base["rows_per_run"]}
    return left


def main() -> None:
    db, count, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    step = max(1, count // SAMPLE)
    tenants = [f"{i:04d}" for i in range(0, count, step)][:SAMPLE]
    first = snapshot(db)
    own = delta(snapshot(db), first)  # what one snapshot's own reading adds
    rows = psql(db, "SELECT (SELECT count(*) FROM pg_catalog.pg_class), (SELECT count(*) FROM pg_catalog.pg_index);")
    classes, indexes = (int(v) for v in rows.strip().split("|"))
    measured = {label: measure(db, tenants, setup, sql, own) for label, setup, sql in STATEMENTS}
    control = measured[STATEMENTS[1][0]]["heap_scans"]
    statements = []
    for label, setup, sql in STATEMENTS:
        m = measured[label]
        if setup:
            m["heap_scans"] = without(m["heap_scans"], control)
        statements.append({"label": label, "sql": sql, **m})
    result = {"tenants_sampled": len(tenants), "pg_class_rows": classes, "pg_index_rows": indexes,
              "statements": statements}
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
