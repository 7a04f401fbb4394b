#!/usr/bin/env bash
# Soak: a node under read and submission load (proof of work solved per submission, every submission approved, so
# listings are signed and pushed), an indexer syncing it (poll + push) into Meilisearch. Every SAMPLE_S seconds the
# RSS, open file descriptors and thread count of every process (node, indexer, Meilisearch) go to
# $RESULTS/soak-<stamp>.csv; at the end a summary (first/last/max and slope per hour per process) to
# $RESULTS/soak-<stamp>.md/.json, and a check that search converged to the node's listings.
#   bench/soak.sh [DURATION_S=1800]
# Env: SAMPLE_S (10), READ_RPS (20, total), SUBMIT_INTERVAL (2 s between submissions), POW_BITS (16),
#      WARMUP_S (120: slopes are computed after it), POLL (00:00:30), CONFIGURATION (Release), SKIP_BUILD.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DURATION=${1:-1800}
SAMPLE_S=${SAMPLE_S:-10}; READ_RPS=${READ_RPS:-20}; SUBMIT_INTERVAL=${SUBMIT_INTERVAL:-2}; POW_BITS=${POW_BITS:-16}
WARMUP_S=${WARMUP_S:-120}; POLL=${POLL:-00:00:30}
[[ "$DURATION" =~ ^[0-9]+$ ]] && ((DURATION >= 30)) || die "DURATION_S is a whole number of seconds ≥ 30"
build_dotnet
new_tmp
MEILI=$(meili_bin); [ -x "$MEILI" ] || die "no Meilisearch binary (set MEILI_BIN)"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
CSV="$RESULTS/soak-$STAMP.csv"

MPORT=$(free_port); KEY=$(python3 -c 'import secrets;print(secrets.token_urlsafe(24))')
start_meili "$BENCH_TMP/meili" "$MPORT" "$KEY"
NPORT=$(free_port); IPORT=$(free_port)
node_init "$BENCH_TMP/node" soak "$NPORT" "$ROOT/deploy/local/sample/berlin.json"
TOKEN=$(cat "$BENCH_TMP/node.token")
export ProofOfWork__Bits="$POW_BITS" RateLimiting__Submissions__PermitLimit=100000
node_serve "$BENCH_TMP/node" "$NPORT" "http://127.0.0.1:$IPORT"
NBASE="http://127.0.0.1:$NPORT"
wait_http "$NBASE/health/ready"

export Indexer__Database="$BENCH_TMP/indexer.db" Indexer__MeilisearchUrl="http://127.0.0.1:$MPORT" Indexer__MeilisearchKey="$KEY" \
  Indexer__Index=soak Indexer__PollInterval="$POLL" Indexer__MaxNewOrganisationsPerNodePerDay=1000000
dotnet "$IDX_DLL" peers add "$NBASE" --root "$(root_kid "$NBASE")" >"$BENCH_TMP/peers.log"
dotnet "$IDX_DLL" run --urls "http://127.0.0.1:$IPORT" >"$BENCH_TMP/indexer.log" 2>&1 &
IDX_PID=$!; track "$IDX_PID"
wait_http "http://127.0.0.1:$IPORT/health/live"

log "soak for ${DURATION}s: node $NODE_PID, indexer $IDX_PID, meilisearch $MEILI_PID; samples every ${SAMPLE_S}s → $CSV"
python3 "$BENCH/soak-load.py" "$NBASE" "$TOKEN" "$DURATION" "$READ_RPS" "$SUBMIT_INTERVAL" >"$BENCH_TMP/load.json" 2>"$BENCH_TMP/load.err" &
LOAD_PID=$!; track "$LOAD_PID"

sample() { # t name pid
  local t=$1 name=$2 pid=$3
  kill -0 "$pid" 2>/dev/null || die "$name (pid $pid) is gone; see $BENCH_TMP (KEEP_TMP=1 keeps it)"
  local rss threads fds
  rss=$(rss_mb "$pid"); threads=$(awk '/^Threads/ {print $2}' "/proc/$pid/status"); fds=$(ls "/proc/$pid/fd" | wc -l)
  echo "$t,$name,$pid,$rss,$fds,$threads" >>"$CSV"
}
echo "t_s,process,pid,rss_mb,fds,threads" >"$CSV"
START=$SECONDS
while kill -0 "$LOAD_PID" 2>/dev/null; do
  t=$((SECONDS - START))
  sample "$t" node "$NODE_PID"; sample "$t" indexer "$IDX_PID"; sample "$t" meilisearch "$MEILI_PID"
  sleep "$SAMPLE_S"
done
wait "$LOAD_PID" || die "load generator failed: $(cat "$BENCH_TMP/load.err")"
t=$((SECONDS - START)); sample "$t" node "$NODE_PID"; sample "$t" indexer "$IDX_PID"; sample "$t" meilisearch "$MEILI_PID"
log "load: $(cat "$BENCH_TMP/load.json")"

# Convergence: every listing the node publishes ends up in search (push plus a flush; the poll as a fallback).
WANT=$(curl -fsS "$NBASE/atlas/v1/head" | python3 -c 'import sys,json,base64;p=sys.stdin.read().split(".")[1];print(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["count"])')
GOT=0
for _ in $(seq 1 120); do
  GOT=$(curl -fsS -H "Authorization: Bearer $KEY" "http://127.0.0.1:$MPORT/indexes/soak/stats" | python3 -c 'import sys,json;print(json.load(sys.stdin)["numberOfDocuments"])')
  [ "$GOT" -ge "$WANT" ] && break
  sleep 1
done
python3 - "$BENCH_TMP/load.json" "$WANT" "$GOT" <<'PY'
import json, sys
load = json.load(open(sys.argv[1])); load["head_count"] = int(sys.argv[2]); load["documents_in_search"] = int(sys.argv[3])
json.dump(load, open(sys.argv[1], "w"))
PY
python3 "$BENCH/soak-summary.py" "$CSV" "$RESULTS/soak-$STAMP.json" "$RESULTS/soak-$STAMP.md" "$WARMUP_S" "$BENCH_TMP/load.json"
[ "$GOT" -ge "$WANT" ] || die "search holds $GOT documents, the node's head counts $WANT listings"
log "done: $RESULTS/soak-$STAMP.md"
