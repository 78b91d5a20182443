#!/usr/bin/env bash
# reset_db.sh TOOL: drops and recreates TOOL's scratch database, then checkpoints, so that
# every timed run starts from the same state (an empty database, no dirty buffers, and
# full-page writes starting over). Used as hyperfine's --prepare step; not timed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ $# -eq 1 ]] || die "usage: reset_db.sh TOOL"
db=$(db_name "$1")
psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" -c 'CHECKPOINT'
