#!/usr/bin/env python3
"""Which rules each linter runs by default: writes the inventory report.py counts from.

    lint_rules.py PLOVER SQUAWK OUT.json

Plover: `plover lint --list-rules --json` (every rule with `origin` and `default_on`).

squawk: the CLI has no rule list, so the list comes from the source of squawk's rule
library, squawk-linter (the crate Plover itself builds on, found through `cargo metadata`;
every other squawk-linter version in the cargo registry is read too, to show whether the
rule set differs between versions): every `Rule` variant's name, and `Rule::is_opt_in`,
which the squawk CLI uses to leave rules out by default (`Linter::with_rules` starts from
every rule that is not opt-in). Each name is then checked against the installed squawk
binary itself (`squawk --exclude NAME` is refused for a name it does not know), so a rule
the binary lacks, or a binary rule the source lacks, shows up in the output.
"""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def plover_rules(plover: str) -> dict:
    done = run(plover, "lint", "--list-rules", "--json")
    rules = json.loads(done.stdout)["rules"]
    # The issue names `--format json`; record what it prints, for the report.
    fmt = run(plover, "lint", "--list-rules", "--format", "json")
    return {
        "command": "plover lint --list-rules --json",
        "format_json_stdout_bytes": len(fmt.stdout),
        "format_json_exit": fmt.returncode,
        "rules": [
            {k: r[k] for k in ("id", "origin", "default_on", "severity", "tier")} for r in rules
        ],
    }


def squawk_linter_sources() -> list[tuple[str, Path]]:
    """(version, lib.rs) of the squawk-linter Plover builds with, then any others cached."""
    found: list[tuple[str, Path]] = []
    try:
        meta = subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--offline", "--manifest-path", str(REPO / "Cargo.toml")],
            capture_output=True, text=True, timeout=300,
        )
        for package in json.loads(meta.stdout)["packages"]:
            if package["name"] == "squawk-linter":
                found.append((package["version"], Path(package["manifest_path"]).parent / "src/lib.rs"))
    except (OSError, ValueError, KeyError, subprocess.TimeoutExpired):
        pass
    cargo_home = os.environ.get("CARGO_HOME", str(Path.home() / ".cargo"))
    for lib in sorted(glob.glob(f"{cargo_home}/registry/src/*/squawk-linter-*/src/lib.rs")):
        version = Path(lib).parent.parent.name.removeprefix("squawk-linter-")
        if all(v != version for v, _ in found):
            found.append((version, Path(lib)))
    return found


def parse_squawk_linter(lib: Path) -> dict:
    text = lib.read_text()
    display = text[text.index("impl fmt::Display for Rule"):]
    display = display[: display.index("write!(f")]
    names = dict(re.findall(r"Rule::(\w+)\s*=>\s*\{?\s*\"([a-z0-9-]+)\"", display))
    opt_in_body = text[text.index("pub fn is_opt_in"):]
    opt_in_body = opt_in_body[: opt_in_body.index("\n    }\n")]
    opt_in = set(re.findall(r"Rule::(\w+)", opt_in_body))
    expands = text[text.index("pub fn expands_to"):]
    expands = expands[: expands.index("\n    }\n")]
    aliases = set(re.findall(r"Rule::(\w+)\s*=>\s*\{?\s*&\[", expands))
    rules = [
        {
            "id": name,
            "default_on": variant not in opt_in,
            "alias": variant in aliases,
            "meta": name == "unused-ignore",
        }
        for variant, name in names.items()
    ]
    return {"source": str(lib), "rules": rules}


def squawk_knows(squawk: str, name: str, probe: Path) -> bool:
    done = run(squawk, "--exclude", name, str(probe))
    return "invalid rule name" not in done.stderr


def main() -> None:
    plover, squawk, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    result: dict = {"plover": plover_rules(plover)}
    sources = squawk_linter_sources()
    versions = {version: parse_squawk_linter(lib) for version, lib in sources}
    squawk_version = run(squawk, "--version").stdout.strip()
    result["squawk"] = {"version": squawk_version, "linter_versions": {}}
    if versions:
        chosen_version, chosen = next(iter(versions.items()))
        result["squawk"]["source_version"] = chosen_version
        result["squawk"]["source"] = chosen["source"]
        result["squawk"]["rules"] = chosen["rules"]
        for version, parsed in versions.items():
            same = sorted((r["id"], r["default_on"]) for r in parsed["rules"]) == sorted(
                (r["id"], r["default_on"]) for r in chosen["rules"]
            )
            result["squawk"]["linter_versions"][version] = "same rules and defaults" if same else "DIFFERENT"
        probe = out.parent / "squawk-probe.sql"
        probe.write_text("SELECT 1;\n")
        candidates = {r["id"] for r in chosen["rules"]} | {r["id"] for r in result["plover"]["rules"]}
        known = sorted(name for name in candidates if squawk_knows(squawk, name, probe))
        probe.unlink()
        result["squawk"]["binary_knows"] = known
        result["squawk"]["binary_lacks"] = sorted({r["id"] for r in chosen["rules"]} - set(known))
        result["squawk"]["binary_extra"] = sorted(set(known) - {r["id"] for r in chosen["rules"]})
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
