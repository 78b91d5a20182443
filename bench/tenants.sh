#!/usr/bin/env bash
# tenants.sh: `plover tenants` against drizzle-multitenant on a fleet of $BENCH_TENANTS (1000)
# tenant schemas of 20 tables each. Writes work/results/tenants/, which report.py turns into
# RESULTS.md's tenant-fleet section. bench/run.sh runs it (`bench/run.sh tenants` runs this
# part alone); run by hand, it ends by rewriting RESULTS.md itself.
#
#   1. installs drizzle-multitenant (npm install drizzle-multitenant drizzle-orm pg, into
#      work/node), builds Plover and times a copy (work/tenants-bin/plover); if that build has
#      no `plover tenants` command yet, only the drizzle-multitenant side is measured
#   2. gen_tenants.py: three tenant migrations (20 tables, 40 indexes, a few hundred rows per
#      tenant) and the real migration (a column with a default, an index)
#   3. the fixture, once per tool, each in its own database (bench_tenants_plover,
#      bench_tenants_drizzle): $BENCH_TENANTS empty schemas tenant_0000.. created by psql,
#      then the tool's own `migrate --all` from scratch (untimed, its wall time noted); then
#      the same drift put into 3 tenants of both databases by psql
#   4. checks each tool's status (all up to date) and drift (exactly the 3 tenants) answers
#   5. times, in $BENCH_TENANT_ROUNDS rounds (order rotated, each batch once the machine is
#      quiet, `hyperfine -N --warmup 1 --runs $BENCH_TENANT_RUNS`): the no-op migrate --all,
#      status and drift of each tool (a command that took over 10 s in step 4 runs once a
#      round without a warm-up, one that took over 2 minutes only in the first round)
#   6. times the real migration on all tenants at concurrency $BENCH_TENANT_CONCURRENCY,
#      $BENCH_TENANT_REAL_ROUNDS rounds; before each run the migration is undone by psql
#      (untimed: index and column dropped, history row deleted), then VACUUM ANALYZE of the catalogs and CHECKPOINT
#   7. where the time goes: connections and system calls (strace -f -c) of each tool's no-op;
#      then tenants_diag.sh: Plover's drift against the number of tenants and the concurrency,
#      strace and perf of one drift, and the real migration against psql doing the same work
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TEN_RES=$RES/tenants
TEN_IN=$WORK/tenants-input
DZ_DIR=$WORK/node/tenants                    # drizzle's config files (they import pg from work/node)
export LOAD_FILE=$TEN_RES/load.txt
unset DATABASE_URL PLOVER_DATABASE_URL

TENANTS=${BENCH_TENANTS:-1000}
CONCURRENCY=${BENCH_TENANT_CONCURRENCY:-4}
TEN_ROUNDS=${BENCH_TENANT_ROUNDS:-3}
TEN_RUNS=${BENCH_TENANT_RUNS:-2}
REAL_ROUNDS=${BENCH_TENANT_REAL_ROUNDS:-5}
TEN_LIMIT=${BENCH_TENANT_LIMIT:-600}       # seconds a command may take when its answer is checked
REFERENCE=0000

TEN_DBS=(tenants_plover tenants_drizzle)
# The catalogs both tools read and change, vacuumed and analyzed between phases.
CATALOG_VACUUM='VACUUM ANALYZE pg_catalog.pg_class, pg_catalog.pg_attribute, pg_catalog.pg_index,
    pg_catalog.pg_constraint, pg_catalog.pg_namespace, pg_catalog.pg_type, pg_catalog.pg_depend,
    pg_catalog.pg_attrdef, pg_catalog.pg_description, pg_catalog.pg_statistic'
cleanup() {
    local status=$? db
    if [[ -z ${BENCH_KEEP_TENANT_DBS:-} ]]; then
        for db in "${TEN_DBS[@]}"; do
            psql_admin -c "DROP DATABASE IF EXISTS $(db_name "$db") WITH (FORCE)" >/dev/null 2>&1 || true
        done
    fi
    [[ $status -eq 0 ]] || warn "the tenants benchmark failed (exit $status); logs are in ${LOGS#"$REPO_DIR"/}/"
}
trap cleanup EXIT

for tool in psql python3 cargo node npm; do
    command -v "$tool" >/dev/null || die "$tool is needed and not on PATH"
done
[[ $REPO_DIR != *[[:space:]]* ]] || die "the repository path has spaces; hyperfine -N cannot take it: $REPO_DIR"
need_hyperfine
psql_admin -c 'SELECT 1' >/dev/null || die "PostgreSQL is not reachable as $PGUSER@$PGHOST:$PGPORT (database postgres)"

rm -rf "$TEN_RES"
mkdir -p "$TEN_RES/time" "$TEN_RES/real" "$TEN_RES/out" "$TEN_RES/diag" "$LOGS"
: >"$LOGS/tenants.log"
date -u +%FT%TZ >"$TEN_RES/started"
echo "$TENANTS" >"$TEN_RES/tenants"
echo "$CONCURRENCY" >"$TEN_RES/concurrency"
echo "$TEN_LIMIT" >"$TEN_RES/limit"

# ---------------------------------------------------------------------------- peers, plover
"$BENCH_DIR/install_peers.sh" drizzle
tool_ok drizzle || die "drizzle-multitenant could not be installed: $(cat "$RES/failed/drizzle")"
node -e 'console.log(require(process.argv[1]).version)' "$WORK/node/node_modules/drizzle-multitenant/package.json" \
    >"$TEN_RES/drizzle-version"
build_plover "$TEN_RES/plover-build.txt"
mkdir -p "$WORK/tenants-bin"
cp "$PLOVER" "$WORK/tenants-bin/plover"
PLOVER=$WORK/tenants-bin/plover
echo "timed binary: bench/work/tenants-bin/plover, a copy of target/release/plover, sha256 $(sha256sum "$PLOVER" | cut -c1-16)" \
    >>"$TEN_RES/plover-build.txt"
TOOLS=(drizzle)
if "$PLOVER" tenants --help >/dev/null 2>&1; then
    TOOLS=(plover drizzle)
else
    warn "this build of Plover has no \`plover tenants\` command yet: measuring drizzle-multitenant only"
    echo "$(git -C "$REPO_DIR" rev-parse HEAD)" >"$TEN_RES/plover-pending"
fi

# ---------------------------------------------------------------------------- input
log "generating the tenant migrations"
python3 "$BENCH_DIR/gen_tenants.py" "$TEN_IN" >>"$LOGS/tenants.log"
cp "$TEN_IN/stats.json" "$TEN_RES/stats.json"
mkdir -p "$DZ_DIR"
for stage in base real; do
    cat >"$TEN_IN/plover-$stage.toml" <<EOF
# generated by bench/tenants.sh
[database]
url = "$(db_url tenants_plover)"

[tenants]
dir = "$stage"
schema_template = "tenant_{id}"
concurrency = $CONCURRENCY
EOF
    # drizzle-multitenant's CLI reads a JS config; tenants are discovered the same way as
    # Plover's: every schema named tenant_<id>, asked of the database on each run.
    cat >"$DZ_DIR/tenant.config.$stage.mjs" <<EOF
// generated by bench/tenants.sh
import pg from 'pg';
const url = '$(db_url tenants_drizzle)';
export default {
  connection: { url },
  isolation: { strategy: 'schema', schemaNameTemplate: (id) => \`tenant_\${id}\` },
  schemas: { tenant: {} },
  migrations: {
    tenantFolder: '$TEN_IN/$stage',
    tenantDiscovery: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query(
          "SELECT substr(nspname, 8) AS id FROM pg_namespace WHERE nspname LIKE 'tenant\\\\_%' ORDER BY 1");
        return rows.map((row) => row.id);
      } finally {
        await client.end();
      }
    },
  },
};
EOF
done

# The commands, per tool and stage. Plain words: hyperfine -N runs them without a shell.
migrate_cmd() { # migrate_cmd TOOL STAGE [CONCURRENCY]
    case $1 in
    plover) echo "$PLOVER --config $TEN_IN/plover-$2.toml tenants migrate --all --concurrency ${3:-$CONCURRENCY} --json" ;;
    drizzle) echo "node $DRIZZLE --json migrate --all --concurrency ${3:-$CONCURRENCY} -c $DZ_DIR/tenant.config.$2.mjs" ;;
    esac
}
# The timed batches: "key|tool|label|command".
timed_cmds() {
    if [[ " ${TOOLS[*]} " == *" plover "* ]]; then
        echo "plover-noop|plover|plover tenants migrate --all (nothing to do)|$(migrate_cmd plover base)"
        echo "plover-status|plover|plover tenants status|$PLOVER --config $TEN_IN/plover-base.toml tenants status --json"
        echo "plover-drift|plover|plover tenants drift|$PLOVER --config $TEN_IN/plover-base.toml tenants drift --reference $REFERENCE --json"
        echo "plover-drift-replay|plover|plover tenants drift, reference replayed|$PLOVER --config $TEN_IN/plover-base.toml tenants drift --json"
    fi
    echo "drizzle-noop|drizzle|drizzle-multitenant migrate --all --concurrency $CONCURRENCY (nothing to do)|$(migrate_cmd drizzle base)"
    echo "drizzle-noop-default|drizzle|drizzle-multitenant migrate --all, its default concurrency 10 (nothing to do)|node $DRIZZLE --json migrate --all -c $DZ_DIR/tenant.config.base.mjs"
    echo "drizzle-status|drizzle|drizzle-multitenant status|node $DRIZZLE --json status -c $DZ_DIR/tenant.config.base.mjs"
    echo "drizzle-drift|drizzle|drizzle-multitenant diff --concurrency $CONCURRENCY|node $DRIZZLE --json diff --reference $REFERENCE --concurrency $CONCURRENCY -c $DZ_DIR/tenant.config.base.mjs"
    echo "drizzle-drift-nc|drizzle|drizzle-multitenant diff --concurrency $CONCURRENCY --no-constraints|node $DRIZZLE --json diff --reference $REFERENCE --concurrency $CONCURRENCY --no-constraints -c $DZ_DIR/tenant.config.base.mjs"
    echo "drizzle-drift-nc-default|drizzle|drizzle-multitenant diff --no-constraints, its default concurrency 10|node $DRIZZLE --json diff --reference $REFERENCE --no-constraints -c $DZ_DIR/tenant.config.base.mjs"
}
run_words() { (set -f && eval "$1"); }
history_count() { # history_count TOOL: history rows over all tenant schemas
    local table
    table=$([[ $1 == plover ]] && echo plover_migrations || echo __drizzle_migrations)
    psql_value "tenants_$1" "SELECT coalesce(sum((xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.$table', nspname), false, true, '')))[1]::text::int), 0)
        FROM pg_namespace WHERE nspname LIKE 'tenant\_%' AND to_regclass(quote_ident(nspname) || '.$table') IS NOT NULL"
}
count_tables() { # count_tables TOOL: tables in tenant schemas, the history tables left out
    psql_value "tenants_$1" "SELECT count(*) FROM pg_tables WHERE schemaname LIKE 'tenant\_%'
        AND tablename NOT IN ('plover_migrations', 'plover_lock', '__drizzle_migrations')"
}
tenant_ids() { python3 -c 'import sys; n = int(sys.argv[1]); print(" ".join(f"{i:04d}" for i in range(n)))' "$TENANTS"; }
# The 3 tenants whose schemas are changed by hand (and only those must be reported).
DRIFTED=($(python3 -c 'import sys; n = int(sys.argv[1]); print(" ".join(sorted({f"{i:04d}" for i in (7 % n, n // 2, n - 1)} - {"0000"})))' "$TENANTS"))

# ---------------------------------------------------------------------------- fixture
stats_tables=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tables"])' "$TEN_IN/stats.json")
for tool in "${TOOLS[@]}"; do
    db=$(db_name "tenants_$tool")
    log "fixture for $tool: $TENANTS schemas in $db, then its own migrate --all from scratch"
    psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
    for id in $(tenant_ids); do echo "CREATE SCHEMA tenant_$id;"; done | psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null
    psql_admin -c 'CHECKPOINT' >/dev/null
    started=$(date +%s%N)
    run_words "$(migrate_cmd "$tool" base)" >"$TEN_RES/out/initial-$tool.json" 2>"$LOGS/tenants-initial-$tool.log" ||
        die "$tool's initial migrate --all failed: $(tail -c 800 "$LOGS/tenants-initial-$tool.log")"
    echo $((($(date +%s%N) - started) / 1000000)) >"$TEN_RES/out/initial-$tool.wall_ms"
    tables=$(count_tables "$tool")
    rows=$(history_count "$tool")
    [[ $tables -eq $((TENANTS * stats_tables)) && $rows -eq $((TENANTS * 3)) ]] ||
        die "$tool's fixture is incomplete: $tables tables (want $((TENANTS * stats_tables))), $rows history rows (want $((TENANTS * 3)))"
    # The same drift in both databases: a column added, an index dropped, a NOT NULL dropped.
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
        -c "ALTER TABLE tenant_${DRIFTED[0]}.comments ADD COLUMN edited_at timestamptz" \
        -c "DROP INDEX tenant_${DRIFTED[1]}.invoices_customer_id_idx" \
        -c "ALTER TABLE tenant_${DRIFTED[2]}.users ALTER COLUMN display_name DROP NOT NULL" >/dev/null
    # Fresh statistics on the catalogs both tools query (so that autovacuum is not left to do
    # it in the middle of the timing), then a checkpoint.
    psql -X -q -d "$db" -c "$CATALOG_VACUUM" >/dev/null 2>&1 || true
    psql_admin -c 'CHECKPOINT' >/dev/null
done
printf '%s\n' "${DRIFTED[@]}" >"$TEN_RES/drifted"

# ---------------------------------------------------------------------------- answers
log "checking each tool's status and drift answers"
mapfile -t CMDS < <(timed_cmds)
for entry in "${CMDS[@]}"; do
    IFS='|' read -r key tool label command <<<"$entry"
    rc=0
    started=$(date +%s%N)
    run_words "timeout $TEN_LIMIT $command" >"$TEN_RES/out/$key.json" 2>"$TEN_RES/out/$key.err" || rc=$?
    echo $((($(date +%s%N) - started) / 1000000)) >"$TEN_RES/out/$key.wall_ms"
    echo "$rc" >"$TEN_RES/out/$key.rc"
done
python3 "$BENCH_DIR/tenants_check.py" "$TEN_RES" >"$TEN_RES/check.json" ||
    warn "a tool's answers are not what the fixture holds; see results/tenants/check.json"

{
    printf 'prepare\tfixture (per tool, untimed)\t%s\n' "CREATE DATABASE; CREATE SCHEMA tenant_0000 .. tenant_$(printf '%04d' $((TENANTS - 1))); then the tool's migrate --all (base)"
    for tool in "${TOOLS[@]}"; do printf 'prepare\tfixture: %s\t%s\n' "$tool" "$(migrate_cmd "$tool" base)"; done
    for entry in "${CMDS[@]}"; do
        IFS='|' read -r key tool label command <<<"$entry"
        printf 'time\t%s\t%s\n' "$label" "$command"
    done
    printf 'prepare\tbefore each real migration (untimed)\t%s\n' "per tenant: DROP INDEX IF EXISTS tasks_priority_idx; ALTER TABLE tasks DROP COLUMN IF EXISTS priority; DELETE the 0004 history row; then VACUUM ANALYZE of the catalogs, then CHECKPOINT"
    for tool in "${TOOLS[@]}"; do printf 'real\t%s\t%s\n' "$tool" "$(migrate_cmd "$tool" real)"; done
    printf 'config\tplover-base.toml\t%s\n' "$(grep -v '^#' "$TEN_IN/plover-base.toml" | tr '\n' ' ')"
} >"$TEN_RES/commands.tsv"
cp "$DZ_DIR/tenant.config.base.mjs" "$TEN_RES/tenant.config.base.mjs"

rotate() { # rotate N ITEMS...: ITEMS starting at index N mod their count
    local n=$1
    shift
    local items=("$@") i
    for ((i = 0; i < ${#items[@]}; i++)); do echo "${items[(i + n) % ${#items[@]}]}"; done
}

# ---------------------------------------------------------------------------- no-op, status, drift
for ((round = 1; round <= TEN_ROUNDS; round++)); do
    mapfile -t order < <(rotate $((round - 1)) $(seq 0 $((${#CMDS[@]} - 1))))
    log "tenants round $round of $TEN_ROUNDS ($TEN_RUNS runs of each command)"
    for index in "${order[@]}"; do
        IFS='|' read -r key tool label command <<<"${CMDS[index]}"
        # A command that took over 10 s in the answers pass runs once a round, without a
        # warm-up; one that took over 2 minutes only in the first round.
        took=$(cat "$TEN_RES/out/$key.wall_ms")
        # One that did not finish within the time limit is reported as such, not timed.
        [[ $(cat "$TEN_RES/out/$key.rc") == 124 ]] && continue
        warmup=1 runs=$TEN_RUNS
        ((took > 10000)) && warmup=0 runs=1
        ((took > 120000 && round > 1)) && continue
        wait_for_quiet "tenants round $round: $key"
        hyperfine -N -i --style basic --warmup "$warmup" --runs "$runs" --export-json "$TEN_RES/time/round-$round-$key.json" \
            --command-name "$key" "$command" >>"$LOGS/tenants.log" 2>&1 ||
            die "timing $key failed; see ${LOGS#"$REPO_DIR"/}/tenants.log"
    done
done

# ---------------------------------------------------------------------------- the real migration
undo_real() { # undo_real TOOL: the real migration taken back in every tenant (untimed)
    local db table where
    db=$(db_name "tenants_$1")
    if [[ $1 == plover ]]; then
        table=plover_migrations where="version::text IN ('4', '0004')"
    else
        table=__drizzle_migrations where="name = '0004_task_priority'"
    fi
    for id in $(tenant_ids); do
        echo "DROP INDEX IF EXISTS tenant_$id.tasks_priority_idx;"
        echo "ALTER TABLE tenant_$id.tasks DROP COLUMN IF EXISTS priority;"
        echo "DELETE FROM tenant_$id.$table WHERE $where;"
    done | psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null 2>>"$LOGS/tenants.log"
    # The undo leaves thousands of dead catalog rows; vacuumed now, so that autovacuum does not
    # clean them up in the middle of the next timed run (seen: one run in three 40% slower).
    psql -X -q -d "$db" -c "$CATALOG_VACUUM" >/dev/null 2>&1 || true
    psql_admin -c 'CHECKPOINT' >/dev/null
}
check_real() { # check_real TOOL: every tenant has the column and the index, and 4 history rows
    local cols idx rows
    cols=$(psql_value "tenants_$1" "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname LIKE 'tenant\_%' AND c.relname = 'tasks' AND a.attname = 'priority' AND NOT a.attisdropped")
    idx=$(psql_value "tenants_$1" "SELECT count(*) FROM pg_indexes WHERE schemaname LIKE 'tenant\_%' AND indexname = 'tasks_priority_idx'")
    rows=$(history_count "$1")
    [[ $cols -eq $TENANTS && $idx -eq $TENANTS && $rows -eq $((TENANTS * 4)) ]] ||
        { echo "$1: $cols columns, $idx indexes, $rows history rows; want $TENANTS, $TENANTS, $((TENANTS * 4))"; return 1; }
}
for ((round = 1; round <= REAL_ROUNDS; round++)); do
    mapfile -t order < <(rotate $((round - 1)) "${TOOLS[@]}")
    log "real migration round $round of $REAL_ROUNDS: ${order[*]}"
    for tool in "${order[@]}"; do
        undo_real "$tool"
        wait_for_quiet "real migration round $round: $tool"
        hyperfine -N --style basic --runs 1 --export-json "$TEN_RES/real/round-$round-$tool.json" \
            --command-name "$tool" "$(migrate_cmd "$tool" real)" >>"$LOGS/tenants.log" 2>&1 ||
            die "$tool's real migration failed in round $round; see ${LOGS#"$REPO_DIR"/}/tenants.log"
        check_real "$tool" >>"$TEN_RES/real/check.txt" 2>&1 || die "$tool's real migration left the fleet incomplete: $(tail -n 1 "$TEN_RES/real/check.txt")"
    done
done
# The last round's output of each tool, for its per-tenant timings.
for tool in "${TOOLS[@]}"; do
    undo_real "$tool"
    wait_for_quiet "real migration, kept output: $tool"
    run_words "$(migrate_cmd "$tool" real)" >"$TEN_RES/out/real-$tool.json" 2>>"$LOGS/tenants.log" || true
done

# ---------------------------------------------------------------------------- diagnosis
if command -v strace >/dev/null; then
    log "tenants diagnosis: strace -f -c of each tool's no-op and status"
    for entry in "${CMDS[@]}"; do
        IFS='|' read -r key tool label command <<<"$entry"
        case $key in *-noop | *-status) ;; *) continue ;; esac
        # The real stage's config: everything is applied there now, so migrate has nothing to do.
        command=${command//base/real}
        run_words "strace -f -c -o $TEN_RES/diag/$key.strace.txt $command" >/dev/null 2>&1 || true
    done
fi

# Where Plover's drift and real-migration time goes, on its fixture (see tenants_diag.sh).
if [[ " ${TOOLS[*]} " == *" plover "* ]]; then
    BENCH_FROM_RUN=1 "$BENCH_DIR/tenants_diag.sh" || warn "the tenants diagnosis failed; see ${LOGS#"$REPO_DIR"/}/tenants.log"
fi

date -u +%FT%TZ >"$TEN_RES/finished"
log "tenants benchmark done: ${TEN_RES#"$REPO_DIR"/}/"
if [[ -z ${BENCH_FROM_RUN:-} ]]; then
    log "writing bench/RESULTS.md"
    python3 "$BENCH_DIR/report.py"
fi
