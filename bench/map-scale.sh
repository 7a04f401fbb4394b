#!/usr/bin/env bash
# Issue 11 targets, old map design beside new in one run: first answer size and server time, a model of first
# results on the 400 kbit/s / 400 ms profile, places drawn and organisations counted vs the truth, pan/zoom p95.
# Generated documents (web/e2e/bigindex.mjs) loaded straight into a fresh Meilisearch with the indexer's settings.
#   bench/map-scale.sh [PLACES=2000] [PANS=100]      e.g. bench/map-scale.sh 100000; bench/map-scale.sh 1000000
# Run the large sizes only on an idle machine (uptime load < 1.0); results in bench/results/map-scale-PLACES.json.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PLACES=${1:-2000}; PANS=${2:-100}
MEILI=$(meili_bin)
new_tmp
MPORT=$(free_port)
KEY=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
start_meili "$BENCH_TMP/meili" "$MPORT" "$KEY"
[ -d "$ROOT/web/node_modules" ] || (cd "$ROOT/web" && npm ci --no-audit --no-fund >/dev/null)
log "generating and loading $PLACES places, then measuring (old design beside new)"
node "$BENCH/map-scale.mjs" "http://127.0.0.1:$MPORT" "$KEY" "$PLACES" --load --pans "$PANS" >"$BENCH_TMP/out.json"
python3 - "$BENCH_TMP/out.json" "$RESULTS/map-scale-$PLACES.json" <<PY
import json, sys
s = json.load(open(sys.argv[1]))
s["machine"] = json.loads('''$(machine_json)''')
s["meilisearch_rss_mb"] = $(rss_mb "$MEILI_PID")
json.dump(s, open(sys.argv[2], "w"), indent=1)
for d in ("old", "new"):
    f = s[d]["first"]
    print(d, "first answer", f["sentKB"], "KB sent,", f["serverMs"], "ms server, first results (model)", f["firstResultsModelMs"], "ms;",
          "places drawn", s[d]["placesDrawn"], "of", s["places"], "; organisations", s[d]["organisationsCounted"], "of", s["organisations"])
print("new pan/zoom p95 ms", s["new"]["panZoom"]["p95Ms"])
PY
