#!/usr/bin/env python3
"""Checks each tool's answers on the tenant fleet against what the fixture holds.

    tenants_check.py RESULTS_DIR   (bench/work/results/tenants; prints JSON, exit 1 if wrong)

Reads out/<key>.json (each timed command run once, its output kept), `tenants` (how many)
and `drifted` (the tenant ids whose schemas were changed by hand). Expected: migrate with
nothing to do applies nothing anywhere; status says every tenant is up to date; drift names
exactly the drifted tenants.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def load(path: Path):
    """One JSON document, or the objects of a JSON-lines stream (a list), or None."""
    try:
        text = path.read_text()
    except OSError:
        return None
    try:
        return json.loads(text)
    except ValueError:
        objects = []
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    objects.append(json.loads(line))
                except ValueError:
                    pass
        return objects or None


def drizzle(key: str, data, tenants: int, drifted: set[str]) -> dict:
    if data is None:
        return {"ok": False, "why": "no JSON output"}
    if key.startswith("drizzle-noop"):
        results = data.get("results", [])
        applied = sum(len(r.get("appliedMigrations") or []) for r in results)
        failed = sum(not r.get("success") for r in results)
        ok = len(results) == tenants and applied == 0 and failed == 0
        return {"ok": ok, "tenants": len(results), "applied": applied, "failed": failed}
    if key == "drizzle-status":
        rows = data.get("tenants", [])
        behind = [r["id"] for r in rows if r.get("status") != "ok"]
        return {"ok": len(rows) == tenants and not behind, "tenants": len(rows), "not_up_to_date": behind[:10],
                "not_up_to_date_count": len(behind)}
    if key.startswith("drizzle-drift"):
        rows = data.get("tenants", [])
        found = {r["id"] for r in rows if r.get("hasDrift")}
        errors = [r["id"] for r in rows if r.get("error")]
        return {"ok": len(rows) == tenants and found == drifted and not errors, "tenants": len(rows),
                "reported_drifted": len(found), "reported_sample": sorted(found)[:10],
                "missed": sorted(drifted - found), "false_positives": len(found - drifted), "errors": len(errors)}
    return {"ok": False, "why": f"unknown command {key}"}


def walk(data):
    """Every dict inside data, depth first."""
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from walk(value)
    elif isinstance(data, list):
        for value in data:
            yield from walk(value)


def tenant_of(obj: dict) -> str | None:
    for field in ("tenant", "id", "tenant_id", "tenantId"):
        value = obj.get(field)
        if isinstance(value, str) and value.isdigit():
            return value
    schema = obj.get("schema")
    if isinstance(schema, str) and schema.startswith("tenant_"):
        return schema.removeprefix("tenant_")
    return None


def plover(key: str, data, tenants: int, drifted: set[str]) -> dict:
    """Plover's JSON, read loosely: per-tenant objects are found wherever they sit."""
    if data is None:
        return {"ok": False, "why": "no JSON output"}
    per_tenant: dict[str, dict] = {}
    for obj in walk(data):
        tenant = tenant_of(obj)
        if tenant is not None:
            per_tenant.setdefault(tenant, {}).update(obj)
    out = {"tenants_seen": len(per_tenant)}
    if key == "plover-noop":
        applied = 0
        for obj in per_tenant.values():
            value = obj.get("applied")
            applied += len(value) if isinstance(value, list) else (value if isinstance(value, int) else 0)
        failed = [t for t, obj in per_tenant.items()
                  if obj.get("outcome", "succeeded") != "succeeded" or obj.get("status") in ("failed", "error")
                  or obj.get("error")]
        out.update(applied=applied, failed=len(failed), ok=len(per_tenant) == tenants and applied == 0 and not failed)
    elif key == "plover-status":
        pending = [t for t, obj in per_tenant.items()
                   if obj.get("pending") not in (0, [], None) or obj.get("state", "ok") != "ok"]
        out.update(not_up_to_date_count=len(pending), ok=len(per_tenant) == tenants and not pending)
    elif key.startswith("plover-drift"):
        def has_drift(obj: dict) -> bool:
            for field in ("drift", "drifted", "has_drift", "hasDrift"):
                if isinstance(obj.get(field), bool):
                    return obj[field]
            for field in ("differences", "changes"):
                value = obj.get(field)
                if isinstance(value, int):
                    return value > 0
                if isinstance(value, list):
                    return len(value) > 0
            return False
        found = {t for t, obj in per_tenant.items() if has_drift(obj)}
        total = data.get("total") if isinstance(data, dict) else None
        out.update(total=total, reported_drifted=len(found), reported_sample=sorted(found)[:10],
                   missed=sorted(drifted - found), false_positives=len(found - drifted),
                   ok=found == drifted and total == tenants)
    else:
        out.update(ok=False, why=f"unknown command {key}")
    return out


def main() -> None:
    res = Path(sys.argv[1])
    tenants = int((res / "tenants").read_text())
    drifted = set((res / "drifted").read_text().split())
    report = {}
    for path in sorted((res / "out").glob("*.json")):
        key = path.stem
        if key.startswith("initial-") or key.startswith("real-"):
            continue
        rc = (res / "out" / f"{key}.rc").read_text().strip() if (res / "out" / f"{key}.rc").exists() else "?"
        if rc == "124":
            report[key] = {"ok": False, "timed_out": True, "exit_code": rc,
                           "why": f"still running after {(res / 'limit').read_text().strip()} s; stopped"}
            continue
        check = (drizzle if key.startswith("drizzle") else plover)(key, load(path), tenants, drifted)
        check["exit_code"] = rc
        report[key] = check
    report["drifted"] = sorted(drifted)
    print(json.dumps(report, indent=2))
    sys.exit(0 if all(v.get("ok") for k, v in report.items() if isinstance(v, dict)) else 1)


if __name__ == "__main__":
    main()
