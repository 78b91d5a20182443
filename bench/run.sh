#!/usr/bin/env bash
# bench/run.sh: the whole benchmark in one command; writes bench/RESULTS.md.
#
#   bench/run.sh             every part: versioned migrations, lint, schema, tenants
#   bench/run.sh versioned   only the versioned-migrations part
#   bench/run.sh lint        only the lint part (bench/lint.sh: plover lint against squawk)
#   bench/run.sh schema      only the schema part (bench/schema.sh: plover schema build and
#                            diff against psql and confiture build)
#   bench/run.sh tenants     only the tenants part (bench/tenants.sh: plover tenants against
#                            drizzle-multitenant on 1,000 tenant schemas)
#
# Each part replaces only its own raw results under bench/work/results/ (the lint part's are
# in results/lint/, the schema part's in results/schema/, ...), and RESULTS.md is always composed
# from every part's latest results.
#
# The versioned-migrations part:
#   1. installs the peers (sqlx-cli, dbmate, fraiseql-confiture) into bench/work/
#   2. builds Plover (cargo build --release -p plover-cli)
#   3. generates $BENCH_COUNT (1000) migrations in every tool's layout
#   4. smoke-checks every tool once on a fresh database (all tables and history rows there)
#   5. times every tool applying them all on a fresh database, $BENCH_APPLY_ROUNDS rounds,
#      the tools interleaved and their order rotated each round, each run started only
#      once the rest of the (shared) machine is quiet
#   6. times the no-ops (up and status with everything applied)
#   7. diagnose.sh: where Plover's time goes
# and drops its scratch databases (bench_*) when it ends, however it ends.
# The other parts: bench/lint.sh, bench/schema.sh, bench/tenants.sh. Last, report.py writes
# bench/RESULTS.md.
# See bench/README.md for the settings.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case ${1:-all} in
-h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
all) PARTS=(versioned lint schema tenants) ;;
versioned | lint | schema | tenants) PARTS=("$1") ;;
*) die "unknown part '$1': bench/run.sh [versioned|lint|schema|tenants]" ;;
esac

if [[ " ${PARTS[*]} " != *" versioned "* ]]; then
    # One part with a script of its own (lint.sh, schema.sh, tenants.sh); each cleans up after itself.
    BENCH_FROM_RUN=1 "$BENCH_DIR/${PARTS[0]}.sh"
    log "writing bench/RESULTS.md"
    python3 "$BENCH_DIR/report.py"
    log "done: bench/RESULTS.md"
    exit 0
fi

cleanup() {
    local status=$?
    log "dropping the scratch databases"
    drop_all_dbs
    [[ $status -eq 0 ]] || warn "the benchmark failed (exit $status); logs are in ${LOGS#"$REPO_DIR"/}/"
}
trap cleanup EXIT

# Records the load and the busiest processes: this machine is shared (2 cores), and what
# else ran during a phase explains outliers.
note_load() {
    {
        echo "## $1 at $(date -u +%FT%TZ): load average $(cut -d' ' -f1-3 /proc/loadavg)"
        ps -eo pcpu,etime,args --sort=-pcpu | head -n 6 | cut -c1-160
    } >>"$RES/load.txt"
}

# ---------------------------------------------------------------------------- prerequisites
log "checking prerequisites"
[[ $REPO_DIR != *[[:space:]]* ]] || die "the repository path has spaces; hyperfine -N cannot take it: $REPO_DIR"
for tool in psql python3 cargo npm node; do
    command -v "$tool" >/dev/null || die "$tool is needed and not on PATH"
done
need_hyperfine
psql_admin -c 'SELECT 1' >/dev/null ||
    die "PostgreSQL is not reachable as $PGUSER@$PGHOST:$PGPORT (database postgres)"

# Only this part's results: the lint part's (results/lint/) stay for RESULTS.md.
rm -rf "$RES/apply" "$RES/noop" "$RES/diag" "$RES/commands.tsv" "$RES/count" "$RES/started" \
    "$RES/finished" "$RES/load.txt" "$RES/plover-build.txt" "$LOGS"
mkdir -p "$RES/apply" "$RES/noop" "$LOGS"
date -u +%FT%TZ >"$RES/started"
echo "$COUNT" >"$RES/count"
note_load "start"

# ---------------------------------------------------------------------------- peers, plover
"$BENCH_DIR/install_peers.sh" sqlx dbmate confiture

build_plover "$RES/plover-build.txt"

# ---------------------------------------------------------------------------- migrations
log "generating $COUNT migrations"
python3 "$BENCH_DIR/gen_migrations.py" "$MIG" --count "$COUNT"

# ---------------------------------------------------------------------------- smoke check
# Applies everything once per tool and checks the tables and history rows are all there. A
# peer failing here is left out (and reported); the floor or Plover failing stops the run.
check_applied() {
    local tool=$1 tables rows
    tables=$(psql_value "$tool" "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'bench\_t%'")
    rows=$(psql_value "$tool" "SELECT count(*) FROM $(history_table "$tool")")
    [[ $tables -eq $COUNT && $rows -eq $COUNT ]] ||
        { echo "expected $COUNT tables and $COUNT history rows, found $tables tables and $rows rows"; return 1; }
}

for tool in "${ALL_TOOLS[@]}"; do
    tool_ok "$tool" || continue
    log "smoke check: $tool"
    "$BENCH_DIR/reset_db.sh" "$tool"
    smoke_log=$LOGS/smoke-$tool.log
    if ! (cd "$WORK" && eval "$(apply_cmd "$tool")") >"$smoke_log" 2>&1 ||
        ! check_applied "$tool" >>"$smoke_log" 2>&1; then
        problem="failed on a fresh database: \`$(apply_cmd "$tool")\`:
$(tail -n 25 "$smoke_log")"
        case $tool in
        floor | floor1 | plover) die "$tool $problem" ;;
        *) mark_failed "$tool" "$problem" ;;
        esac
    fi
done

TOOLS=()
for tool in "${ALL_TOOLS[@]}"; do tool_ok "$tool" && TOOLS+=("$tool"); done

# The exact commands, for RESULTS.md (hyperfine's JSON keeps only their names).
{
    printf 'prepare\t(before every apply run)\t%s\n' "$BENCH_DIR/reset_db.sh TOOL"
    for tool in "${TOOLS[@]}"; do printf 'apply\t%s\t%s\n' "$tool" "$(apply_cmd "$tool")"; done
    while IFS='|' read -r label tool command; do
        tool_ok "$tool" && printf 'noop\t%s\t%s\n' "$label" "$command"
    done < <(noop_cmds)
} >"$RES/commands.tsv"

# rotate N ITEMS...: prints ITEMS starting at index N mod their count, one per line.
rotate() {
    local n=$1
    shift
    local items=("$@") i
    for ((i = 0; i < ${#items[@]}; i++)); do
        echo "${items[(i + n) % ${#items[@]}]}"
    done
}

# ---------------------------------------------------------------------------- apply
# Each round times every tool once, interleaved, the order rotated round to round, so that
# a burst of other work on this shared machine cannot land on one tool's runs only. Before
# each timed run: a fresh database (reset_db.sh, untimed), then wait_for_quiet.
for ((round = 1; round <= APPLY_ROUNDS; round++)); do
    mapfile -t order < <(rotate $((round - 1)) "${TOOLS[@]}")
    log "apply round $round of $APPLY_ROUNDS: ${order[*]}"
    for tool in "${order[@]}"; do
        "$BENCH_DIR/reset_db.sh" "$tool"
        wait_for_quiet "apply round $round: $tool"
        (cd "$WORK" && hyperfine -N --style basic --runs 1 \
            --export-json "$RES/apply/round-$round-$tool.json" --command-name "$tool" "$(apply_cmd "$tool")") \
            >>"$LOGS/apply.log" 2>&1 || die "$tool failed in apply round $round; see ${LOGS#"$REPO_DIR"/}/apply.log"
    done
done
for tool in "${TOOLS[@]}"; do
    check_applied "$tool" >/dev/null || die "$tool's database is not fully applied after the timed runs"
done

# ---------------------------------------------------------------------------- no-op
# With every migration applied (the last apply round left them so): up and status. Each
# round runs every command $NOOP_RUNS times (after one warm-up), interleaved and rotated
# like the apply rounds.
mapfile -t NOOPS < <(noop_cmds)
for ((round = 1; round <= NOOP_ROUNDS; round++)); do
    log "no-op round $round of $NOOP_ROUNDS ($NOOP_RUNS runs of each command)"
    mapfile -t order < <(rotate $((round - 1)) $(seq 0 $((${#NOOPS[@]} - 1))))
    for index in "${order[@]}"; do
        IFS='|' read -r label tool command <<<"${NOOPS[index]}"
        tool_ok "$tool" || continue
        wait_for_quiet "no-op round $round: $label"
        (cd "$WORK" && hyperfine -N --style basic --warmup 1 --runs "$NOOP_RUNS" \
            --export-json "$RES/noop/round-$round-$index.json" --command-name "$label" "$command") \
            >>"$LOGS/noop.log" 2>&1 || die "\`$label\` failed; see ${LOGS#"$REPO_DIR"/}/noop.log"
    done
done
note_load "end of measurements"

# ---------------------------------------------------------------------------- diagnosis
BENCH_FROM_RUN=1 "$BENCH_DIR/diagnose.sh"
date -u +%FT%TZ >"$RES/finished"

# ---------------------------------------------------------------------------- other parts, report
for part in lint schema tenants; do
    if [[ " ${PARTS[*]} " == *" $part "* ]]; then
        BENCH_FROM_RUN=1 "$BENCH_DIR/$part.sh"
    fi
done
log "writing bench/RESULTS.md"
python3 "$BENCH_DIR/report.py"
log "done: bench/RESULTS.md"
