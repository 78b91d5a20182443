#!/usr/bin/env bash
# lint.sh: `plover lint` against squawk on the same SQL. Writes work/results/lint/, which
# report.py turns into RESULTS.md's lint section. bench/run.sh runs it (`bench/run.sh lint`
# runs this part alone); run by hand, it ends by rewriting RESULTS.md itself.
#
#   1. installs squawk (pip install squawk-cli, into work/venv) and builds Plover
#   2. gen_lint.py: a $BENCH_LINT_STATEMENTS (10000)-statement migration file, the same SQL
#      cut into $BENCH_LINT_FILES (1000) migration files, and 2,500/5,000/20,000-statement
#      files for the scaling check (all deterministic, seeded)
#   3. runs each linter once per case and keeps its JSON output and exit code (findings per
#      rule, positions); lint_rules.py: which rules each runs by default
#   4. times them: $BENCH_LINT_ROUNDS rounds; in each, per case, both linters (the order
#      rotated round to round), each `hyperfine -N -i --warmup 2 --runs $BENCH_LINT_RUNS`
#      once the rest of the machine is quiet
#   5. where the time goes: scaling with the file's size, variants (one rule, every rule,
#      human output, process start), `perf record` of both, `strace -c` of both, peak memory
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export LOAD_FILE=$LINT_RES/load.txt
# Linting named files needs no database; keep Plover from finding one to ask its version.
unset DATABASE_URL PLOVER_DATABASE_URL

for tool in python3 cargo; do
    command -v "$tool" >/dev/null || die "$tool is needed and not on PATH"
done
[[ $REPO_DIR != *[[:space:]]* ]] || die "the repository path has spaces; hyperfine -N cannot take it: $REPO_DIR"
need_hyperfine

rm -rf "$LINT_RES"
mkdir -p "$LINT_RES/out" "$LINT_RES/time" "$LINT_RES/diag" "$LOGS"
date -u +%FT%TZ >"$LINT_RES/started"

# ---------------------------------------------------------------------------- squawk, plover
"$BENCH_DIR/install_peers.sh" squawk
tool_ok squawk || die "squawk could not be installed: $(cat "$RES/failed/squawk")"
build_plover "$LINT_RES/plover-build.txt"
# Time a copy: target/release/plover is shared with whoever else builds in this checkout,
# and a rebuild in the middle of the run must not change what is measured.
mkdir -p "$WORK/bin"
cp "$PLOVER" "$WORK/bin/plover"
PLOVER=$WORK/bin/plover
echo "timed binary: bench/work/bin/plover, a copy of target/release/plover, sha256 $(sha256sum "$PLOVER" | cut -c1-16)" \
    >>"$LINT_RES/plover-build.txt"

# ---------------------------------------------------------------------------- input
log "generating the lint input: $LINT_STATEMENTS statements (seed $LINT_SEED), and as $LINT_FILES files"
python3 "$BENCH_DIR/gen_lint.py" "$LINT_IN" --statements "$LINT_STATEMENTS" --files "$LINT_FILES" --seed "$LINT_SEED"
cp "$LINT_IN/lint-stats.json" "$LINT_RES/input-stats.json"
SCALES=()
for n in 2500 5000 "$LINT_STATEMENTS" 20000; do
    [[ " ${SCALES[*]} " == *" $n "* ]] && continue
    SCALES+=("$n")
    [[ $n == "$LINT_STATEMENTS" ]] && continue
    python3 "$BENCH_DIR/gen_lint.py" "$LINT_IN/scale-$n" --statements "$n" --files $((n / 10)) --seed "$LINT_SEED" >/dev/null
done
scale_file() {
    if [[ $1 == "$LINT_STATEMENTS" ]]; then echo "lint-input/lint-$1.sql"; else echo "lint-input/scale-$1/lint-$1.sql"; fi
}

# Paths relative to bench/work/, where every command runs: the linters print them back.
FILE=lint-input/lint-$LINT_STATEMENTS.sql
DIR=lint-input/lint-dir

# ---------------------------------------------------------------------------- outputs
# The issue asks for `plover lint --format json`; if that prints no JSON, `--json` (which
# the docs call the same thing) is timed instead, and the report says why.
log "probing the JSON output of both linters"
(cd "$WORK" && "$PLOVER" lint --format json "$FILE" >"$LINT_RES/out/plover-format-json.out" 2>"$LINT_RES/out/plover-format-json.err") &&
    rc=0 || rc=$?
echo "$rc" >"$LINT_RES/out/plover-format-json.rc"
if python3 -c 'import json, sys; sys.exit(0 if "files" in json.load(open(sys.argv[1])) else 1)' \
    "$LINT_RES/out/plover-format-json.out" 2>/dev/null; then
    PLOVER_JSON="--format json"
else
    PLOVER_JSON="--json"
    warn "plover lint --format json printed $(wc -c <"$LINT_RES/out/plover-format-json.out") bytes of output (exit $rc), no JSON; timing plover lint --json instead"
fi
echo "$PLOVER_JSON" >"$LINT_RES/plover-json-flag"

# run_words "CMD ARGS...": runs a plain-words command line as hyperfine -N does: split on
# spaces, no globbing (squawk expands its pattern itself).
run_words() {
    local -a words
    read -r -a words <<<"$1"
    "${words[@]}"
}

lint_cmd() { # lint_cmd TOOL CASE
    local target
    case $2 in
    file) target=$FILE ;;
    dir) target=$DIR ;;
    *) target=$(scale_file "$2") ;;
    esac
    case $1 in
    squawk)
        # squawk expands the pattern itself (hyperfine -N runs no shell).
        [[ $2 == dir ]] && target="$DIR/*.sql"
        echo "$SQUAWK --reporter json $target"
        ;;
    plover) echo "$PLOVER lint $PLOVER_JSON $target" ;;
    esac
}

# Each once, its output kept: findings per rule and positions for the report. squawk exits
# 1 when it finds anything, Plover 5 when a finding is an error; anything else is a failure.
for case in file dir; do
    for tool in squawk plover; do
        out=$LINT_RES/out/$tool-$case
        (cd "$WORK" && run_words "$(lint_cmd "$tool" "$case")" >"$out.json" 2>"$out.err") && rc=0 || rc=$?
        echo "$rc" >"$out.rc"
        case $tool:$rc in
        squawk:0 | squawk:1 | plover:0 | plover:5) ;;
        *) die "$tool failed on the $case case (exit $rc): $(head -c 600 "$out.err")" ;;
        esac
        python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$out.json" ||
            die "$tool printed no JSON on the $case case: see ${out#"$REPO_DIR"/}.json"
    done
done
python3 "$BENCH_DIR/lint_rules.py" "$PLOVER" "$SQUAWK" "$LINT_RES/rules.json" >/dev/null

{
    for case in file dir; do
        for tool in squawk plover; do printf 'time\t%s %s\t%s\n' "$tool" "$case" "$(lint_cmd "$tool" "$case")"; done
    done
} >"$LINT_RES/commands.tsv"

# ---------------------------------------------------------------------------- timing
rotate() { # rotate N ITEMS...: ITEMS starting at index N mod their count
    local n=$1
    shift
    local items=("$@") i
    for ((i = 0; i < ${#items[@]}; i++)); do echo "${items[(i + n) % ${#items[@]}]}"; done
}
for ((round = 1; round <= LINT_ROUNDS; round++)); do
    for case in file dir; do
        mapfile -t order < <(rotate $((round - 1)) squawk plover)
        log "lint round $round of $LINT_ROUNDS, $case: ${order[*]} ($LINT_RUNS runs each)"
        for tool in "${order[@]}"; do
            wait_for_quiet "lint round $round: $tool $case"
            (cd "$WORK" && hyperfine -N -i --style basic --warmup 2 --runs "$LINT_RUNS" \
                --export-json "$LINT_RES/time/round-$round-$case-$tool.json" --command-name "$tool" \
                "$(lint_cmd "$tool" "$case")") >>"$LOGS/lint.log" 2>&1 ||
                die "timing $tool on the $case case failed; see ${LOGS#"$REPO_DIR"/}/lint.log"
        done
    done
done

# ---------------------------------------------------------------------------- diagnosis
DIAG=$LINT_RES/diag
log "lint diagnosis: time against the file's size (${SCALES[*]} statements)"
for n in "${SCALES[@]}"; do
    wait_for_quiet "lint scaling: $n statements"
    (cd "$WORK" && hyperfine -N -i --style basic --warmup 1 --runs 5 --export-json "$DIAG/scale-$n.json" \
        --command-name squawk "$(lint_cmd squawk "$n")" --command-name plover "$(lint_cmd plover "$n")") \
        >>"$LOGS/lint.log" 2>&1 || die "the scaling check failed; see ${LOGS#"$REPO_DIR"/}/lint.log"
    if [[ $n != "$LINT_STATEMENTS" ]]; then
        cp "$LINT_IN/scale-$n/lint-stats.json" "$DIAG/scale-$n.stats.json"
    fi
done

log "lint diagnosis: variants on the $LINT_STATEMENTS-statement file"
ALL_PLOVER=$(python3 -c 'import json, sys; print(",".join(r["id"] for r in json.load(open(sys.argv[1]))["plover"]["rules"]))' "$LINT_RES/rules.json")
read -r SQUAWK_OPT_IN SQUAWK_BUT_ONE < <(python3 - "$LINT_RES/rules.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["squawk"]
known = set(s["binary_knows"])
opt_in = [r["id"] for r in s["rules"] if not r["default_on"] and not r["alias"] and r["id"] in known]
default = [r["id"] for r in s["rules"] if r["default_on"] and r["id"] in known and r["id"] != "prefer-text-field"]
print(",".join(opt_in), ",".join(default))
EOF
)
wait_for_quiet "lint variants"
(cd "$WORK" && hyperfine -N -i --style basic --warmup 1 --runs 5 --export-json "$DIAG/variants.json" \
    --command-name "plover --version (process start only)" "$PLOVER --version" \
    --command-name "plover lint $PLOVER_JSON (as timed above)" "$(lint_cmd plover file)" \
    --command-name "plover lint $PLOVER_JSON --select prefer-text-field (one rule)" "$PLOVER lint $PLOVER_JSON --select prefer-text-field $FILE" \
    --command-name "plover lint $PLOVER_JSON --select <every rule, opt-in ones too>" "$PLOVER lint $PLOVER_JSON --select $ALL_PLOVER $FILE" \
    --command-name "plover lint --format human --no-color" "$PLOVER lint --format human --no-color $FILE" \
    --command-name "plover lint --format json (the flag the issue names)" "$PLOVER lint --format json $FILE" \
    --command-name "squawk --reporter json (as timed above)" "$(lint_cmd squawk file)" \
    --command-name "squawk --reporter json --exclude <every default rule but prefer-text-field>" "$SQUAWK --reporter json --exclude $SQUAWK_BUT_ONE $FILE" \
    --command-name "squawk --reporter json --include <every opt-in rule>" "$SQUAWK --reporter json --include $SQUAWK_OPT_IN $FILE" \
    --command-name "squawk --reporter gcc" "$SQUAWK --reporter gcc $FILE") \
    >>"$LOGS/lint.log" 2>&1 || die "the variants check failed; see ${LOGS#"$REPO_DIR"/}/lint.log"
(cd "$WORK" && run_words "$PLOVER lint $PLOVER_JSON --select prefer-text-field $FILE" >"$DIAG/plover-one-rule.json" 2>/dev/null) || true
(cd "$WORK" && run_words "$PLOVER lint $PLOVER_JSON --select $ALL_PLOVER $FILE" >"$DIAG/plover-every-rule.json" 2>/dev/null) || true
(cd "$WORK" && run_words "$SQUAWK --reporter json --include $SQUAWK_OPT_IN $FILE" >"$DIAG/squawk-every-rule.json" 2>/dev/null) || true
(cd "$WORK" && "$SQUAWK" --reporter json --exclude "$SQUAWK_BUT_ONE" "$FILE" >"$DIAG/squawk-one-rule.json" 2>/dev/null) || true

for tool in squawk plover; do
    if command -v perf >/dev/null; then
        log "lint diagnosis: perf record of $tool (call graphs from DWARF)"
        wait_for_quiet "lint perf: $tool"
        (cd "$WORK" && run_words "perf record -q -F 997 --call-graph dwarf,65528 -o $DIAG/$tool.perf.data -- $(lint_cmd "$tool" file)" \
            >/dev/null 2>>"$LOGS/lint-perf.log") || true
        perf report -i "$DIAG/$tool.perf.data" --children --stdio --sort sym -g none 2>>"$LOGS/lint-perf.log" |
            grep -E '^\s+[0-9.]+%' >"$DIAG/$tool.perf.children.txt" || true
        perf report -i "$DIAG/$tool.perf.data" --no-children --stdio --sort sym -g none 2>>"$LOGS/lint-perf.log" |
            grep -E '^\s+[0-9.]+%' >"$DIAG/$tool.perf.self.txt" || true
        rm -f "$DIAG/$tool.perf.data"
    else
        warn "perf is not installed: no CPU profile of the linters (apt-get install -y linux-perf)"
    fi
    if command -v strace >/dev/null; then
        (cd "$WORK" && run_words "strace -f -c -o $DIAG/$tool.strace.txt $(lint_cmd "$tool" file)" >/dev/null 2>&1) || true
    fi
    if [[ -x /usr/bin/time ]]; then
        (cd "$WORK" && run_words "/usr/bin/time -o $DIAG/$tool.rss.txt -f %M $(lint_cmd "$tool" file)" >/dev/null 2>&1) || true
    fi
done

date -u +%FT%TZ >"$LINT_RES/finished"
log "lint benchmark done: ${LINT_RES#"$REPO_DIR"/}/"
if [[ -z ${BENCH_FROM_RUN:-} ]]; then
    log "writing bench/RESULTS.md"
    python3 "$BENCH_DIR/report.py"
fi
