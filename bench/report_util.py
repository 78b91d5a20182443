"""Helpers shared by the schema and tenants sections of RESULTS.md (schema_report.py,
tenants_report.py): reading hyperfine exports, load notes, strace and perf summaries."""

from __future__ import annotations

import json
import os
import re
import statistics
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = Path(os.environ.get("BENCH_WORK", BENCH / "work"))
RES = WORK / "results"


def read(path: Path, default: str = "") -> str:
    return path.read_text().strip() if path.exists() else default


def load_json(path: Path, default=None):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default


def secs(value: float) -> str:
    if value != value:  # NaN
        return "—"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def ms(value: float) -> str:
    if value != value:
        return "—"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def met(ok: bool) -> str:
    return "**met**" if ok else "**MISSED**"


def rel(text: str) -> str:
    return text.replace(str(REPO) + "/", "")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rounds(directory: Path) -> dict[str, dict]:
    """name -> {"times": every run (s), "rounds": {round: median}, "cpu": [user+sys per run]}
    from hyperfine exports named round-R-NAME.json."""
    out: dict[str, dict] = {}
    for path in sorted(directory.glob("round-*.json")):
        _, round_no, name = path.stem.split("-", 2)
        data = load_json(path)
        if not data:
            continue
        result = data["results"][0]
        entry = out.setdefault(name, {"times": [], "rounds": {}, "cpu": [], "exit_codes": []})
        entry["times"].extend(result["times"])
        entry["rounds"][int(round_no)] = statistics.median(result["times"])
        entry["cpu"].extend([result["user"] + result["system"]] * len(result["times"]))
        entry["exit_codes"].extend(result.get("exit_codes") or [])
    return out


def paired_ratio(data: dict[str, dict], tool: str, base: str) -> float:
    """The median over rounds of tool / base, each round's pair measured back to back."""
    a, b = data.get(tool, {}).get("rounds", {}), data.get(base, {}).get("rounds", {})
    ratios = [a[r] / b[r] for r in a if r in b and b[r] > 0]
    return median(ratios)


def strace_calls(path: Path) -> dict[str, int]:
    """syscall -> calls, from `strace -c` output."""
    calls = {}
    for line in read(path).splitlines():
        parts = line.split()
        if len(parts) >= 5 and re.match(r"^[\d.]+$", parts[0]) and parts[-1] != "total":
            try:
                calls[parts[-1]] = int(parts[3])
            except ValueError:
                continue
    return calls


def perf_lines(path: Path) -> list[tuple[float, str]]:
    """(percent, the rest of the line) from a `perf report --stdio` excerpt."""
    rows = []
    for line in read(path).splitlines():
        match = re.match(r"^\s*([\d.]+)%\s+(.*)$", line)
        if match:
            rows.append((float(match.group(1)), " ".join(match.group(2).split())))
    return rows


def load_lines(path: Path) -> list[str]:
    """One paragraph on how busy the machine was when each timed batch started."""
    text = read(path)
    gate = re.compile(
        r"^## (?P<what>.+) at (?P<when>\S+): load average (?P<load>[\d. ]+), "
        r"CPU (?P<busy>\d+)% busy \(others\) after waiting (?P<waited>\d+) s$"
    )
    gates = [m for m in map(gate.match, text.splitlines()) if m]
    if not gates:
        return []
    waited = [int(m["waited"]) for m in gates]
    busy = [int(m["busy"]) for m in gates]
    loads = [float(m["load"].split()[0]) for m in gates]
    limit = int(os.environ.get("BENCH_MAX_BUSY", "25"))
    forced = [m for m in gates if int(m["busy"]) > limit]
    line = (
        f"Other activity: this 2-core machine is shared (other engineers compile and run tests on it)."
        f" Before each of the {len(gates)} timed batches the benchmark waited until the rest of the"
        f" machine was at most {limit}% busy over 3 s; {sum(w > 0 for w in waited)} had to wait"
        f" ({sum(waited)} s in all, longest {max(waited)} s); CPU busy with other work when timing started:"
        f" median {statistics.median(busy)}%, max {max(busy)}%; 1-minute load average median"
        f" {statistics.median(loads):.2f}, max {max(loads):.2f}."
    )
    if forced:
        line += " Timed although still busy (gave up waiting): " + "; ".join(
            f"{m['what']} ({m['busy']}%)" for m in forced) + "."
    return [line, f"Details: {rel(str(path))}.", ""]
