#!/usr/bin/env python3
"""Writes bench/RESULTS.md from the measurements run.sh left in bench/work/results/.

Every number in RESULTS.md comes from those files (or from asking the machine and the
tools themselves); nothing is typed in by hand. Run by run.sh; it can be rerun alone to
re-render the last measurements. RESULTS.md is composed from both parts' latest raw
results: the versioned-migrations part (results/apply, noop, diag, ...), the lint part
(results/lint/, see lint_report.py), the schema part (results/schema/, schema_report.py) and the
tenants part (results/tenants/, tenants_report.py), so rerunning one part keeps the others'
numbers (and a part with no raw results here keeps its blocks from the previous RESULTS.md).
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
from pathlib import Path

import lint_report
import schema_report
import tenants_report

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = Path(os.environ.get("BENCH_WORK", BENCH / "work"))
RES = WORK / "results"
OUT = BENCH / "RESULTS.md"

PEERS = ["sqlx", "dbmate", "confiture"]
LABELS = {
    "floor": "floor: psql, one session, per-statement round trips",
    "floor1": "pipelined floor: psql, one round trip per migration",
    "plover": "plover up",
    "sqlx": "sqlx migrate run",
    "dbmate": "dbmate up --no-dump-schema",
    "confiture": "confiture migrate up",
}
# What the issue says this machine measured before Plover existed (context only).
HISTORICAL = "floor ~1.3 s, dbmate ~0.5 s over it, Confiture ~2.5 s over it"
NOOP_TARGET_MS = 100.0
OVERHEAD_TARGET_RATIO = 0.5


# --------------------------------------------------------------------------- helpers
def sh(*args: str, env_extra: dict[str, str] | None = None) -> str:
    """A command's first output line, or why it could not run."""
    try:
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=60,
            env={**os.environ, **(env_extra or {})},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"({error})"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else f"(exit {done.returncode}, no output)"


def psql(query: str) -> str:
    return sh("psql", "-X", "-A", "-t", "-d", "postgres", "-c", query)


def round_files(phase: str) -> list[tuple[int, Path]]:
    """The hyperfine exports of a phase, round-R-WHAT.json, with their round numbers, in order."""
    files = [(int(p.stem.split("-")[1]), p) for p in (RES / phase).glob("round-*.json")]
    return sorted(files, key=lambda rp: (rp[0], rp[1].name))


def load_rounds(phase: str) -> dict[str, list[float]]:
    """name -> every timed run (seconds), across the rounds of a phase, in round order."""
    times: dict[str, list[float]] = {}
    for _, path in round_files(phase):
        for result in json.loads(path.read_text())["results"]:
            times.setdefault(result["command"], []).extend(result["times"])
    return times


def load_cpu(phase: str) -> dict[str, list[float]]:
    """name -> the process's own CPU time (user + system, seconds) of every timed run."""
    cpu: dict[str, list[float]] = {}
    for _, path in round_files(phase):
        for result in json.loads(path.read_text())["results"]:
            runs = len(result["times"])
            cpu.setdefault(result["command"], []).extend([result["user"] + result["system"]] * runs)
    return cpu


def load_apply_by_round() -> list[dict[str, float]]:
    """One {tool: seconds} per apply round."""
    rounds: dict[int, dict[str, float]] = {}
    for number, path in round_files("apply"):
        for result in json.loads(path.read_text())["results"]:
            rounds.setdefault(number, {})[result["command"]] = result["times"][0]
    return [rounds[n] for n in sorted(rounds)]


def secs(value: float) -> str:
    return f"{value:.2f} s"


def signed(value: float) -> str:
    return f"{value:+.2f} s"


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def met(ok: bool) -> str:
    return "**met**" if ok else "**MISSED**"


def read(path: Path, default: str = "") -> str:
    return path.read_text().strip() if path.exists() else default


# --------------------------------------------------------------------------- sections
def machine(part_lines: list[str], previous_peers: str) -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    mem_kib = int(re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M).group(1))
    settings = psql(
        "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) "
        "FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', "
        "'full_page_writes', 'shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'ssl')"
    )
    return [
        "## Machine",
        "",
        f"- CPU: {model.group(1) if model else platform.processor()}, {os.cpu_count()} cores (`nproc`)",
        f"- RAM: {mem_kib / 1024 / 1024:.1f} GiB",
        f"- OS: {platform.system()} {platform.release()}",
        f"- PostgreSQL: {psql('SELECT version()')}",
        f"- Server settings: {settings}",
        *part_lines,
        peers_line(previous_peers),
        "",
    ]


def versioned_machine_lines() -> list[str]:
    return [
        f"- Versioned-migrations run: {read(RES / 'started', '(not run)')} to {read(RES / 'finished', '?')} (UTC);"
        f" Plover `{sh(str(REPO / 'target/release/plover'), '--version')}`, built from "
        + "; ".join(read(RES / "plover-build.txt", "(not run)").splitlines())
    ]


def peers_line(previous: str) -> str:
    """The installed peers' versions; a peer not installed now keeps the version the previous
    RESULTS.md gave (its numbers may be carried over from then), marked as such."""
    before = re.findall(r"`([^`]+)`", previous)
    found = {
        "sqlx-cli": sh(str(WORK / "cargo/bin/sqlx"), "--version"),
        "dbmate": dbmate_version(),
        "confiture": sh(str(WORK / "venv/bin/confiture"), "--version"),
        "squawk": sh(str(WORK / "venv/bin/squawk"), "--version"),
        "drizzle-multitenant": drizzle_version(),
    }
    shown = []
    for name, version in found.items():
        if version.lower().startswith(name) and "not installed" not in version:
            shown.append(f"`{version}`")
        else:
            old = next((b for b in before if b.lower().startswith(name)), None)
            shown.append(f"`{old}` (previous run; not installed now)" if old else f"{name}: not installed")
    return (f"- Peers: {', '.join(shown)}; `{sh('psql', '--version')}`, `{sh('hyperfine', '--version')}`")


def drizzle_version() -> str:
    package = WORK / "node/node_modules/drizzle-multitenant/package.json"
    try:
        return f"drizzle-multitenant {json.loads(package.read_text())['version']}"
    except (OSError, ValueError, KeyError):
        return "drizzle-multitenant (not installed)"


def dbmate_version() -> str:
    bins = list((WORK / "node/node_modules/@dbmate").glob("*/bin/dbmate"))
    return sh(str(bins[0]), "--version") if bins else "dbmate (not installed)"


def rounds_setting(phase: str) -> str:
    rounds = {n for n, _ in round_files(phase)}
    return str(len(rounds))


def commands() -> list[str]:
    rows = [line.split("\t", 2) for line in read(RES / "commands.tsv").splitlines() if line]
    home = str(REPO) + "/"
    lines = [
        "## Exact commands",
        "",
        "One command runs everything: `bench/run.sh` (see bench/README.md). Paths below are",
        f"relative to the repository ({REPO}); every command runs with `PGHOST={os.environ.get('PGHOST', '127.0.0.1')}`",
        f"`PGPORT={os.environ.get('PGPORT', '5432')}` `PGUSER={os.environ.get('PGUSER', 'postgres')}` `PGSSLMODE=disable`",
        "in its environment and its working directory in `bench/work/`; hyperfine runs them without",
        "a shell (`-N`) and discards their output. TLS is off for every tool: the sqlx-cli build",
        "the issue asks for (`--features postgres`) cannot do TLS, so plaintext is the transport",
        "all of them share (Plover's default URL, which negotiates TLS here, is measured under",
        "*Where Plover's time goes*).",
        "",
        "```",
    ]
    for phase, name, command in rows:
        lines.append(f"# {phase}: {name}")
        lines.append(command.replace(home, ""))
    lines += [
        "```",
        "",
        f"- Apply: {rounds_setting('apply')} rounds; in each, every tool once, the order rotated round to round:",
        "  `bench/reset_db.sh TOOL` (untimed: drop and create the database, `CHECKPOINT`), wait until the rest",
        "  of the machine is quiet, then `hyperfine -N --runs 1 COMMAND`. Interleaving keeps a burst of",
        "  other work on this shared machine from landing on one tool's runs only.",
        f"- No-op: {rounds_setting('noop')} rounds; in each, every command (rotated the same way): wait until",
        "  the machine is quiet, then `hyperfine -N --warmup 1 --runs N COMMAND`, against the databases the",
        "  last apply round left fully applied. Wall time includes process start.",
        "",
    ]
    return lines


def failures() -> list[str]:
    failed = sorted(p for p in (RES / "failed").glob("*") if p.name in PEERS) if (RES / "failed").exists() else []
    if not failed:
        return ["All three peers installed and ran; none is missing from the tables.", ""]
    lines = ["### Peers that could not be measured", ""]
    for path in failed:
        lines += [f"**{path.name}** {path.read_text().splitlines()[0]}", "", "```", *path.read_text().splitlines()[1:], "```", ""]
    return lines


def judge(plover_over: float, best_over: float) -> tuple[bool, str, str]:
    """Target 1: Plover's overhead at most half the lowest peer's."""
    if best_over > 0:
        ratio = plover_over / best_over
        return (
            ratio <= OVERHEAD_TARGET_RATIO,
            f"{ratio:.2f}",
            f"target: at most {OVERHEAD_TARGET_RATIO}",
        )
    # A peer at or below the floor leaves no overhead to halve: the closest meaningful
    # reading is that Plover must not be slower than that peer.
    return (
        plover_over <= best_over,
        "n/a (the lowest peer overhead is not positive)",
        "judged as: Plover's overhead must not exceed that peer's",
    )


def apply_section(
    apply: dict[str, list[float]], rounds: list[dict[str, float]], cpu: dict[str, list[float]]
) -> tuple[list[str], dict]:
    count = read(RES / "count", "1000")
    med = {tool: statistics.median(times) for tool, times in apply.items()}
    floor = med["floor"]

    def wins(tool: str) -> str:
        if tool == "plover":
            return "—"
        both = [r for r in rounds if tool in r and "plover" in r]
        return f"{sum(r['plover'] < r[tool] for r in both)} of {len(both)}"

    def paired(tool: str, base: str = "floor") -> float:
        return statistics.median(r[tool] - r[base] for r in rounds if tool in r and base in r)

    lines = [
        f"## Applying {count} migrations on a fresh database",
        "",
        f"Median of {len(rounds)} runs each (one per round). Overhead = the tool's median minus the floor's",
        "median; the paired column is the median of the per-round differences (each round runs",
        "every tool once, one after the other, so pairing cancels slow drifts of the machine). Client CPU:",
        "the median user + system time of the tool's own process (psql's for the floors), from hyperfine.",
        "The last column counts the rounds in which Plover's run was faster than that tool's: on this",
        "machine a tool's runs spread over seconds (see min and max), so it says more than one median.",
        "",
        "| tool | median | min | max | runs | overhead over floor | paired overhead | over pipelined floor | client CPU | rounds Plover was faster |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for tool in ["floor", "floor1", "plover", *PEERS]:
        if tool not in apply:
            continue
        times = apply[tool]
        over = "—" if tool == "floor" else signed(med[tool] - floor)
        pair = "—" if tool == "floor" else signed(paired(tool))
        over1 = "—" if tool in ("floor", "floor1") or "floor1" not in med else signed(med[tool] - med["floor1"])
        lines.append(
            f"| {LABELS[tool]} | {secs(med[tool])} | {secs(min(times))} | {secs(max(times))} | {len(times)} "
            f"| {over} | {pair} | {over1} | {secs(statistics.median(cpu[tool])) if tool in cpu else '—'} "
            f"| {wins(tool)} |"
        )
    peers = {p: med[p] - floor for p in PEERS if p in med}
    plover_over = med["plover"] - floor
    facts = {"plover_over": plover_over, "floor": floor, "med": med, "rounds": rounds,
             "cpu": {t: statistics.median(v) for t, v in cpu.items()}}
    lines.append("")
    if peers:
        best = min(peers, key=peers.get)
        best_over = peers[best]
        ok, ratio_text, rule = judge(plover_over, best_over)
        facts.update(best=best, best_over=best_over, ratio_text=ratio_text, apply_ok=ok)
        lines += [
            f"- Plover's overhead: {signed(plover_over)}; the lowest peer overhead: {best} {signed(best_over)}; "
            f"ratio {ratio_text} — {met(ok)} ({rule}).",
        ]
        if plover_over < 0:
            lines.append(
                "  Plover's overhead is negative: it is faster than the floor, because it sends each"
                " migration (BEGIN, statements, history INSERT, COMMIT) as one pipelined round trip,"
                " while psql waits for every statement's answer before sending the next; the"
                " pipelined floor, which does what Plover does from psql, is the stricter baseline"
                f" (Plover over it: {signed(med['plover'] - med['floor1'])})."
            )
        if "floor1" in med:
            peers1 = {p: med[p] - med["floor1"] for p in peers}
            best1 = min(peers1, key=peers1.get)
            plover1 = med["plover"] - med["floor1"]
            ok1, ratio1, rule1 = judge(plover1, peers1[best1])
            facts.update(best1=best1, best1_over=peers1[best1], plover1_over=plover1, ratio1_text=ratio1, apply1_ok=ok1)
            lines.append(
                f"- The same target against the pipelined floor (the stricter baseline): Plover {signed(plover1)},"
                f" lowest peer {best1} {signed(peers1[best1])}; ratio {ratio1} — {met(ok1)} ({rule1})."
            )
        for peer, over in sorted(peers.items(), key=lambda kv: kv[1]):
            lines.append(f"- {peer}: overhead {signed(over)}, {med[peer] / med['plover']:.2f}× Plover's wall time.")
    else:
        facts["apply_ok"] = None
        lines.append("- No peer could be measured, so the overhead target cannot be judged (see below).")
    lines += [
        f"- For context only (not measured in this run): the issue's earlier numbers on this machine were {HISTORICAL}.",
        "  This run's floor differs from that; the ratios above compare tools measured side by side in one run.",
        "",
    ]
    return lines, facts


def noop_section(noop: dict[str, list[float]]) -> tuple[list[str], dict]:
    count = read(RES / "count", "1000")
    lines = [
        f"## No-ops with {count} migrations applied",
        "",
        f"Median wall time, process start included ({NOOP_TARGET_MS:.0f} ms target for Plover's up and status).",
        "",
        "| command | median | min | max | runs | target |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    facts = {}
    for label, times in noop.items():
        median = statistics.median(times)
        target = ""
        if label in ("plover up", "plover status"):
            ok = median * 1000 < NOOP_TARGET_MS
            facts[label] = (median, ok)
            target = f"< {NOOP_TARGET_MS:.0f} ms: {met(ok)}"
        lines.append(f"| `{label}` | {ms(median)} | {ms(min(times))} | {ms(max(times))} | {len(times)} | {target} |")
    lines.append("")
    return lines, facts


def strace_summary(path: Path) -> dict[str, tuple[int, float]]:
    """syscall -> (calls, seconds) from `strace -c` output."""
    calls = {}
    for line in read(path).splitlines():
        parts = line.split()
        if len(parts) >= 5 and re.match(r"^[\d.]+$", parts[0]) and parts[-1] != "total":
            try:
                calls[parts[-1]] = (int(parts[3]), float(parts[1]))
            except ValueError:
                continue
    return calls


def perf_lines(path: Path) -> list[tuple[float, str]]:
    """(percent, rest of the line) from `perf report --stdio` lines."""
    rows = []
    for line in read(path).splitlines():
        match = re.match(r"^\s*([\d.]+)%\s+(.*)$", line)
        if match:
            rows.append((float(match.group(1)), " ".join(match.group(2).split())))
    return rows


def diagnosis(facts: dict) -> list[str]:
    diag = RES / "diag"
    lines = ["## Where Plover's time goes", ""]
    if not diag.exists():
        return lines + ["(diagnose.sh did not run)", ""]
    events = [json.loads(line) for line in read(diag / "up.jsonl").splitlines() if line.strip()]
    applied = [e["elapsed_ms"] for e in events if e.get("event") == "migration-applied"]
    done = next((e for e in events if e.get("event") == "done"), None)
    wall = float(read(diag / "up.wall_ms", "nan"))
    if applied and done:
        total = sum(applied)
        q = statistics.quantiles(applied, n=10)
        lines += [
            f"**Applying** (`plover --json up`, one more fresh database, not part of the medians above):",
            "",
            f"- wall time {wall / 1000:.2f} s; Plover's own `done.elapsed_ms` (from taking the lock to the"
            f" end) {done['elapsed_ms'] / 1000:.2f} s; the {len(applied)} migrations' `elapsed_ms` add up to"
            f" {total / 1000:.2f} s.",
            f"- so: start, reading and parsing the files, connecting and locating the history table take"
            f" {(wall - done['elapsed_ms']) / 1000:.3f} s; locking, reading the history and planning take"
            f" {(done['elapsed_ms'] - total) / 1000:.3f} s; the migrations themselves (statements + history"
            f" row, one transaction each) take {total / wall:.0%} of the wall time.",
            f"- per migration: median {statistics.median(applied):.2f} ms, p10 {q[0]:.2f} ms, p90 {q[-1]:.2f} ms,"
            f" max {max(applied):.2f} ms; first {applied[0]:.2f} ms, last {applied[-1]:.2f} ms.",
        ]
        server = read(diag / "up.server.txt").split("|")
        if len(server) == 2:
            server_sum, server_median = float(server[0]), float(server[1])
            lines.append(
                f"- inside the server, from BEGIN to the history INSERT (the history table's"
                f" `execution_ms`, which PostgreSQL measures; whole milliseconds): {server_sum / 1000:.2f} s in all,"
                f" median {server_median:.0f} ms per migration. The remaining {(total - server_sum) / 1000:.2f} s"
                f" of the migrations' time ({(total - server_sum) / len(applied):.2f} ms each) is the COMMIT"
                " (flushing WAL to disk) plus the round trip and Plover's own work."
            )
    calls = strace_summary(diag / "up.strace.txt")
    psql_calls = strace_summary(diag / "floor1.strace.txt")
    if calls and applied:
        n = len(applied)
        wanted = ["sendto", "recvfrom", "poll", "epoll_wait", "read", "write", "openat"]
        lines += [
            "",
            f"System calls per migration (`strace -f -c`, {n} migrations on a fresh database), Plover against psql",
            "running the pipelined floor (the same work in one round trip per migration):",
            "",
            "| system call | plover up | psql, pipelined floor |",
            "| --- | ---: | ---: |",
        ]
        for name in wanted:
            if name in calls or name in psql_calls:
                mine = calls.get(name, (0, 0.0))[0] / n
                theirs = psql_calls.get(name, (0, 0.0))[0] / n if psql_calls else float("nan")
                lines.append(f"| {name} | {mine:.1f} | {theirs:.1f} |")
        sends = calls.get("sendto", (0, 0.0))[0] / n
        receives = calls.get("recvfrom", (0, 0.0))[0] / n
        psql_receives = psql_calls.get("recvfrom", (0, 0.0))[0] / n if psql_calls else float("nan")
        lines += [
            "",
            f"- Plover writes each migration in {sends:.1f} sendto: BEGIN, the statements, the history INSERT and"
            " COMMIT go out together, in one round trip.",
        ]
        if receives > 1.5 * psql_receives:
            lines[-1] += (
                " But they go as separate protocol messages (a simple Query per statement, an"
                " extended-protocol Bind/Execute/Sync for the INSERT), which the server answers and flushes"
                f" one by one: Plover reads {receives:.1f} times per migration where psql, sending one"
                f" multi-statement Query, reads {psql_receives:.1f} times; each read is a wake-up of"
                " the client, and each answer a flush by the server."
            )
    cpu = facts.get("cpu", {})
    med = facts.get("med", {})
    if "plover" in cpu and "floor1" in cpu and "floor1" in med and applied:
        extra = cpu["plover"] - cpu["floor1"]
        by_dso = perf_lines(diag / "up.perf.comm-dso.txt")
        plover_all = sum(p for p, rest in by_dso if rest.startswith("plover "))
        plover_kernel = sum(p for p, rest in by_dso if rest.startswith("plover [kernel"))
        where = (
            f" ({plover_kernel / plover_all:.0%} of the plover process's CPU samples in the profile below"
            " are in the kernel: sending, receiving, waking up)" if plover_all else ""
        )
        diffs = [r["plover"] - r["floor1"] for r in facts.get("rounds", []) if "plover" in r and "floor1" in r]
        spread = statistics.stdev(diffs) if len(diffs) > 1 else float("nan")
        verdict = "inside" if abs(med["plover"] - med["floor1"]) < spread else "outside"
        lines.append(
            f"- Plover's own CPU time while applying (median over the apply runs): {secs(cpu['plover'])},"
            f" psql's for the pipelined floor {secs(cpu['floor1'])}: {extra / len(applied) * 1000:.2f} ms more"
            f" per migration{where}. Migrations run one after another, so client time adds to the wall"
            f" time: sending each migration as one message could save up to about {secs(extra)} here."
            f" Plover's wall time against the pipelined floor: {signed(med['plover'] - med['floor1'])} by the"
            f" medians, {verdict} the run-to-run noise (standard deviation of the per-round differences:"
            f" {secs(spread)})."
        )
    by_comm = perf_lines(diag / "up.perf.comm.txt")
    by_sym = perf_lines(diag / "up.perf.comm-dso-sym.txt")
    if by_comm:
        shares = ", ".join(f"{name} {pct:.1f}%" for pct, name in by_comm[:5])
        lines += [
            "",
            f"**CPU profile of `plover up`** (`perf record -a`, both cores, a fresh database): {shares}"
            " (swapper is idle time).",
            "",
            "| share of all samples | process | where |",
            "| ---: | --- | --- |",
        ]
        for pct, rest in by_sym[:12]:
            parts = rest.split(None, 2)
            lines.append(f"| {pct:.1f}% | {parts[0]} | `{' '.join(parts[1:])}` |")
        by_dso = perf_lines(diag / "up.perf.comm-dso.txt")
        pg_kernel = sum(p for p, rest in by_dso if rest.startswith("postgres [kernel"))
        pg_all = sum(p for p, rest in by_dso if rest.startswith("postgres "))
        top_pg_kernel = [rest.split()[-1] for p, rest in by_sym[:12] if rest.startswith("postgres [kernel")]
        ext4 = any(re.search(r"ext4|inode|recently_deleted", name) for name in top_pg_kernel)
        lines += [
            "",
            f"- PostgreSQL's processes take {pg_all:.1f}% of all samples, {pg_kernel:.1f} points of it in the kernel"
            + (
                " (at the top, ext4's inode allocation: the files of each new table, index, sequence and"
                " TOAST table)" if ext4 else ""
            )
            + f"; plover {next((p for p, name in by_comm if name == 'plover'), 0.0):.1f}%. The server's DDL is"
            " the bulk of the time; the plover process's share is the client cost above.",
        ]
    lines.append("")

    breakdown = diag / "noop-breakdown.json"
    if breakdown.exists():
        results = json.loads(breakdown.read_text())["results"]
        lines += [
            "**The no-op taken apart** (hyperfine, 20 runs each after 2 warm-ups; each row adds one thing):",
            "",
            "| step | median | min | user + sys CPU |",
            "| --- | ---: | ---: | ---: |",
        ]
        for r in results:
            lines.append(
                f"| `{r['command']}` | {ms(r['median'])} | {ms(r['min'])} | {ms(r['user'] + r['system'])} |"
            )
        by = {r["command"]: r["median"] for r in results}
        keys = list(by)
        if len(keys) >= 7:
            start, connect, files, hist, up, tls_status, tls_up = (by[k] for k in keys[:7])
            lines += [
                "",
                f"- process start: {ms(start)}; connecting and the catalog/history queries with nothing to read:"
                f" {ms(connect - start)}; reading and parsing the migration files (and planning them):"
                f" {ms(files - connect)}; reading {read(RES / 'count', '1000')} history rows and printing"
                f" the table: {ms(hist - files)}; `up` vs `status` with everything applied: {ms(up - hist)}"
                " (differences of a few ms are within this machine's noise).",
                f"- Plover's default URL (no `sslmode`, so `prefer`) negotiates TLS with this server:"
                f" {ms(tls_status - hist)} more for status and {ms(tls_up - up)} more for up than with"
                " `sslmode=disable`.",
            ]
        calls = strace_summary(diag / "noop-status.strace.txt")
        if calls:
            top = sorted(calls.items(), key=lambda kv: -kv[1][0])[:6]
            lines.append("- `strace -f -c` of `plover status` (all applied), most frequent calls: "
                         + ", ".join(f"{k} {c}" for k, (c, _) in top) + ".")
        lines.append("")
    return lines


def load_notes() -> list[str]:
    if not (RES / "apply").exists():
        return []
    text = read(RES / "load.txt")
    if not text:
        return []
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    gate = re.compile(r"^(?P<what>.+) at (?P<when>\S+): load average (?P<load>[\d. ]+), "
                      r"CPU (?P<busy>\d+)% busy \(others\) after waiting (?P<waited>\d+) s$")
    gates = [m for m in map(gate.match, headings) if m]
    notes = [h for h in headings if not gate.match(h)]
    lines = [
        "## Other activity during the run",
        "",
        "This machine has 2 cores and is shared: another engineer builds and runs test suites (against",
        "the same PostgreSQL) while this runs. Before every timed run (every no-op command's batch,",
        f"every diagnosis step) the benchmark waited until the rest of the machine was at most"
        f" {os.environ.get('BENCH_MAX_BUSY', '25')}% busy over 3 s.",
        "",
    ]
    if gates:
        waited = [int(m["waited"]) for m in gates]
        busy = [int(m["busy"]) for m in gates]
        limit = int(os.environ.get("BENCH_MAX_BUSY", "25"))
        forced = [m for m in gates if int(m["busy"]) > limit]
        lines += [
            f"- {len(gates)} timed runs or batches; {sum(w > 0 for w in waited)} of them had to wait,"
            f" {sum(waited)} s in all (longest {max(waited)} s); CPU busy with other work when timing"
            f" started: median {statistics.median(busy)}%, max {max(busy)}%.",
        ]
        if forced:
            lines.append(
                "- timed although the machine stayed busy (gave up waiting): "
                + "; ".join(f"{m['what']} ({m['busy']}%)" for m in forced)
            )
    lines += [f"- {n}" for n in notes]
    lines += ["", "Every check, with the busiest processes at that moment, is in bench/work/results/load.txt.", ""]
    return lines


def versioned() -> tuple[list[str], list[str]]:
    """The versioned-migrations part: (headline bullets, sections), or a note that it has not run."""
    apply = load_rounds("apply") if (RES / "apply").exists() else {}
    if "floor" not in apply or "plover" not in apply:
        return (
            ["- Versioned migrations: no measurements in bench/work/results/apply (run `bench/run.sh versioned`)."],
            ["## Applying migrations", "", "Not measured yet: `bench/run.sh versioned`.", ""],
        )
    rounds = load_apply_by_round()
    noop = load_rounds("noop")
    apply_lines, facts = apply_section(apply, rounds, load_cpu("apply"))
    noop_lines, noop_facts = noop_section(noop)

    headline = []
    med = facts["med"]
    headline.append(
        f"- Applying {read(RES / 'count', '1000')} migrations: floor {secs(med['floor'])}, Plover {secs(med['plover'])}"
        f" (overhead {signed(facts['plover_over'])})"
        + "".join(f", {p} {secs(med[p])} ({signed(med[p] - med['floor'])})" for p in PEERS if p in med)
        + "."
    )
    if facts.get("apply_ok") is not None:
        headline.append(
            f"- Target 1, Plover's overhead at most half the lowest peer's ({facts['best']}, {signed(facts['best_over'])}):"
            f" ratio {facts['ratio_text']} — {met(facts['apply_ok'])}."
        )
    if facts.get("apply1_ok") is not None:
        headline.append(
            f"- The same against the pipelined floor ({secs(med['floor1'])}): Plover {signed(facts['plover1_over'])},"
            f" lowest peer {facts['best1']} {signed(facts['best1_over'])}; ratio {facts['ratio1_text']} — {met(facts['apply1_ok'])}."
        )
    for label in ("plover up", "plover status"):
        if label in noop_facts:
            median, ok = noop_facts[label]
            headline.append(f"- Target 2, no-op `{label}` with everything applied under {NOOP_TARGET_MS:.0f} ms: {ms(median)} — {met(ok)}.")
    sections = [
        *apply_lines,
        *failures(),
        *noop_lines,
        *diagnosis(facts),
        *commands(),
        *load_notes(),
    ]
    return headline, sections


# --------------------------------------------------------------------------- carrying parts over
# Each part's headline bullets, machine line and sections are written between marker comments
# (`<!-- part:NAME -->` .. `<!-- /part:NAME -->`). A part whose raw results are not in
# bench/work/results/ (a fresh checkout, or a machine where only another part ran) keeps its
# blocks from the previous RESULTS.md instead of losing its numbers.
MARK = re.compile(r"^<!-- (/?)part:([a-z]+) -->$")


def previous_blocks(text: str) -> dict[str, list[list[str]]]:
    """part -> its marked blocks in order (headline, machine, sections), from RESULTS.md."""
    blocks: dict[str, list[list[str]]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        match = MARK.match(line)
        if match and not match.group(1):
            current = []
        elif match:
            if current is not None:
                blocks.setdefault(match.group(2), []).append(current)
            current = None
        elif current is not None:
            current.append(line)
    if blocks or not text:
        return blocks
    return legacy_blocks(text)


def legacy_blocks(text: str) -> dict[str, list[list[str]]]:
    """The same, from a RESULTS.md written before the markers (versioned and lint parts)."""
    lines = text.splitlines()

    def heading(prefix: str) -> int:
        return next((i for i, line in enumerate(lines) if line.startswith(prefix)), len(lines))

    headline = lines[heading("## Headline"):heading("## Machine")]
    machine_lines = lines[heading("## Machine"):heading("## Applying")]
    blocks = {}
    versioned_head = [line for line in headline if re.match(r"- (Applying|Target [12]|The same against)", line)]
    if versioned_head:
        blocks["versioned"] = [
            versioned_head,
            [line for line in machine_lines if line.startswith("- Versioned-migrations run:")],
            lines[heading("## Applying"):heading("## Lint:")],
        ]
    lint_head = [line for line in headline if line.startswith("- Lint")]
    if lint_head:
        blocks["lint"] = [
            lint_head,
            [line for line in machine_lines if line.startswith("- Lint run:")],
            lines[heading("## Lint:"):],
        ]
    return blocks


def part_blocks(name: str, present: bool, render, machine_render, previous) -> list[list[str]]:
    """[headline, machine, sections] of one part, marked; carried over when not measured here."""
    carried = previous.get(name, [])
    if present or len(carried) != 3 or any("Not measured yet" in line for line in carried[2]):
        headline, sections = render()
        blocks = [headline, machine_render(), sections]
    else:
        headline, machine_lines, sections = previous[name]
        note = (f"*Carried over from the previous RESULTS.md: bench/work/results/ holds no raw data for this"
                f" part on this machine now (rerun `bench/run.sh {name}` to measure it again).*")
        sections = [*sections]
        if sections and sections[0].startswith("## ") and note not in sections:
            sections[1:1] = ["", note]
        blocks = [headline, machine_lines, sections]
    return [[f"<!-- part:{name} -->", *block, f"<!-- /part:{name} -->"] for block in blocks]


def main() -> None:
    previous_text = OUT.read_text() if OUT.exists() else ""
    previous = previous_blocks(previous_text)
    previous_peers = next((line for line in previous_text.splitlines() if line.startswith("- Peers:")), "")
    parts = [
        ("versioned", (RES / "apply").exists(), versioned, versioned_machine_lines),
        ("lint", (RES / "lint" / "finished").exists(), lint_report.section, lint_report.machine_lines),
        ("schema", (RES / "schema" / "finished").exists(), schema_report.section, schema_report.machine_lines),
        ("tenants", (RES / "tenants" / "finished").exists(), tenants_report.section, tenants_report.machine_lines),
    ]
    if not any(present for _, present, _, _ in parts) and not previous:
        raise SystemExit("report.py: no measurements in bench/work/results/ (run bench/run.sh)")
    rendered = [part_blocks(name, present, render, mrender, previous) for name, present, render, mrender in parts]
    headline = [line for blocks in rendered for line in blocks[0]]
    machine_part = [line for blocks in rendered for line in blocks[1]]
    sections = [line for blocks in rendered for line in blocks[2]]
    lines = [
        "# Benchmarks: versioned migrations, lint, schema build and diff, tenant fleets",
        "",
        "Written by `bench/run.sh` (via bench/report.py) from the measurements of its last runs; do not",
        "edit by hand, rerun instead (`bench/run.sh versioned`, `lint`, `schema` or `tenants` reruns one part",
        "and keeps the others' last results). Raw data: bench/work/results/ (gitignored).",
        "",
        "## Headline",
        "",
        *headline,
        "",
        *machine(machine_part, previous_peers),
        *sections,
    ]
    OUT.write_text("\n".join(lines).rstrip() + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
