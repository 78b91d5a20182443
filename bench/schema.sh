#!/usr/bin/env bash
# schema.sh: `plover schema build` and `plover schema diff` against their floors and against
# Confiture. Writes work/results/schema/, which report.py turns into RESULTS.md's schema
# section. bench/run.sh runs it (`bench/run.sh schema` runs this part alone); run by hand,
# it ends by rewriting RESULTS.md itself.
#
#   1. installs Confiture (pip install fraiseql-confiture, into work/venv), builds Plover and
#      times a copy of the binary (work/schema-bin/plover)
#   2. gen_schema.py: the build tree (300 tables, 100 functions, 100 views: 500 files in
#      01_tables/gNN/, 02_functions/, 03_views/), a 1,000-file tree for hashing, a 1-file
#      tree, and two 500-table trees (a, and b = a with 7 known differences) for the diff
#   3. smoke check: each way of building runs once on a fresh database and must leave every
#      table, view and function there; Plover's --hash must be the SHA-256 of the very script
#      the floor runs; the diff of a against b must report exactly the 7 differences
#   4. times, in $BENCH_SCHEMA_ROUNDS rounds, the order rotated round to round, each run on a
#      freshly created empty database (untimed) once the rest of the machine is quiet:
#        floor           psql -X -q -1 -v ON_ERROR_STOP=1 -f build.sql   (build.sql: Plover's
#                        own concatenation, `schema build --output`)
#        plover          plover schema build --apply (into the existing, empty database)
#        confiture-psql  psql -1 -f on `confiture build`'s output (its documented next step)
#        plover-create   plover schema build --apply into a database that does not exist
#                        (Plover creates it), and createdb: psql -c 'CREATE DATABASE' alone
#      then, in $BENCH_SCHEMA_CMD_ROUNDS rounds of `hyperfine --warmup 1 --runs
#      $BENCH_SCHEMA_RUNS`: confiture build --show-hash and plover schema build --hash on the
#      build tree, plover --hash on 1,000 files and on 1 file, plover --version, confiture on
#      the 1,000 files, and plover schema diff a b / a a, plover schema dump a
#   5. where the time goes: `plover --json schema build --apply` (its own timing of the
#      database part), strace -c of the apply (against psql's), of the hash and of the diff,
#      and a perf profile of the diff
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SCH_RES=$RES/schema
SCH_IN=$WORK/schema-input
export LOAD_FILE=$SCH_RES/load.txt
# Nothing from the caller's environment may point Plover at another database.
unset DATABASE_URL PLOVER_DATABASE_URL

SCH_TABLES=${BENCH_SCHEMA_TABLES:-300}
SCH_FUNCTIONS=${BENCH_SCHEMA_FUNCTIONS:-100}
SCH_VIEWS=${BENCH_SCHEMA_VIEWS:-100}
SCH_HASH_FILES=${BENCH_SCHEMA_HASH_FILES:-1000}
SCH_DIFF_TABLES=${BENCH_SCHEMA_DIFF_TABLES:-500}
SCH_SEED=${BENCH_SCHEMA_SEED:-20261123}
SCH_ROUNDS=${BENCH_SCHEMA_ROUNDS:-10}
SCH_CMD_ROUNDS=${BENCH_SCHEMA_CMD_ROUNDS:-3}
SCH_RUNS=${BENCH_SCHEMA_RUNS:-10}

SCHEMA_DBS=(schema_floor schema_plover schema_cpsql schema_pcreate schema_createdb schema_a schema_b schema_empty schema_diag)
drop_schema_dbs() {
    local db
    for db in "${SCHEMA_DBS[@]}"; do
        psql_admin -c "DROP DATABASE IF EXISTS $(db_name "$db") WITH (FORCE)" >/dev/null 2>&1 || true
    done
}
cleanup() {
    local status=$?
    drop_schema_dbs
    [[ $status -eq 0 ]] || warn "the schema benchmark failed (exit $status); logs are in ${LOGS#"$REPO_DIR"/}/"
}
trap cleanup EXIT

for tool in psql python3 cargo; do
    command -v "$tool" >/dev/null || die "$tool is needed and not on PATH"
done
[[ $REPO_DIR != *[[:space:]]* ]] || die "the repository path has spaces; hyperfine -N cannot take it: $REPO_DIR"
need_hyperfine
psql_admin -c 'SELECT 1' >/dev/null || die "PostgreSQL is not reachable as $PGUSER@$PGHOST:$PGPORT (database postgres)"

rm -rf "$SCH_RES"
mkdir -p "$SCH_RES/apply" "$SCH_RES/time" "$SCH_RES/diag" "$SCH_RES/out" "$LOGS"
: >"$LOGS/schema.log"
date -u +%FT%TZ >"$SCH_RES/started"

# ---------------------------------------------------------------------------- confiture, plover
"$BENCH_DIR/install_peers.sh" confiture
tool_ok confiture || warn "Confiture could not be installed: its rows are left out ($(head -n 1 "$RES/failed/confiture"))"
build_plover "$SCH_RES/plover-build.txt"
# Time a copy: target/release/plover is shared with whoever else builds in this checkout.
mkdir -p "$WORK/schema-bin"
cp "$PLOVER" "$WORK/schema-bin/plover"
PLOVER=$WORK/schema-bin/plover
echo "timed binary: bench/work/schema-bin/plover, a copy of target/release/plover, sha256 $(sha256sum "$PLOVER" | cut -c1-16)" \
    >>"$SCH_RES/plover-build.txt"

# ---------------------------------------------------------------------------- input
log "generating the schema trees (seed $SCH_SEED)"
gen() { # gen NAME ARGS...: one tree under $SCH_IN/NAME, its statistics kept
    local name=$1
    shift
    python3 "$BENCH_DIR/gen_schema.py" "$SCH_IN/$name" --seed "$SCH_SEED" "$@" >>"$LOGS/schema.log"
    cp "$SCH_IN/$name/stats.json" "$SCH_RES/stats-$name.json"
}
gen build --tables "$SCH_TABLES" --functions "$SCH_FUNCTIONS" --views "$SCH_VIEWS"
# 1,000 files, in the same proportions (3 tables : 1 function : 1 view).
hash_tables=$((SCH_HASH_FILES * 3 / 5))
hash_functions=$(((SCH_HASH_FILES - hash_tables) / 2))
gen hash --tables "$hash_tables" --functions "$hash_functions" --views $((SCH_HASH_FILES - hash_tables - hash_functions))
gen one --tables 1 --functions 0 --views 0
diff_side=$((SCH_DIFF_TABLES / 5))
gen diff-a --tables "$SCH_DIFF_TABLES" --functions "$diff_side" --views "$diff_side"
gen diff-b --tables "$SCH_DIFF_TABLES" --functions "$diff_side" --views "$diff_side" --variant b
cp "$SCH_IN/diff-b/expected-diff.json" "$SCH_RES/expected-diff.json"

# The floor runs Plover's own concatenation: byte for byte what `schema build --apply` sends.
for tree in build diff-a diff-b; do
    "$PLOVER" --quiet --config "$SCH_IN/$tree/plover.toml" schema build --output "$SCH_IN/$tree.sql"
done
FLOOR_SQL=$SCH_IN/build.sql
CONFITURE_SQL=$SCH_IN/confiture-build.sql

url() { db_url "$1"; }
plover_apply() { echo "$PLOVER --config $SCH_IN/build/plover.toml schema build --apply --database $(url "$1")"; }
confiture_build() { # confiture_build TREE OUTPUT: runs in the tree's directory (Confiture reads ./db)
    echo "$CONFITURE build --env bench --show-hash --output $2"
}

# The commands timed on a fresh database, by name: "name|database|command".
apply_cmds() {
    echo "floor|schema_floor|psql -X -q -1 -v ON_ERROR_STOP=1 -d $(db_name schema_floor) -f $FLOOR_SQL"
    echo "plover|schema_plover|$(plover_apply schema_plover)"
    tool_ok confiture && echo "confiture-psql|schema_cpsql|psql -X -q -1 -v ON_ERROR_STOP=1 -d $(db_name schema_cpsql) -f $CONFITURE_SQL"
    echo "plover-create|schema_pcreate|$(plover_apply schema_pcreate)"
    echo "createdb|schema_createdb|psql -X -q -d postgres -c 'CREATE DATABASE $(db_name schema_createdb)'"
}
# The commands timed without a database to prepare: "key|directory|label|command".
cmd_cmds() {
    tool_ok confiture && echo "confiture-build|build|confiture build --show-hash ($SCH_TABLES+$SCH_FUNCTIONS+$SCH_VIEWS files)|$(confiture_build build "$CONFITURE_SQL")"
    echo "plover-hash-build|build|plover schema build --hash (the same files)|$PLOVER --config $SCH_IN/build/plover.toml schema build --hash"
    echo "plover-hash-1000|hash|plover schema build --hash ($SCH_HASH_FILES files)|$PLOVER --config $SCH_IN/hash/plover.toml schema build --hash"
    echo "plover-hash-1|one|plover schema build --hash (1 file)|$PLOVER --config $SCH_IN/one/plover.toml schema build --hash"
    echo "plover-version|one|plover --version (process start)|$PLOVER --version"
    tool_ok confiture && echo "confiture-hash-1000|hash|confiture build --show-hash ($SCH_HASH_FILES files)|$(confiture_build hash "$SCH_IN/confiture-hash.sql")"
    echo "diff-ab|.|plover schema diff --json A B ($SCH_DIFF_TABLES tables each, 7 differences)|$PLOVER schema diff --json $(url schema_a) $(url schema_b)"
    echo "diff-aa|.|plover schema diff --json A A (no differences)|$PLOVER schema diff --json $(url schema_a) $(url schema_a)"
    echo "dump-a|.|plover schema dump --json A (one introspection)|$PLOVER schema dump --json --database $(url schema_a)"
    echo "dump-empty|.|plover schema dump --json of an empty database|$PLOVER schema dump --json --database $(url schema_empty)"
}

# run_words "CMD ARGS...": runs a plain-words command line (single quotes group words, as
# hyperfine -N reads them), without globbing: the URLs have a '?'.
run_words() { (set -f && eval "$1"); }

fresh_db() { # fresh_db NAME: an empty database (or none, for plover-create), checkpointed
    case $1 in
    schema_pcreate | schema_createdb)
        psql_admin -c "DROP DATABASE IF EXISTS $(db_name "$1") WITH (FORCE)" -c 'CHECKPOINT' >/dev/null ;;
    *) "$BENCH_DIR/reset_db.sh" "$1" ;;
    esac
}

check_built() { # check_built DB TREE: every table, view and function of TREE is in DB
    local got want
    got=$(psql_value "$1" "SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = 'public') || ' ' ||
        (SELECT count(*) FROM pg_views WHERE schemaname = 'public') || ' ' ||
        (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace)")
    want=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print(s["tables"], s["views"], s["functions"])' \
        "$SCH_IN/$2/stats.json")
    [[ $got == "$want" ]] || { echo "expected tables/views/functions $want, found $got"; return 1; }
}

# ---------------------------------------------------------------------------- smoke check
log "smoke check"
if tool_ok confiture; then
    (cd "$SCH_IN/build" && run_words "$(confiture_build build "$CONFITURE_SQL")") >"$SCH_RES/out/confiture-build.txt" 2>&1 ||
        mark_failed confiture "confiture build failed on the schema tree: $(tail -n 20 "$SCH_RES/out/confiture-build.txt")"
fi
if tool_ok confiture; then
    (cd "$SCH_IN/hash" && run_words "$(confiture_build hash "$SCH_IN/confiture-hash.sql")") >/dev/null 2>&1 ||
        mark_failed confiture "confiture build failed on the 1,000-file tree"
    # The files it concatenated, in its order, against Plover's.
    diff <(grep -o '^ \* File: .*' "$CONFITURE_SQL" | sed 's/^ \* File: //; s/ \*.*//') \
        <(grep '^-- file: ' "$FLOOR_SQL" | sed 's|^-- file: db/schema/||') >"$SCH_RES/out/order-diff.txt" &&
        echo same >"$SCH_RES/out/order.txt" || echo different >"$SCH_RES/out/order.txt"
fi
mapfile -t APPLY < <(apply_cmds)
for entry in "${APPLY[@]}"; do
    IFS='|' read -r name db command <<<"$entry"
    fresh_db "$db"
    smoke_log=$LOGS/schema-smoke-$name.log
    if ! run_words "$command" >"$smoke_log" 2>&1; then
        die "$name failed on a fresh database: \`$command\`: $(tail -n 20 "$smoke_log")"
    fi
    [[ $name == createdb ]] && continue
    check_built "$db" build >>"$smoke_log" 2>&1 || die "$name did not build everything: $(tail -n 1 "$smoke_log")"
done
# Plover's hash is the SHA-256 of the script the floor runs.
plover_hash=$(run_words "$PLOVER --config $SCH_IN/build/plover.toml schema build --hash")
floor_hash=$(sha256sum "$FLOOR_SQL" | cut -d' ' -f1)
[[ $plover_hash == "$floor_hash" ]] || die "plover schema build --hash ($plover_hash) is not the SHA-256 of its --output ($floor_hash)"
echo "$plover_hash" >"$SCH_RES/out/plover-hash.txt"
"$PLOVER" --json --config "$SCH_IN/hash/plover.toml" schema build --hash >"$SCH_RES/out/plover-hash-1000.json"

# The two 500-table databases of the diff, built by psql (untimed), and the diff's answer; and
# an empty database, to time what `build --apply`'s emptiness check costs.
"$BENCH_DIR/reset_db.sh" schema_empty
for side in a b; do
    "$BENCH_DIR/reset_db.sh" "schema_$side"
    psql -X -q -1 -v ON_ERROR_STOP=1 -d "$(db_name "schema_$side")" -f "$SCH_IN/diff-$side.sql" >>"$LOGS/schema.log" 2>&1 ||
        die "building the diff's database $side failed; see ${LOGS#"$REPO_DIR"/}/schema.log"
    check_built "schema_$side" "diff-$side" >>"$LOGS/schema.log" || die "the diff's database $side is incomplete"
done
psql_admin -c 'CHECKPOINT' >/dev/null
rc=0
"$PLOVER" schema diff --json "$(url schema_a)" "$(url schema_b)" >"$SCH_RES/out/diff-ab.json" 2>"$SCH_RES/out/diff-ab.err" || rc=$?
echo "$rc" >"$SCH_RES/out/diff-ab.rc"
rc=0
"$PLOVER" schema diff --json "$(url schema_a)" "$(url schema_a)" >"$SCH_RES/out/diff-aa.json" 2>"$SCH_RES/out/diff-aa.err" || rc=$?
echo "$rc" >"$SCH_RES/out/diff-aa.rc"
python3 - "$SCH_RES" <<'EOF' || warn "plover schema diff did not report exactly the injected differences; see results/schema/diff-check.json"
import json, sys
from pathlib import Path
res = Path(sys.argv[1])
expected = json.loads((res / "expected-diff.json").read_text())
def load(name):
    try:
        return json.loads((res / "out" / f"{name}.json").read_text())
    except ValueError:
        return None
ab, aa = load("diff-ab"), load("diff-aa")
def short(change):
    """(action, kind, name, parent) with the schema, the table and a signature taken off."""
    name = change.get("name") or ""
    parent = (change.get("parent") or "").removeprefix("public.")
    name = name.removeprefix("public.")
    if parent:
        name = name.removeprefix(parent + ".")
    return (change.get("action"), change.get("kind"), name.split("(")[0], parent)
found = [short(c) for c in (ab or {}).get("changes", [])]
wanted = [(e["action"], e["kind"], e["name"], e.get("parent", "")) for e in expected]
check = {
    "exit_ab": int((res / "out" / "diff-ab.rc").read_text()),
    "exit_aa": int((res / "out" / "diff-aa.rc").read_text()),
    "differences_ab": (ab or {}).get("differences"),
    "differences_aa": (aa or {}).get("differences"),
    "expected": [list(w) for w in wanted],
    "missing": [list(w) for w in wanted if w not in found],
    "unexpected": [list(f) for f in found if f not in wanted],
    "reported": [list(f) for f in found],
}
check["ok"] = (check["exit_ab"] == 9 and check["exit_aa"] == 0 and not check["missing"]
               and not check["unexpected"] and check["differences_aa"] == 0)
(res / "diff-check.json").write_text(json.dumps(check, indent=2) + "\n")
sys.exit(0 if check["ok"] else 1)
EOF

mapfile -t CMDS < <(cmd_cmds)
{
    printf 'prepare\t(before every apply run)\t%s\n' "bench/reset_db.sh DB (drop, create, CHECKPOINT); for plover-create and createdb only drop and CHECKPOINT"
    for entry in "${APPLY[@]}"; do
        IFS='|' read -r name db command <<<"$entry"
        printf 'apply\t%s\t%s\n' "$name" "$command"
    done
    tool_ok confiture && printf 'prepare\tconfiture-psql input\t(cd bench/work/schema-input/build && %s)\n' "$(confiture_build build "$CONFITURE_SQL")"
    for entry in "${CMDS[@]}"; do
        IFS='|' read -r key dir label command <<<"$entry"
        printf 'time\t%s\t(cd bench/work/schema-input/%s) %s\n' "$label" "$dir" "$command"
    done
} >"$SCH_RES/commands.tsv"

rotate() { # rotate N ITEMS...: ITEMS starting at index N mod their count
    local n=$1
    shift
    local items=("$@") i
    for ((i = 0; i < ${#items[@]}; i++)); do echo "${items[(i + n) % ${#items[@]}]}"; done
}

# ---------------------------------------------------------------------------- apply rounds
for ((round = 1; round <= SCH_ROUNDS; round++)); do
    mapfile -t order < <(rotate $((round - 1)) $(seq 0 $((${#APPLY[@]} - 1))))
    log "schema apply round $round of $SCH_ROUNDS"
    for index in "${order[@]}"; do
        IFS='|' read -r name db command <<<"${APPLY[index]}"
        fresh_db "$db"
        wait_for_quiet "schema apply round $round: $name"
        hyperfine -N --style basic --runs 1 --export-json "$SCH_RES/apply/round-$round-$name.json" \
            --command-name "$name" "$command" >>"$LOGS/schema.log" 2>&1 ||
            die "$name failed in apply round $round; see ${LOGS#"$REPO_DIR"/}/schema.log"
    done
done
for entry in "${APPLY[@]}"; do
    IFS='|' read -r name db command <<<"$entry"
    [[ $name == createdb ]] && continue
    check_built "$db" build >/dev/null || die "$name's database is incomplete after the timed runs"
done

# ---------------------------------------------------------------------------- command rounds
for ((round = 1; round <= SCH_CMD_ROUNDS; round++)); do
    mapfile -t order < <(rotate $((round - 1)) $(seq 0 $((${#CMDS[@]} - 1))))
    log "schema command round $round of $SCH_CMD_ROUNDS ($SCH_RUNS runs of each)"
    for index in "${order[@]}"; do
        IFS='|' read -r key dir label command <<<"${CMDS[index]}"
        runs=$SCH_RUNS
        # Confiture takes a second or more a run: fewer runs, the same rounds.
        [[ $key == confiture-hash-1000 ]] && runs=$(((SCH_RUNS + 2) / 3))
        wait_for_quiet "schema command round $round: $key"
        (cd "$SCH_IN/$dir" && hyperfine -N -i --style basic --warmup 1 --runs "$runs" \
            --export-json "$SCH_RES/time/round-$round-$key.json" --command-name "$key" "$command") \
            >>"$LOGS/schema.log" 2>&1 || die "timing $key failed; see ${LOGS#"$REPO_DIR"/}/schema.log"
    done
done

# ---------------------------------------------------------------------------- diagnosis
DIAG=$SCH_RES/diag
log "schema diagnosis: plover --json schema build --apply (its own timing), 3 fresh databases"
for i in 1 2 3; do
    "$BENCH_DIR/reset_db.sh" schema_diag
    wait_for_quiet "schema diagnosis: --json apply $i"
    started=$(date +%s%N)
    run_words "$(plover_apply schema_diag) --json" >"$DIAG/apply-$i.json"
    echo $((($(date +%s%N) - started) / 1000)) >"$DIAG/apply-$i.wall_us"
done

if command -v strace >/dev/null; then
    log "schema diagnosis: strace -f -c"
    "$BENCH_DIR/reset_db.sh" schema_diag
    run_words "strace -f -c -o $DIAG/apply.strace.txt $(plover_apply schema_diag)" >/dev/null 2>&1 || true
    "$BENCH_DIR/reset_db.sh" schema_diag
    run_words "strace -f -c -o $DIAG/floor.strace.txt psql -X -q -1 -v ON_ERROR_STOP=1 -d $(db_name schema_diag) -f $FLOOR_SQL" \
        >/dev/null 2>&1 || true
    run_words "strace -f -c -o $DIAG/hash.strace.txt $PLOVER --config $SCH_IN/hash/plover.toml schema build --hash" >/dev/null 2>&1 || true
    run_words "strace -f -c -o $DIAG/diff.strace.txt $PLOVER schema diff --json $(url schema_a) $(url schema_b)" >/dev/null 2>&1 || true
else
    warn "strace is not installed: no system call counts (apt-get install -y strace)"
fi

if command -v perf >/dev/null && perf record -a -o /dev/null -- true >/dev/null 2>&1; then
    log "schema diagnosis: perf record -a of the apply and of the diff"
    report_perf() { # report_perf DATA PREFIX
        local sort
        for sort in comm comm,dso,sym; do
            perf report -i "$1" --no-children --sort "$sort" --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' |
                head -n 30 >"$2.${sort//,/-}.txt" || true
        done
        # The plover process alone: where its own samples go.
        perf report -i "$1" --no-children --comms plover --sort dso,sym --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' |
            head -n 30 >"$2.plover.txt" || true
        rm -f "$1"
    }
    "$BENCH_DIR/reset_db.sh" schema_diag
    wait_for_quiet "schema diagnosis: perf record of the apply"
    run_words "perf record -a -q -o $DIAG/apply.perf.data -- $(plover_apply schema_diag)" >>"$LOGS/schema.log" 2>&1 || true
    report_perf "$DIAG/apply.perf.data" "$DIAG/apply.perf"
    wait_for_quiet "schema diagnosis: perf record of the diff"
    run_words "perf record -a -q -o $DIAG/diff.perf.data -- $PLOVER schema diff --json $(url schema_a) $(url schema_b)" \
        >>"$LOGS/schema.log" 2>&1 || true
    report_perf "$DIAG/diff.perf.data" "$DIAG/diff.perf"
else
    warn "perf is missing or not permitted here: no CPU profile (apt-get install -y linux-perf)"
fi

date -u +%FT%TZ >"$SCH_RES/finished"
log "schema benchmark done: ${SCH_RES#"$REPO_DIR"/}/"
if [[ -z ${BENCH_FROM_RUN:-} ]]; then
    log "writing bench/RESULTS.md"
    python3 "$BENCH_DIR/report.py"
fi
