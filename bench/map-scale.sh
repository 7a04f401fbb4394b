#!/usr/bin/env bash
# Issue 11 targets, old map design beside new in one run: first answer size and server time, a model of first
# results on the 400 kbit/s / 400 ms profile, places drawn and organisations counted vs the truth, pan/zoom p95.
# Generated documents (web/e2e/bigindex.mjs) loaded straight into a fresh Meilisearch with the indexer's settings.
#   bench/map-scale.sh [PLACES=2000] [PANS=100]      e.g. bench/map-scale.sh 100000; bench/map-scale.sh 1000000
# Run the large sizes only on an idle machine (uptime load < 1.0); results in bench/results/map-scale-PLACES.json.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# MAP_DIR=DIR keeps the loaded index in DIR/map-PLACES and reuses it (load once, e.g. the 1,000,000 documents while the
# machine is busy, with LOAD_ONLY=1; measure later on an idle machine). Without it everything is in a temporary dir.
PLACES=${1:-2000}; PANS=${2:-100}
MEILI=$(meili_bin)
new_tmp
MPORT=$(free_port)
if [ -n "${MAP_DIR:-}" ]; then
  MDIR="$MAP_DIR/map-$PLACES"; mkdir -p "$MDIR"
  [ -f "$MDIR/key" ] || head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$MDIR/key"
  KEY=$(cat "$MDIR/key")
else
  MDIR="$BENCH_TMP/meili"; KEY=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
fi
start_meili "$MDIR" "$MPORT" "$KEY"
[ -d "$ROOT/web/node_modules" ] || (cd "$ROOT/web" && npm ci --no-audit --no-fund >/dev/null)
LOAD=--load; [ -f "$MDIR/loaded" ] && LOAD=""
NODE_MEM=--max-old-space-size=$((PLACES >= 500000 ? 12000 : 4000))
if [ "${LOAD_ONLY:-0}" = 1 ]; then
  [ -z "$LOAD" ] && { log "already loaded: $MDIR"; exit 0; }
  log "generating and loading $PLACES places into $MDIR (no measurement)"
  node $NODE_MEM "$BENCH/map-scale.mjs" "http://127.0.0.1:$MPORT" "$KEY" "$PLACES" --load-only && touch "$MDIR/loaded"
  exit
fi
log "${LOAD:+generating and loading $PLACES places, then }measuring (old design beside new)"
node $NODE_MEM "$BENCH/map-scale.mjs" "http://127.0.0.1:$MPORT" "$KEY" "$PLACES" $LOAD --pans "$PANS" >"$BENCH_TMP/out.json"
[ -n "$LOAD" ] && [ -n "${MAP_DIR:-}" ] && touch "$MDIR/loaded"
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
