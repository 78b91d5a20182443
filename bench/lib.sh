# shellcheck shell=bash disable=SC2034 # settings used by the scripts that source this
# Shared settings and helpers for the benchmark scripts. Sourced, never run.
# Every setting can be overridden from the environment (see bench/README.md).

BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
WORK=${BENCH_WORK:-$BENCH_DIR/work}          # gitignored: /bench/work/
MIG=$WORK/migrations                          # generated migrations, one layout per tool
RES=$WORK/results                             # raw measurements (hyperfine JSON, logs)
LOGS=$WORK/logs

LINT_IN=$WORK/lint-input                      # generated SQL for the lint benchmark
LINT_RES=$RES/lint                            # the lint benchmark's raw measurements

COUNT=${BENCH_COUNT:-1000}                    # migrations to generate
APPLY_ROUNDS=${BENCH_APPLY_ROUNDS:-7}         # timed fresh-database applies per tool
NOOP_ROUNDS=${BENCH_NOOP_ROUNDS:-4}           # no-op rounds ...
NOOP_RUNS=${BENCH_NOOP_RUNS:-5}               # ... of this many runs each per command
LINT_STATEMENTS=${BENCH_LINT_STATEMENTS:-10000} # statements in the lint benchmark's big file
LINT_FILES=${BENCH_LINT_FILES:-1000}          # ... and the files the same SQL is cut into
LINT_SEED=${BENCH_LINT_SEED:-20261122}        # seed of the generated SQL
LINT_ROUNDS=${BENCH_LINT_ROUNDS:-3}           # lint timing rounds ...
LINT_RUNS=${BENCH_LINT_RUNS:-10}              # ... of this many runs of each command (after 2 warm-ups)

# PostgreSQL: psql, and every tool below, reach the same server the same way. TLS is off
# for every tool: the sqlx-cli build asked for (`--features postgres`) has no TLS at all,
# so this is the only transport all of them share. Plover's default (TLS when the server
# offers it) is measured separately by diagnose.sh.
export PGHOST=${PGHOST:-127.0.0.1}
export PGPORT=${PGPORT:-5432}
export PGUSER=${PGUSER:-postgres}
export PGSSLMODE=disable
BASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT"
DB_PREFIX=${BENCH_DB_PREFIX:-bench_}

PLOVER=$REPO_DIR/target/release/plover
SQLX=$WORK/cargo/bin/sqlx
# The npm package's bin script is a node wrapper; the binary it starts is timed directly.
DBMATE=$WORK/node/node_modules/@dbmate/linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')/bin/dbmate
CONFITURE=$WORK/venv/bin/confiture
SQUAWK=$WORK/venv/bin/squawk                  # pip install squawk-cli (a native binary)
# drizzle-multitenant's CLI (npm install drizzle-multitenant drizzle-orm pg), run with node.
DRIZZLE=$WORK/node/node_modules/drizzle-multitenant/bin/drizzle-multitenant.js

# The tools, in the order they are reported. floor and floor1 are psql, not peers.
ALL_TOOLS=(floor floor1 plover sqlx dbmate confiture)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf '\033[33mwarning:\033[0m %s\n' "$*" >&2; }
die() {
    printf '\033[31merror:\033[0m %s\n' "$*" >&2
    exit 1
}

# cpu_busy SECONDS: the percentage of CPU time the whole machine spent busy over SECONDS.
cpu_busy() {
    local a b
    read -r -a a < <(grep '^cpu ' /proc/stat)
    sleep "$1"
    read -r -a b < <(grep '^cpu ' /proc/stat)
    # fields: user nice system idle iowait irq softirq steal
    local busy=$(((b[1] + b[2] + b[3] + b[6] + b[7] + b[8]) - (a[1] + a[2] + a[3] + a[6] + a[7] + a[8])))
    local idle=$(((b[4] + b[5]) - (a[4] + a[5])))
    echo $((100 * busy / (busy + idle + 1)))
}

# wait_for_quiet WHAT: this machine is shared; before timing WHAT, waits (up to
# BENCH_QUIET_WAIT seconds) until the rest of the machine is at most BENCH_MAX_BUSY % busy
# over 3 s while the benchmark itself is idle. Records what it found in $LOAD_FILE
# ($RES/load.txt unless set; the lint part keeps its own).
wait_for_quiet() {
    local what=$1 waited=0 busy
    while busy=$(cpu_busy 3) && ((busy > ${BENCH_MAX_BUSY:-25})); do
        if ((waited >= ${BENCH_QUIET_WAIT:-600})); then
            warn "$what: the machine is still ${busy}% busy after ${waited} s; timing anyway"
            break
        fi
        ((waited == 0)) && log "$what: the machine is ${busy}% busy with other work; waiting for it to calm down"
        sleep 7
        waited=$((waited + 10))
    done
    {
        echo "## $what at $(date -u +%FT%TZ): load average $(cut -d' ' -f1-3 /proc/loadavg), CPU ${busy}% busy (others) after waiting ${waited} s"
        ps -eo pcpu,etime,args --sort=-pcpu | head -n 6 | cut -c1-160
    } >>"${LOAD_FILE:-$RES/load.txt}"
}

# need_hyperfine: installs hyperfine with apt-get when it is missing (as root), or stops.
need_hyperfine() {
    command -v hyperfine >/dev/null && return 0
    [[ $(id -u) -eq 0 ]] || die "hyperfine is needed: apt-get install -y hyperfine"
    log "installing hyperfine (apt-get install -y hyperfine)"
    if ! { apt-get update -qq >/dev/null && apt-get install -y -qq hyperfine >/dev/null; }; then
        die "could not install hyperfine with apt-get"
    fi
}

# build_plover INFO_FILE: cargo build --release -p plover-cli, retried (another engineer's
# edit in progress can break the build for a while); records the commit in INFO_FILE.
build_plover() {
    local info=$1 attempt
    log "building plover: cargo build --release -p plover-cli"
    mkdir -p "$LOGS"
    for attempt in 1 2 3 4 5; do
        if (cd "$REPO_DIR" && cargo build --release -p plover-cli) >"$LOGS/build.log" 2>&1; then
            break
        fi
        [[ $attempt -lt 5 ]] || die "cargo build failed 5 times; see ${LOGS#"$REPO_DIR"/}/build.log"
        warn "cargo build failed (another edit in progress?); retrying in 60 s: $(grep -m1 '^error' "$LOGS/build.log" || tail -n 1 "$LOGS/build.log")"
        sleep 60
    done
    {
        echo "commit $(git -C "$REPO_DIR" rev-parse HEAD)"
        echo "uncommitted changes in crates/ at build time: $(git -C "$REPO_DIR" status --porcelain -- crates | wc -l) file(s)"
    } >"$info"
}

db_name() { echo "${DB_PREFIX}$1"; }
db_url() { echo "$BASE_URL/$(db_name "$1")?sslmode=disable"; }

# psql against the maintenance database, quietly, stopping at the first error.
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'SET client_min_messages = warning' "$@"; }

# psql -A -t against one tool's database: prints the value of a single query.
psql_value() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$(db_name "$1")" -c "$2"; }

# The command applying every migration on a fresh database. Plain words only: hyperfine
# runs these without a shell (-N), and the smoke check runs them with `eval`.
apply_cmd() {
    local db
    db=$(db_name "$1")
    case $1 in
    floor) echo "psql -X -q -v ON_ERROR_STOP=1 -d $db -f $MIG/floor.sql" ;;
    floor1) echo "psql -X -q -v ON_ERROR_STOP=1 -d $db -f $MIG/floor1.sql" ;;
    plover) echo "$PLOVER --database $(db_url plover) --dir $MIG/plover up" ;;
    sqlx) echo "$SQLX migrate run --no-dotenv --source $MIG/sqlx --database-url $(db_url sqlx)" ;;
    dbmate) echo "$DBMATE --url $(db_url dbmate) --migrations-dir $MIG/dbmate/db/migrations --no-dump-schema up" ;;
    confiture) echo "$CONFITURE migrate up --database-url $(db_url confiture) --migrations-dir $MIG/confiture/db/migrations" ;;
    *) die "unknown tool $1" ;;
    esac
}

# The history table each tool keeps (for the smoke check's row count).
history_table() {
    case $1 in
    floor | floor1) echo floor_history ;;
    plover) echo plover_migrations ;;
    sqlx) echo _sqlx_migrations ;;
    dbmate) echo schema_migrations ;;
    confiture) echo tb_confiture ;;
    esac
}

# The no-op commands timed with all migrations applied: "label|tool|command".
noop_cmds() {
    echo "floor: psql one query|floor|psql -X -q -d $(db_name floor) -c 'SELECT count(*) FROM floor_history'"
    echo "plover up|plover|$PLOVER --database $(db_url plover) --dir $MIG/plover up"
    echo "plover status|plover|$PLOVER --database $(db_url plover) --dir $MIG/plover status"
    echo "sqlx migrate run|sqlx|$SQLX migrate run --no-dotenv --source $MIG/sqlx --database-url $(db_url sqlx)"
    echo "sqlx migrate info|sqlx|$SQLX migrate info --no-dotenv --source $MIG/sqlx --database-url $(db_url sqlx)"
    echo "dbmate up|dbmate|$DBMATE --url $(db_url dbmate) --migrations-dir $MIG/dbmate/db/migrations --no-dump-schema up"
    echo "dbmate status|dbmate|$DBMATE --url $(db_url dbmate) --migrations-dir $MIG/dbmate/db/migrations status"
    echo "confiture migrate up|confiture|$CONFITURE migrate up --database-url $(db_url confiture) --migrations-dir $MIG/confiture/db/migrations"
    echo "confiture migrate status|confiture|$CONFITURE migrate status --database-url $(db_url confiture) --migrations-dir $MIG/confiture/db/migrations"
}

# Tools whose install (or smoke check) failed are listed in $RES/failed/<tool>.
tool_ok() { [[ ! -e $RES/failed/$1 ]]; }
mark_failed() {
    mkdir -p "$RES/failed"
    printf '%s\n' "$2" >"$RES/failed/$1"
    warn "$1 is left out of the measurements: $(head -n 1 <<<"$2")"
}

drop_all_dbs() {
    local tool
    for tool in "${ALL_TOOLS[@]}" diag; do
        psql_admin -c "DROP DATABASE IF EXISTS $(db_name "$tool") WITH (FORCE)" >/dev/null 2>&1 || true
    done
}
