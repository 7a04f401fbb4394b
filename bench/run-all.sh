#!/usr/bin/env bash
# Runs every benchmark and writes bench/results/*.json plus bench/results/summary.md.
#   bench/run-all.sh [MAX=10000]
# MAX is the size knob: the largest federation (listings) to build. Full sync is measured at 1,000,
# 10,000 and 100,000 listings (each size ≤ MAX) on 10 nodes, and at 10,000 listings on 1, 10 and 50
# nodes (PEER_COUNTS); freshness, search and the map site at scale run on the largest size.
# Env knobs: PEER_COUNTS ("1 10 50"), DURATION/ROUNDS (wrk), N (search requests), POLL (s),
#            ONLY ("node sync peers incremental search web signed probes meili": subset to run).
# Needs: .NET 10 SDK, python3, curl, npm/node, wrk, nginx, chromium (apt-get install -y wrk nginx-light chromium).
# Takes (2 shared cores): ~10 min at MAX=10000, ~45 min at MAX=100000 (+ ~10 min to build the 100k federation once).
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MAX=${1:-10000}
PEER_COUNTS=${PEER_COUNTS:-"1 10 50"}
ONLY=${ONLY:-"node sync peers incremental search web signed probes meili"}
want() { [[ " $ONLY " == *" $1 "* ]]; }
dotnet build "$BENCH/../api/Atlas.Api.csproj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
dotnet build "$BENCH/../indexer/Atlas.Indexer.csproj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
dotnet build "$BENCH/Atlas.Bench" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
export SKIP_BUILD=1
LARGEST=1000
for n in 1000 10000 100000; do ((n <= MAX)) && LARGEST=$n; done
want node && "$BENCH/node-http.sh" $((MAX < 10000 ? MAX : 10000))
if want sync; then
  for n in 1000 10000 100000; do ((n <= MAX)) && "$BENCH/indexer-sync.sh" "$n" 10; done
fi
if want peers && ((MAX >= 10000)); then
  for p in $PEER_COUNTS; do [ "$p" = 10 ] || "$BENCH/indexer-sync.sh" 10000 "$p"; done
fi
want incremental && "$BENCH/incremental.sh" "$LARGEST" 10
want search && "$BENCH/search.sh" "$LARGEST" 10
want web && "$BENCH/web.sh" "$LARGEST" 10
want signed && "$BENCH/signed-index-cost.sh" "$LARGEST"
want meili && "$BENCH/meili-small-write.sh" # §14.1: a one-document write against Meilisearch's indexing memory
if want probes; then # §12.8: the indexer's memory with its default flush batch against the former 5000
  "$BENCH/sync-probe.sh" "$LARGEST" 10 default
  "$BENCH/sync-probe.sh" "$LARGEST" 10 batch5000 Indexer__FlushBatchSize=5000
fi
python3 "$BENCH/summarize.py" "${RESULTS:-$BENCH/results}" >"${RESULTS:-$BENCH/results}/summary.md"
cat "${RESULTS:-$BENCH/results}/summary.md"
