#!/usr/bin/env bash
# Builds (once) the cached federation of TOTAL listings on PEERS nodes used by the other scripts, and exits.
#   bench/prepare.sh TOTAL PEERS
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$BENCH/federation.sh"
build_dotnet
t0=$SECONDS
federation_up "${1:?TOTAL}" "${2:?PEERS}"
log "federation $1/$2 ready in $((SECONDS - t0)) s (creation took $(cat "$FED_DIR/setup-seconds") s; cached in $FED_DIR)"
