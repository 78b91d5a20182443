#!/usr/bin/env bash
# diagnose.sh: where Plover's time goes. Run by run.sh after the measurements (it needs the
# generated migrations and bench_plover with everything applied); writes work/results/diag/,
# which report.py summarises in RESULTS.md.
#
#   up.jsonl, up.wall_ms     `plover --json up` on a fresh database: per-migration elapsed_ms
#                            (statements + history row, as Plover times them) against the
#                            process's wall time
#   up.strace.txt            `strace -f -c` of the same: system calls, i.e. round trips
#   noop-status.strace.txt   `strace -f -c` of `plover status` with everything applied
#   noop-breakdown.json      hyperfine: the no-op taken apart step by step (see below)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DIAG=$RES/diag
rm -rf "$DIAG"
mkdir -p "$DIAG" "$MIG/empty"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

log "diagnosis: plover --json up on a fresh database"
"$BENCH_DIR/reset_db.sh" diag
started=$(now_ms)
"$PLOVER" --json --database "$(db_url diag)" --dir "$MIG/plover" up >"$DIAG/up.jsonl"
echo $(($(now_ms) - started)) >"$DIAG/up.wall_ms"

if command -v strace >/dev/null; then
    log "diagnosis: strace -f -c of plover up (fresh database) and plover status (all applied)"
    "$BENCH_DIR/reset_db.sh" diag
    strace -f -c -o "$DIAG/up.strace.txt" \
        "$PLOVER" --quiet --database "$(db_url diag)" --dir "$MIG/plover" up
    strace -f -c -o "$DIAG/noop-status.strace.txt" \
        "$PLOVER" --database "$(db_url plover)" --dir "$MIG/plover" status >/dev/null
else
    warn "strace is not installed: no system call counts (apt-get install -y strace)"
fi

# The no-op taken apart: process start alone; connecting and asking with no files and no
# history; the same with the generated files to read and parse (all pending); then the measured
# no-ops, with TLS off (as in the comparison) and with Plover's default URL (sslmode=prefer,
# which negotiates TLS when the server offers it, as this one does).
log "diagnosis: the no-op step by step"
"$BENCH_DIR/reset_db.sh" diag
plain=$BASE_URL/$(db_name plover)
hyperfine -N --style basic --warmup 2 --runs 20 --export-json "$DIAG/noop-breakdown.json" \
    --command-name "plover --version (process start only)" "$PLOVER --version" \
    --command-name "status: no files, empty database" "$PLOVER --database $(db_url diag) --dir $MIG/empty status" \
    --command-name "status: $COUNT files, empty database" "$PLOVER --database $(db_url diag) --dir $MIG/plover status" \
    --command-name "status: $COUNT files, $COUNT applied" "$PLOVER --database $(db_url plover) --dir $MIG/plover status" \
    --command-name "up: $COUNT files, $COUNT applied" "$PLOVER --database $(db_url plover) --dir $MIG/plover up" \
    --command-name "status, default URL (TLS)" "$PLOVER --database $plain --dir $MIG/plover status" \
    --command-name "up, default URL (TLS)" "$PLOVER --database $plain --dir $MIG/plover up" \
    >"$LOGS/diagnose.log" 2>&1 || die "a diagnosis run failed; see ${LOGS#"$REPO_DIR"/}/diagnose.log"
