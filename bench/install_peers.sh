#!/usr/bin/env bash
# install_peers.sh: installs the peers from their package registries into bench/work/
# (gitignored), skipping any that is already there. A peer that cannot be installed is
# recorded in work/results/failed/<tool> with the error, and the benchmark goes on without it.
#
#   sqlx-cli            cargo install sqlx-cli --no-default-features --features postgres
#                       (--root work/cargo; compiling takes several minutes, once)
#   dbmate              npm install dbmate            (--prefix work/node)
#   fraiseql-confiture  pip install fraiseql-confiture (into the venv work/venv)
#   squawk              pip install squawk-cli         (the same venv; for the lint benchmark)
#   drizzle             npm install drizzle-multitenant drizzle-orm pg  (--prefix work/node; for
#                       the tenants benchmark)
#
#   install_peers.sh [TOOL...]   installs only the TOOLs named (default: all five)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mkdir -p "$WORK" "$LOGS" "$RES"
WANTED=("$@")
[[ ${#WANTED[@]} -gt 0 ]] || WANTED=(sqlx dbmate confiture squawk drizzle)
for tool in "${WANTED[@]}"; do rm -f "$RES/failed/$tool"; done

wanted() {
    local tool
    for tool in "${WANTED[@]}"; do [[ $tool == "$1" ]] && return 0; done
    return 1
}

# install TOOL CHECK_CMD INSTALL_CMD...: runs INSTALL_CMD unless CHECK_CMD already works.
install() {
    local tool=$1 check=$2
    shift 2
    local logfile=$LOGS/install-$tool.log
    if eval "$check" >/dev/null 2>&1; then
        log "$tool: already installed ($(eval "$check" 2>&1 | head -n 1))"
        return 0
    fi
    log "$tool: $*  (log: ${logfile#"$REPO_DIR"/})"
    if ! "$@" >"$logfile" 2>&1 || ! eval "$check" >/dev/null 2>&1; then
        mark_failed "$tool" "could not be installed with \`$*\`:
$(tail -n 25 "$logfile")"
        return 0
    fi
    log "$tool: installed ($(eval "$check" 2>&1 | head -n 1))"
}

install_dbmate() {
    mkdir -p "$WORK/node"
    [[ -f $WORK/node/package.json ]] || echo '{ "name": "plover-bench-peers", "private": true }' >"$WORK/node/package.json"
    npm install --prefix "$WORK/node" --no-audit --no-fund dbmate
}

install_drizzle() {
    mkdir -p "$WORK/node"
    [[ -f $WORK/node/package.json ]] || echo '{ "name": "plover-bench-peers", "private": true }' >"$WORK/node/package.json"
    npm install --prefix "$WORK/node" --no-audit --no-fund drizzle-multitenant drizzle-orm pg
}

install_confiture() {
    [[ -x $WORK/venv/bin/pip ]] || python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install fraiseql-confiture
}

install_squawk() {
    [[ -x $WORK/venv/bin/pip ]] || python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install squawk-cli
}

if wanted sqlx; then
    install sqlx "$SQLX --version" \
        cargo install sqlx-cli --no-default-features --features postgres --root "$WORK/cargo"
fi
wanted dbmate && install dbmate "$DBMATE --version" install_dbmate
wanted confiture && install confiture "$CONFITURE --version" install_confiture
wanted squawk && install squawk "$SQUAWK --version" install_squawk
wanted drizzle && install drizzle "node $DRIZZLE --version" install_drizzle
true
