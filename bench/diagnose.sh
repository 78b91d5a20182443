#!/usr/bin/env bash
# diagnose.sh: where Plover's time goes. Run by run.sh after the measurements (it needs the
# generated migrations and bench_plover with everything applied); writes work/results/diag/,
# which report.py summarises in RESULTS.md.
#
#   up.jsonl, up.wall_ms     `plover --json up` on a fresh database: per-migration elapsed_ms
#                            (statements + history row, as Plover times them) against the
#                            process's wall time
#   up.server.txt            the same run's server-side time (history table's execution_ms)
#   up.strace.txt            `strace -f -c` of plover up on a fresh database: system calls,
#                            i.e. round trips; floor1.strace.txt the same for the pipelined floor
#   up.perf.*.txt            `perf record -a` of plover up: CPU time by process and function
#   noop-status.strace.txt   `strace -f -c` of `plover status` with everything applied
#   noop-breakdown.json      hyperfine: the no-op taken apart step by step (see below)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DIAG=$RES/diag
rm -rf "$DIAG"
mkdir -p "$DIAG" "$MIG/empty" "$LOGS" "$RES"
: >"$LOGS/diagnose.log"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

COUNT=$(find "$MIG/plover" -maxdepth 1 -name '*.sql' 2>/dev/null | wc -l)

# Run alone (not from run.sh), it brings bench_plover up to date itself and drops the
# scratch databases when it ends.
if [[ -z ${BENCH_FROM_RUN:-} ]]; then
    trap drop_all_dbs EXIT
    [[ -d $MIG/plover ]] || die "no generated migrations in $MIG: run bench/run.sh first"
    psql_value plover 'SELECT 1' >/dev/null 2>&1 || "$BENCH_DIR/reset_db.sh" plover
    "$PLOVER" --quiet --database "$(db_url plover)" --dir "$MIG/plover" up
fi

log "diagnosis: plover --json up on a fresh database"
"$BENCH_DIR/reset_db.sh" diag
wait_for_quiet "diagnosis: plover --json up"
started=$(now_ms)
"$PLOVER" --json --database "$(db_url diag)" --dir "$MIG/plover" up >"$DIAG/up.jsonl"
echo $(($(now_ms) - started)) >"$DIAG/up.wall_ms"
# execution_ms: BEGIN to the history INSERT, measured by the server (whole milliseconds).
psql_value diag "SELECT sum(execution_ms), percentile_cont(0.5) WITHIN GROUP (ORDER BY execution_ms) FROM plover_migrations" \
    >"$DIAG/up.server.txt"

floor1=$(apply_cmd floor1)
floor1=${floor1/$(db_name floor1)/$(db_name diag)}

if command -v strace >/dev/null; then
    log "diagnosis: strace -f -c of plover up and of the pipelined floor (fresh databases), and of plover status"
    "$BENCH_DIR/reset_db.sh" diag
    strace -f -c -o "$DIAG/up.strace.txt" \
        "$PLOVER" --quiet --database "$(db_url diag)" --dir "$MIG/plover" up
    "$BENCH_DIR/reset_db.sh" diag
    # shellcheck disable=SC2086 # $floor1 is a plain command line
    strace -f -c -o "$DIAG/floor1.strace.txt" $floor1
    strace -f -c -o "$DIAG/noop-status.strace.txt" \
        "$PLOVER" --database "$(db_url plover)" --dir "$MIG/plover" status >/dev/null
else
    warn "strace is not installed: no system call counts (apt-get install -y strace)"
fi

# Which processes the machine's CPU time goes to while plover up runs (postgres, plover,
# idle), and in which functions: perf record -a, summarised by perf report.
if command -v perf >/dev/null && perf record -a -o /dev/null -- true >/dev/null 2>&1; then
    log "diagnosis: perf record -a of plover up (fresh database)"
    "$BENCH_DIR/reset_db.sh" diag
    wait_for_quiet "diagnosis: perf record"
    perf record -a -q -o "$DIAG/up.perf.data" -- \
        "$PLOVER" --quiet --database "$(db_url diag)" --dir "$MIG/plover" up >>"$LOGS/diagnose.log" 2>&1
    for sort in comm comm,dso comm,dso,sym; do
        perf report -i "$DIAG/up.perf.data" --no-children --sort "$sort" --stdio >"$DIAG/perf-report.txt" 2>/dev/null
        grep -E '^ +[0-9.]+%' "$DIAG/perf-report.txt" | head -n 40 >"$DIAG/up.perf.${sort//,/-}.txt" || true
    done
    rm -f "$DIAG/up.perf.data" "$DIAG/perf-report.txt"
else
    warn "perf is missing or not permitted here: no CPU profile (apt-get install -y linux-perf)"
fi

# The no-op taken apart: process start alone; connecting and asking with no files and no
# history; the same with the generated files to read and parse (all pending); then the measured
# no-ops, with TLS off (as in the comparison) and with Plover's default URL (sslmode=prefer,
# which negotiates TLS when the server offers it, as this one does).
log "diagnosis: the no-op step by step"
"$BENCH_DIR/reset_db.sh" diag
plain=$BASE_URL/$(db_name plover)
wait_for_quiet "diagnosis: the no-op step by step"
hyperfine -N --style basic --warmup 2 --runs 20 --export-json "$DIAG/noop-breakdown.json" \
    --command-name "plover --version (process start only)" "$PLOVER --version" \
    --command-name "status: no files, empty database" "$PLOVER --database $(db_url diag) --dir $MIG/empty status" \
    --command-name "status: $COUNT files, empty database" "$PLOVER --database $(db_url diag) --dir $MIG/plover status" \
    --command-name "status: $COUNT files, $COUNT applied" "$PLOVER --database $(db_url plover) --dir $MIG/plover status" \
    --command-name "up: $COUNT files, $COUNT applied" "$PLOVER --database $(db_url plover) --dir $MIG/plover up" \
    --command-name "status, default URL (TLS)" "$PLOVER --database $plain --dir $MIG/plover status" \
    --command-name "up, default URL (TLS)" "$PLOVER --database $plain --dir $MIG/plover up" \
    >>"$LOGS/diagnose.log" 2>&1 || die "a diagnosis run failed; see ${LOGS#"$REPO_DIR"/}/diagnose.log"
