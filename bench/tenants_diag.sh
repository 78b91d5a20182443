#!/usr/bin/env bash
# tenants_diag.sh: where `plover tenants drift` (and the no-op and status) spend their time on
# the 1,000-tenant fixture. Writes work/results/tenants/diag/, which tenants_report.py reads.
# tenants.sh runs it at its end, on its fixture; run alone, it builds Plover's fixture first
# (schemas, `plover tenants migrate --all`, the same 3 drifted tenants) and drops it after.
#
#   drift-scale.json     hyperfine: drift over the first 10, 100, 250, 500 and all tenants
#                        (--tenants ...), reference tenant 0000: does time grow with tenants?
#   drift-concurrency.json  hyperfine: all tenants with tenants.concurrency 1, 2, 4 and 8
#                        (the introspection runs on that many connections)
#   drift.strace.txt     strace -f -c of one drift: queries sent and answers read
#   drift.perf.*.txt     perf record -a of one drift: which processes (postgres, plover) and
#                        functions the machine's time goes to
#   real.json            hyperfine: the real migration on all tenants, Plover at concurrency 1,
#                        2, 4 and 8, against its floor: psql in 1, 2, 4 and 8 sessions, each
#                        tenant's ALTER TABLE, CREATE INDEX and a history row in one
#                        transaction sent as one query; before each run the migration is undone
#                        (hyperfine --prepare, untimed); and psql in 4 sessions sending a
#                        migrator's least protocol: per tenant the lock and the history read in
#                        one query, the transaction with its history row and the unlock in another
#   catalog-scans.json   tenants_catalog_scans.py: each statement of the real migration alone in
#                        psql (rolled back), its time and the catalogs it reads by heap scan
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TEN_RES=$RES/tenants
TEN_IN=$WORK/tenants-input
DIAG=$TEN_RES/diag
export LOAD_FILE=$TEN_RES/load.txt
unset DATABASE_URL PLOVER_DATABASE_URL
TENANTS=${BENCH_TENANTS:-1000}
PLOVER=$WORK/tenants-bin/plover
DB=$(db_name tenants_plover)
mkdir -p "$DIAG" "$LOGS"
[[ -x $PLOVER && -f $TEN_IN/plover-base.toml ]] || die "no tenants input in $WORK: run bench/run.sh tenants first"

if [[ -z ${BENCH_FROM_RUN:-} ]]; then
    trap 'psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
    log "tenants diagnosis: building Plover's fixture ($TENANTS schemas in $DB)"
    psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
    python3 -c 'import sys; [print(f"CREATE SCHEMA tenant_{i:04d};") for i in range(int(sys.argv[1]))]' "$TENANTS" |
        psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null
    "$PLOVER" --config "$TEN_IN/plover-base.toml" tenants migrate --all --json >/dev/null
    mapfile -t drifted <"$TEN_RES/drifted"
    psql -X -q -v ON_ERROR_STOP=1 -d "$DB" \
        -c "ALTER TABLE tenant_${drifted[0]}.comments ADD COLUMN edited_at timestamptz" \
        -c "DROP INDEX tenant_${drifted[1]}.invoices_customer_id_idx" \
        -c "ALTER TABLE tenant_${drifted[2]}.users ALTER COLUMN display_name DROP NOT NULL" >/dev/null
    psql -X -q -d "$DB" -c 'VACUUM ANALYZE pg_catalog.pg_class, pg_catalog.pg_attribute, pg_catalog.pg_index,
        pg_catalog.pg_constraint, pg_catalog.pg_namespace, pg_catalog.pg_type, pg_catalog.pg_depend,
        pg_catalog.pg_attrdef, pg_catalog.pg_description' >/dev/null 2>&1 || true
    psql_admin -c CHECKPOINT >/dev/null
fi

drift() { echo "$PLOVER --config ${2:-$TEN_IN/plover-base.toml} tenants drift --reference 0000 --json${1:+ --tenants $1}"; }
ids() { python3 -c 'import sys; print(",".join(f"{i:04d}" for i in range(int(sys.argv[1]))))' "$1"; }

log "tenants diagnosis: drift against the number of tenants"
args=()
for n in 10 100 250 500 "$TENANTS"; do
    ((n <= TENANTS)) || continue
    if ((n == TENANTS)); then args+=(--command-name "drift: all $n tenants" "$(drift)")
    else args+=(--command-name "drift: $n tenants" "$(drift "$(ids "$n")")"); fi
done
wait_for_quiet "tenants diagnosis: drift scaling"
hyperfine -N -i --style basic --warmup 1 --runs 3 --export-json "$DIAG/drift-scale.json" "${args[@]}" \
    >>"$LOGS/tenants.log" 2>&1 || warn "the drift scaling check failed; see ${LOGS#"$REPO_DIR"/}/tenants.log"

log "tenants diagnosis: drift against tenants.concurrency"
args=()
for c in 1 2 4 8; do
    sed "s/^concurrency = .*/concurrency = $c/" "$TEN_IN/plover-base.toml" >"$TEN_IN/plover-base-c$c.toml"
    args+=(--command-name "drift: concurrency $c" "$(drift "" "$TEN_IN/plover-base-c$c.toml")")
done
wait_for_quiet "tenants diagnosis: drift concurrency"
hyperfine -N -i --style basic --warmup 1 --runs 3 --export-json "$DIAG/drift-concurrency.json" "${args[@]}" \
    >>"$LOGS/tenants.log" 2>&1 || warn "the drift concurrency check failed; see ${LOGS#"$REPO_DIR"/}/tenants.log"

if command -v strace >/dev/null; then
    log "tenants diagnosis: strace -f -c of drift"
    # shellcheck disable=SC2046 # plain words
    strace -f -c -o "$DIAG/drift.strace.txt" $(drift) >/dev/null 2>&1 || true
fi
if command -v perf >/dev/null && perf record -a -o /dev/null -- true >/dev/null 2>&1; then
    log "tenants diagnosis: perf record -a of drift"
    wait_for_quiet "tenants diagnosis: perf record of drift"
    # shellcheck disable=SC2046
    perf record -a -q -o "$DIAG/drift.perf.data" -- $(drift) >/dev/null 2>>"$LOGS/tenants.log" || true
    for sort in comm comm,dso,sym; do
        perf report -i "$DIAG/drift.perf.data" --no-children --sort "$sort" --stdio 2>/dev/null |
            grep -E '^ +[0-9.]+%' | head -n 30 >"$DIAG/drift.perf.${sort//,/-}.txt" || true
    done
    perf report -i "$DIAG/drift.perf.data" --no-children --comms postgres --sort sym --stdio 2>/dev/null |
        grep -E '^ +[0-9.]+%' | head -n 30 >"$DIAG/drift.perf.postgres.txt" || true
    perf report -i "$DIAG/drift.perf.data" --no-children --comms plover --sort dso,sym --stdio 2>/dev/null |
        grep -E '^ +[0-9.]+%' | head -n 30 >"$DIAG/drift.perf.plover.txt" || true
    rm -f "$DIAG/drift.perf.data"
fi
log "tenants diagnosis: the real migration, Plover against psql, by concurrency"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c 'CREATE TABLE IF NOT EXISTS public.floor_history (tenant text PRIMARY KEY, version int NOT NULL)' >/dev/null
python3 - "$TENANTS" "$DIAG" <<'EOF2'
import sys
from pathlib import Path
n, out = int(sys.argv[1]), Path(sys.argv[2])
ids = [f"{i:04d}" for i in range(n)]
undo = []
for i in ids:
    undo += [f"DROP INDEX IF EXISTS tenant_{i}.tasks_priority_idx;",
             f"ALTER TABLE tenant_{i}.tasks DROP COLUMN IF EXISTS priority;",
             f"DELETE FROM tenant_{i}.plover_migrations WHERE version::text IN ('4', '0004');"]
undo.append("TRUNCATE public.floor_history;")
# As in tenants.sh: the dead catalog rows of the undo cleaned up before the next timed run.
undo.append("VACUUM ANALYZE pg_catalog.pg_class, pg_catalog.pg_attribute, pg_catalog.pg_index, "
            "pg_catalog.pg_constraint, pg_catalog.pg_type, pg_catalog.pg_depend, pg_catalog.pg_attrdef, "
            "pg_catalog.pg_statistic;")
undo.append("CHECKPOINT;")
(out / "undo-real.sql").write_text("\n".join(undo) + "\n")
# The floor, split into S sessions: per tenant one transaction, sent as one query (\;).
for sessions in (1, 2, 4, 8):
    for s in range(sessions):
        lines = []
        for i in ids[s::sessions]:
            steps = ["BEGIN", f"SET LOCAL search_path TO tenant_{i}", "SET LOCAL lock_timeout = '5s'",
                     "ALTER TABLE tasks ADD COLUMN priority integer NOT NULL DEFAULT 0",
                     "CREATE INDEX tasks_priority_idx ON tasks (priority)",
                     f"INSERT INTO public.floor_history (tenant, version) VALUES ('{i}', 4)"]
            lines.append("".join(f"{step} \\;\n" for step in steps) + "COMMIT;\n")
        (out / f"floor-real-{sessions}-{s}.sql").write_text("".join(lines))
# A migrator's least protocol, in 4 sessions: per tenant two queries, (1) the search_path, the
# tenant's advisory lock and its history rows, (2) the transaction with the history row, then
# the unlock. What any runner that locks per tenant and reads the history must send at least.
history = "plover_migrations"
columns = ("version, name, checksum, status, statements_done, statements_total, CAST(applied_at AS TEXT),"
           " execution_ms, applied_by, in_flight")
script = "SET LOCAL lock_timeout = ''5s''; ALTER TABLE tasks ADD COLUMN priority integer NOT NULL DEFAULT 0;"
for s in range(4):
    lines = []
    for n, i in enumerate(ids[s::4]):
        key = 7_000_000 + s * 100_000 + n
        lines.append(f"SELECT set_config('search_path', 'tenant_{i}', false) \\; SELECT pg_try_advisory_lock({key}) \\;"
                     f" SELECT {columns} FROM tenant_{i}.{history} ORDER BY version;\n")
        lines.append(f"BEGIN \\; SET LOCAL lock_timeout = '5s' \\;"
                     " ALTER TABLE tasks ADD COLUMN priority integer NOT NULL DEFAULT 0 \\;"
                     " CREATE INDEX tasks_priority_idx ON tasks (priority) \\;"
                     f" INSERT INTO tenant_{i}.{history} (version, name, checksum, script, status, statements_done,"
                     f" statements_total, applied_by) VALUES (4, 'task_priority', 'least', '{script}', 'applied', 3, 3,"
                     f" 'psql') \\; COMMIT \\; SELECT pg_advisory_unlock({key});\n")
    (out / f"least-real-4-{s}.sql").write_text("".join(lines))
EOF2
undo="psql -X -q -v ON_ERROR_STOP=1 -d $DB -f $DIAG/undo-real.sql"
args=()
for c in 1 2 4 8; do
    floor="bash -c '"
    for ((s = 0; s < c; s++)); do floor+="psql -X -q -v ON_ERROR_STOP=1 -d $DB -f $DIAG/floor-real-$c-$s.sql & "; done
    floor+='for job in $(jobs -p); do wait $job || exit 1; done'"'"
    args+=(--command-name "psql floor: $c session(s)" "$floor")
    args+=(--command-name "plover: concurrency $c" "$PLOVER --config $TEN_IN/plover-real.toml tenants migrate --all --concurrency $c --json")
done
least="bash -c '"
for ((s = 0; s < 4; s++)); do least+="psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d $DB -f $DIAG/least-real-4-$s.sql & "; done
least+='for job in $(jobs -p); do wait $job || exit 1; done'"'"
args+=(--command-name "psql least protocol: 4 session(s)" "$least")
wait_for_quiet "tenants diagnosis: real migration by concurrency"
hyperfine -N --style basic --runs 2 --prepare "$undo" --export-json "$DIAG/real.json" "${args[@]}" \
    >>"$LOGS/tenants.log" 2>&1 || warn "the real-migration diagnosis failed; see ${LOGS#"$REPO_DIR"/}/tenants.log"
# Leave the fleet as the real runs left it: migrated by Plover.
run_words() { (set -f && eval "$1"); }
run_words "$undo" >/dev/null 2>&1
log "tenants diagnosis: the real migration's statements alone, and the catalogs they read whole"
python3 "$BENCH_DIR/tenants_catalog_scans.py" "$DB" "$TENANTS" "$DIAG/catalog-scans.json" >>"$LOGS/tenants.log" 2>&1 ||
    warn "the catalog-scan check failed; see ${LOGS#"$REPO_DIR"/}/tenants.log"
"$PLOVER" --config "$TEN_IN/plover-real.toml" tenants migrate --all --json >/dev/null 2>&1 || true

log "tenants diagnosis done: ${DIAG#"$REPO_DIR"/}/"
