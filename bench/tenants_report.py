"""RESULTS.md's tenant-fleet section, from what bench/tenants.sh left in bench/work/results/tenants/.

Imported by report.py, which composes RESULTS.md; every number here comes from those files.
"""

from __future__ import annotations

import statistics

from report_util import RES, load_json, load_lines, median, met, perf_lines, read, rel, rounds, secs, strace_calls

TENANTS = RES / "tenants"

NOOP_TARGET_S = 2.0
STATUS_TARGET_S = 2.0
REAL_TARGET_S = 60.0
DRIFT_TARGET_S = 3.0
PEER_FACTOR = 5.0

# operation -> (Plover's key, its target, drizzle-multitenant's keys: the fastest one is compared)
OPERATIONS = {
    "no-op `migrate --all`": ("plover-noop", NOOP_TARGET_S, ["drizzle-noop", "drizzle-noop-default"]),
    "`status`": ("plover-status", STATUS_TARGET_S, ["drizzle-status"]),
    "`drift` (reference: tenant 0000)": ("plover-drift", DRIFT_TARGET_S,
                                         ["drizzle-drift", "drizzle-drift-nc", "drizzle-drift-nc-default"]),
    "real migration, `migrate --all`": ("real:plover", REAL_TARGET_S, ["real:drizzle"]),
}
SHORT = {
    "drizzle-noop": "`migrate --all --concurrency C`",
    "drizzle-noop-default": "`migrate --all`, concurrency 10",
    "drizzle-status": "`status`",
    "drizzle-drift": "`diff --concurrency C`",
    "drizzle-drift-nc": "`diff --concurrency C --no-constraints`",
    "drizzle-drift-nc-default": "`diff --no-constraints`, concurrency 10",
    "real:drizzle": "`migrate --all --concurrency C`",
}
LABELS = {
    "plover-noop": "`plover tenants migrate --all --concurrency C --json` (nothing to do)",
    "plover-status": "`plover tenants status --json`",
    "plover-drift": "`plover tenants drift --reference 0000 --json`",
    "plover-drift-replay": "`plover tenants drift --json` (reference: the migrations replayed in a scratch database)",
    "drizzle-noop": "`drizzle-multitenant migrate --all --concurrency C` (nothing to do)",
    "drizzle-noop-default": "`drizzle-multitenant migrate --all` (its default concurrency, 10; nothing to do)",
    "drizzle-status": "`drizzle-multitenant status`",
    "drizzle-drift": "`drizzle-multitenant diff --reference 0000 --concurrency C`",
    "drizzle-drift-nc": "`drizzle-multitenant diff --reference 0000 --concurrency C --no-constraints`",
    "drizzle-drift-nc-default": "`drizzle-multitenant diff --reference 0000 --no-constraints` (its default concurrency, 10)",
    "real:plover": "`plover tenants migrate --all --concurrency C --json` (the real migration)",
    "real:drizzle": "`drizzle-multitenant --json migrate --all --concurrency C` (the real migration)",
}


def machine_lines() -> list[str]:
    if not (TENANTS / "finished").exists():
        return ["- Tenants run: not run yet (`bench/run.sh tenants`)"]
    return [
        f"- Tenants run: {read(TENANTS / 'started')} to {read(TENANTS / 'finished')} (UTC); drizzle-multitenant"
        f" {read(TENANTS / 'drizzle-version', '?')} (npm), node {sh_node()}; Plover built from "
        + "; ".join(read(TENANTS / "plover-build.txt").splitlines())
    ]


def sh_node() -> str:
    import subprocess
    try:
        return subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return "?"


def section() -> tuple[list[str], list[str]]:
    title = "## Tenant fleets: `plover tenants` against drizzle-multitenant"
    if not (TENANTS / "finished").exists():
        return (
            ["- Tenant fleets: no complete measurements in bench/work/results/tenants (run `bench/run.sh tenants`)."],
            [title, "", "Not measured yet: `bench/run.sh tenants`.", ""],
        )
    n = int(read(TENANTS / "tenants", "0"))
    conc = read(TENANTS / "concurrency", "4")
    pending = (TENANTS / "plover-pending").exists()
    data = rounds(TENANTS / "time")
    data.update({f"real:{k}": v for k, v in rounds(TENANTS / "real").items()})
    med = {k: median(v["times"]) for k, v in data.items()}
    cpu = {k: median(v["cpu"]) for k, v in data.items()}
    check = load_json(TENANTS / "check.json", {})
    n_rounds = max((len(v["rounds"]) for k, v in data.items() if not k.startswith("real:")), default=0)

    verdicts = []  # (operation, plover median, target, ok, best peer key, ratio, ratio ok)
    for op, (key, target, peers) in OPERATIONS.items():
        peer_keys = [p for p in peers if p in med]
        best = min(peer_keys, key=lambda p: med[p]) if peer_keys else None
        mine = med.get(key)
        ratio = med[best] / mine if best and mine else float("nan")
        verdicts.append((op, mine, target, mine is not None and mine < target, best, ratio, ratio >= PEER_FACTOR))

    headline = []
    if pending:
        headline.append(
            f"- Tenant fleets ({n:,} schemas × 20 tables): drizzle-multitenant measured; **Plover's side pending**"
            " (the build measured had no `plover tenants`); rerun `bench/run.sh tenants`."
        )
    else:
        parts = []
        for op, mine, target, ok, best, ratio, ratio_ok in verdicts:
            if mine is None:
                continue
            parts.append(f"{op} {secs(mine)} (target < {target:.0f} s: {met(ok)}; drizzle-multitenant"
                         f" {secs(med[best]) if best else '—'}, {ratio:.1f}× — {met(ratio_ok)})")
        headline.append(f"- Tenant fleets, {n:,} schemas × 20 tables, concurrency {conc}: " + "; ".join(parts) + ".")
        floor = {r["command"]: r["median"] for r in hyperfine_rows(TENANTS / "diag" / "real.json")}
        f4 = floor.get(f"psql floor: {conc} session(s)")
        if f4 and "real:drizzle" in med:
            headline.append(
                f"  The real migration's floor, psql alone doing the same per-tenant transactions in {conc} sessions,"
                f" takes {secs(f4)}: 5× faster than drizzle-multitenant ({secs(med['real:drizzle'])}) would be"
                f" {secs(med['real:drizzle'] / PEER_FACTOR)}, {'below' if med['real:drizzle'] / PEER_FACTOR < f4 else 'above'}"
                " that floor.")
        least = floor.get(f"psql least protocol: {conc} session(s)")
        if least and "real:drizzle" in med:
            headline.append(
                f"  psql sending what a migrator that locks each tenant and reads its history before migrating"
                f" must send, and nothing more (two queries per tenant), takes {secs(least)}:"
                f" {med['real:drizzle'] / least:.1f}× faster than drizzle-multitenant. Plover sends one per tenant:"
                " the lock, a check of the history it expects and the migration in one transaction"
                " (docs/tenants.md).")

    stats = load_json(TENANTS / "stats.json", {})
    lines = [
        title,
        "",
        "The issue's targets: \"With 1,000 tenant schemas of about 20 tables each on local PostgreSQL: no-op",
        "`tenants migrate --all` and `tenants status` each under 2 s; a real migration (add a column with a",
        "default, create an index) on all 1,000 under 60 s at concurrency 4; `tenants drift` across all 1,000",
        "under 3 s; and each at least 5× faster than drizzle-multitenant on the same fixture",
        "(drizzle-multitenant installed from npm).\" `bench/tenants.sh` (or `bench/run.sh tenants`) measures",
        "them; see bench/README.md.",
        "",
        f"**Fixture.** {n:,} schemas `tenant_0000` .. `tenant_{n - 1:04d}`, each with the same"
        f" {stats.get('tables', 20)} tables ({stats.get('indexes', 0)} secondary indexes besides primary keys and"
        f" unique constraints, {stats.get('foreign_keys', 0)} foreign keys) and 20 users, 5 projects and 200 tasks,"
        f" from three tenant migrations (`bench/gen_tenants.py`; the same files for both tools, named"
        " `NNNN_name.sql`, which both read). Each tool has its own database (`bench_tenants_plover`,"
        " `bench_tenants_drizzle`): psql creates the empty schemas, then the tool itself migrates every"
        " tenant from scratch (untimed"
        + "".join(f"; {tool} took {int(read(TENANTS / f'out/initial-{tool}.wall_ms', '0')) / 1000:.1f} s"
                  for tool in ("plover", "drizzle") if (TENANTS / f"out/initial-{tool}.wall_ms").exists())
        + f"). Both discover tenants the same way: every schema named `tenant_<id>` (Plover: `schema_template`;"
        " drizzle-multitenant: a `tenantDiscovery` function querying `pg_namespace`). Then psql changes 3"
        f" tenants by hand in both databases ({', '.join(read(TENANTS / 'drifted').split())}: a column added,"
        " an index dropped, a NOT NULL dropped), which `drift` must find.",
        "",
        f"**The real migration** (`0004_task_priority.sql`): `SET LOCAL lock_timeout = '5s'; ALTER TABLE tasks"
        " ADD COLUMN priority integer NOT NULL DEFAULT 0; CREATE INDEX tasks_priority_idx ON tasks (priority);`"
        " with a `-- plover:allow require-concurrent-index-creation` header (a comment; drizzle-multitenant"
        " ignores it, Plover's lint preflight then lets the plain CREATE INDEX through). Before each timed run"
        " it is undone in every tenant by psql (index and column dropped, history row deleted; untimed,"
        " then the catalogs vacuumed and a CHECKPOINT).",
        "",
    ]
    if pending:
        lines += [
            f"**Plover's side is pending**: the Plover build measured (commit {read(TENANTS / 'plover-pending')[:12]})"
            " had no `plover tenants` command. Only drizzle-multitenant was measured; rerun `bench/run.sh tenants`"
            " once the command is in the build.",
            "",
        ]
    lines += [
        "| operation | Plover | target | drizzle-multitenant (fastest variant) | drizzle ÷ Plover | at least 5× |",
        "| --- | ---: | --- | ---: | ---: | --- |",
    ]
    for op, mine, target, ok, best, ratio, ratio_ok in verdicts:
        peer = f"{secs(med[best])} ({SHORT[best].replace(' C', f' {conc}')})" if best else "—"
        if mine is None:
            lines.append(f"| {op} | pending | < {target:.0f} s | {peer} | — | — |")
        else:
            lines.append(f"| {op} | {secs(mine)} | < {target:.0f} s: {met(ok)} | {peer} | {ratio:.1f}× | {met(ratio_ok)} |")
    lines += [
        "",
        f"Every command, wall time with process start (node's, for drizzle-multitenant's CLI). No-op, status and"
        f" drift: {n_rounds} round{'s' if n_rounds != 1 else ''}, the order rotated; in each, once the machine is"
        " quiet, `hyperfine -N -i --warmup 1` runs every command a few times (`-i`: drift exits non-zero when it"
        " finds drift); a command that took over 10 s when its answer was checked runs once a round without a"
        " warm-up, and one that took over 2 minutes only in the first round (see the runs column). Real"
        " migration: one run per tool per round.",
        "",
        "| command | median | min | max | runs | user + sys CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    limit = read(TENANTS / "limit", "600")
    for key, label in LABELS.items():
        if key in data:
            t = data[key]["times"]
            lines.append(f"| {label.replace(' C', f' {conc}')} | {secs(med[key])} | {secs(min(t))} | {secs(max(t))} | {len(t)} |"
                         f" {secs(cpu[key])} |")
        elif read(TENANTS / f"out/{key}.rc") == "124":
            lines.append(f"| {label.replace(' C', f' {conc}')} | did not finish in {limit} s (stopped) | — | — | 0 | — |")
    lines.append("")
    lines += answer_lines(check)
    lines += real_lines()
    lines += diag_lines(data)
    lines += drift_diag_lines()
    lines += command_lines()
    lines += load_lines(TENANTS / "load.txt")
    return headline, lines


def answer_lines(check: dict) -> list[str]:
    if not check:
        return []
    lines = ["**Answers** (each command once, its JSON output checked against the fixture):", ""]
    for key, c in check.items():
        if not isinstance(c, dict):
            continue
        what = ", ".join(f"{k} {v}" for k, v in c.items() if k not in ("ok", "reported_sample"))
        lines.append(f"- `{key}`: {'as expected' if c.get('ok') else '**not as expected**'} ({what}).")
    drift = check.get("drizzle-drift", {})
    if drift.get("timed_out"):
        lines.append(
            f"- drizzle-multitenant's `diff` with its defaults (constraints compared) was still running after"
            f" {read(TENANTS / 'limit', '600')} s and was stopped: it reads each table's constraints with its own"
            " query joining `information_schema.table_constraints`, `key_column_usage`, `constraint_column_usage`"
            " and `check_constraints`, which takes seconds each on a catalog of this size, 21 times per tenant."
            " On the 20-tenant trial it also reported every tenant but the reference as drifted: it compares"
            " constraints by name, and PostgreSQL names each NOT NULL check there after the table's OID"
            " (`<oid>_<oid>_<n>_not_null`), different in every schema. With `--no-constraints` it finds exactly"
            " the drifted tenants (but no longer compares constraints); that variant is the one compared."
        )
    if drift and drift.get("false_positives"):
        lines.append(
            f"- drizzle-multitenant's `diff` with its defaults reports {drift['false_positives']} tenants drifted that"
            " are not: it compares `information_schema.table_constraints` by name, and PostgreSQL names each"
            " NOT NULL check there after the table's OID (`<oid>_<oid>_<n>_not_null`), different in every"
            " schema. With `--no-constraints` it finds exactly the drifted tenants (but no longer compares"
            " constraints). Both variants are timed; the comparison takes the faster."
        )
    lines.append("")
    return lines


def real_lines() -> list[str]:
    lines = []
    drizzle = load_json(TENANTS / "out/real-drizzle.json", {}) or {}
    per = [r.get("durationMs", 0) for r in drizzle.get("results", []) if r.get("appliedMigrations")]
    if per:
        lines.append(
            f"- Real migration, drizzle-multitenant's own per-tenant `durationMs` (one more run): median"
            f" {statistics.median(per):.0f} ms, max {max(per):.0f} ms over {len(per)} tenants; it migrates in batches of"
            " C tenants and starts the next batch when the slowest of the batch is done, each tenant through a new"
            " connection pool."
        )
    text = read(TENANTS / "out/real-plover.json")
    durations = []
    for line in text.splitlines():
        try:
            import json
            obj = json.loads(line)
        except ValueError:
            continue
        if obj.get("event") == "tenant":
            for field in ("elapsed_ms", "duration_ms", "ms"):
                if isinstance(obj.get(field), (int, float)):
                    durations.append(obj[field])
                    break
    if durations:
        lines.append(
            f"- Real migration, Plover's per-tenant times (`--json` tenant events, one more run): median"
            f" {statistics.median(durations):.0f} ms, max {max(durations):.0f} ms over {len(durations)} tenants."
        )
    return lines + ([""] if lines else [])


def hyperfine_rows(path) -> list[dict]:
    data = load_json(path, {}) or {}
    return data.get("results", [])


def drift_diag_lines() -> list[str]:
    diag = TENANTS / "diag"
    scale, conc = hyperfine_rows(diag / "drift-scale.json"), hyperfine_rows(diag / "drift-concurrency.json")
    if not scale and not conc and not (diag / "real.json").exists():
        return []
    lines = ["**Where Plover's time goes** (`bench/tenants_diag.sh`, on Plover's fixture). `plover tenants drift`,"
             " hyperfine, 3 runs each after a warm-up:", ""]
    if scale:
        lines += ["| tenants compared (`--tenants`, reference 0000) | median | per tenant | user + sys CPU of plover |",
                  "| --- | ---: | ---: | ---: |"]
        for r in scale:
            n = int("".join(ch for ch in r["command"].split(":")[1] if ch.isdigit()) or 1)
            lines.append(f"| {r['command'].split(': ', 1)[1]} | {secs(r['median'])} | {r['median'] / n * 1000:.1f} ms |"
                         f" {secs(r['user'] + r['system'])} |")
        lines.append("")
    if len(scale) >= 2:
        first, last = scale[0], scale[-1]
        n_first = int("".join(ch for ch in first["command"].split(":")[1] if ch.isdigit()) or 1)
        n_last = int("".join(ch for ch in last["command"].split(":")[1] if ch.isdigit()) or 1)
        slope = (last["median"] - first["median"]) / max(n_last - n_first, 1)
        lines += [f"- Drift grows with the tenants compared, {slope * 1000:.1f} ms per tenant from {n_first} to {n_last};"
                  f" {n_first} tenants already take {secs(first['median'])} (connecting, discovery, and catalog queries"
                  " whose cost does not shrink with the number of schemas asked for). The plover process's own CPU"
                  f" is {secs(last['user'] + last['system'])} of the {secs(last['median'])} for all tenants; the rest"
                  " is waiting for the server.", ""]
    if conc:
        lines += ["| `tenants.concurrency` (connections the introspection is spread over) | median | user + sys CPU of plover |",
                  "| --- | ---: | ---: |"]
        for r in conc:
            lines.append(f"| {r['command'].split('concurrency ', 1)[1]} | {secs(r['median'])} | {secs(r['user'] + r['system'])} |")
        lines.append("")
    real = hyperfine_rows(diag / "real.json")
    if real:
        lines += ["", "**The real migration against its floor** (the same fixture; before each run the migration is"
                  " undone by `hyperfine --prepare`, untimed; 2 runs each). The floor is psql doing the same work with"
                  " nothing around it: per tenant one transaction with `SET LOCAL search_path`, the ALTER TABLE, the"
                  " CREATE INDEX and a history row, sent as one query, the tenants split over N psql sessions run at"
                  " once:", "",
                  "| command | median | min | max | user + sys CPU |", "| --- | ---: | ---: | ---: | ---: |"]
        for r in real:
            lines.append(f"| {r['command']} | {secs(r['median'])} | {secs(r['min'])} | {secs(r['max'])} |"
                         f" {secs(r['user'] + r['system'])} |")
        by = {r["command"]: r["median"] for r in real}
        p4, f4 = by.get("plover: concurrency 4"), by.get("psql floor: 4 session(s)")
        if p4 and f4:
            lines += ["", f"- At concurrency 4, Plover takes {secs(p4)} where psql alone takes {secs(f4)}"
                      f" ({p4 / f4:.2f}×): the server's work for 1,000 tenants' DDL and commits bounds every tool,"
                      f" so 5× faster than drizzle-multitenant would need drizzle-multitenant at or above"
                      f" {secs(5 * f4)} even if Plover added nothing to the floor."]
        least = by.get("psql least protocol: 4 session(s)")
        if p4 and least:
            lines += [f"- `psql least protocol` is what a runner that takes each tenant's lock and reads its"
                      f" history before migrating must send at least, with nothing else: per tenant one query"
                      f" setting the search_path, taking the advisory lock and reading the history rows, and one"
                      f" with the transaction (the DDL and the history row) and the unlock. It takes"
                      f" {secs(least)}; Plover takes {p4 / least:.2f}× that. Plover reads one tenant's history"
                      f" and expects it of every tenant: per tenant it sends one transaction holding the session"
                      f" reset, the lock (for the transaction alone), a check that the history is the expected"
                      f" one, the DDL and the history row (docs/tenants.md); it also discovers the tenants and"
                      f" lints the files."]
        lines += catalog_scan_lines(diag / "catalog-scans.json")
        lines.append("")
    calls = strace_calls(diag / "drift.strace.txt")
    if calls:
        lines.append(f"- `strace -f -c` of one drift over all tenants: {calls.get('connect', 0)} connect,"
                     f" {calls.get('sendto', 0)} sendto, {calls.get('recvfrom', 0)} recvfrom.")
    by_comm = perf_lines(diag / "drift.perf.comm.txt")
    if by_comm:
        lines.append("- `perf record -a` of one drift, share of all samples (both cores) by process: "
                     + ", ".join(f"{name} {pct:.1f}%" for pct, name in by_comm[:5]) + " (swapper is idle).")
    pg = perf_lines(diag / "drift.perf.postgres.txt")
    if pg:
        lines.append("- In the server's processes, the busiest functions: "
                     + "; ".join(f"`{rest}` {pct:.1f}%" for pct, rest in pg[:8]) + ".")
    own = perf_lines(diag / "drift.perf.plover.txt")
    if own:
        lines.append("- In the plover process: " + "; ".join(f"`{rest}` {pct:.1f}%" for pct, rest in own[:8]) + ".")
    return lines + [""]


def catalog_scan_lines(path) -> list[str]:
    """Why the floor is where it is: the real migration's statements alone, and the catalogs
    PostgreSQL reads whole for each (tenants_catalog_scans.py)."""
    scans = load_json(path, None)
    if not scans:
        return []

    def read(st: dict) -> str:
        whole = [f"{name} ({int(v['rows_per_run']):,} rows)" if v["rows_per_run"] >= 1 else name
                 for name, v in sorted(st["heap_scans"].items()) if v["scans_per_run"] >= 0.5]
        return "reads " + ", ".join(whole) + " by heap scan" if whole else "reads no catalog whole"

    parts = [f"`{st['sql']}` {st['median_ms']:.2f} ms and {read(st)}" for st in scans["statements"]
             if st.get("median_ms") is not None]
    return [f"- Each statement alone in psql, in {scans['tenants_sampled']} tenants, each in a transaction"
            f" rolled back (`bench/tenants_catalog_scans.py`; median time, and the system catalogs read"
            f" whole per statement, from `pg_stat_sys_tables`): " + "; ".join(parts) + "."
            f" The column's default is what makes PostgreSQL read all of pg_index for every tenant; the"
            f" fixture has {scans['pg_index_rows']:,} indexes, so every tool pays it 1,000 times."]


def diag_lines(data: dict) -> list[str]:
    lines = []
    for key in ("plover-noop", "drizzle-noop", "plover-status", "drizzle-status"):
        calls = strace_calls(TENANTS / f"diag/{key}.strace.txt")
        if calls:
            lines.append(f"- `{key}` under `strace -f -c`: {calls.get('connect', 0):,} connect,"
                         f" {calls.get('sendto', 0) + calls.get('write', 0):,} sendto+write,"
                         f" {calls.get('recvfrom', 0) + calls.get('read', 0):,} recvfrom+read system calls.")
    if lines:
        lines = ["**Where the time goes** (connections opened and messages exchanged, with everything applied):", "",
                 *lines, ""]
    return lines


def command_lines() -> list[str]:
    rows = [line.split("\t", 2) for line in read(TENANTS / "commands.tsv").splitlines() if line]
    if not rows:
        return []
    lines = ["### Exact commands (tenants)", "", "```"]
    for phase, name, command in rows:
        lines.append(f"# {phase}: {name}")
        lines.append(rel(command))
    lines += ["```", "", "drizzle-multitenant's config (`tenant.config.base.mjs`; `real` differs only in the folder):", "",
              "```js", rel(read(TENANTS / "tenant.config.base.mjs")), "```", ""]
    return lines
