#!/usr/bin/env bash
# reset_db.sh TOOL [--wait-quiet]: drops and recreates TOOL's scratch database, then
# checkpoints, so that every timed run starts from the same state (an empty database, no
# dirty buffers, and full-page writes starting over). With --wait-quiet it then waits for
# the rest of the machine to be idle (lib.sh's wait_for_quiet). Never timed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ $# -ge 1 && $# -le 2 ]] || die "usage: reset_db.sh TOOL [--wait-quiet]"
db=$(db_name "$1")
psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" -c 'CHECKPOINT'
if [[ ${2:-} == --wait-quiet ]]; then
    mkdir -p "$RES"
    wait_for_quiet "before a run on $db"
fi
