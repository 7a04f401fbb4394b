#!/usr/bin/env bash
# Target 5: map site size and first render, reusing web/'s own scripts (npm run size, npm run perf:
# headless Chromium, 400 kbit/s, 400 ms RTT, cold cache, median of 3), first with web/'s 29-organisation
# fixture and then against the index of a bench federation (docs from bench/indexer-sync.sh TOTAL PEERS).
#   bench/web.sh [TOTAL=10000] [PEERS=10]     (TOTAL=0 skips the at-scale run)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOTAL=${1:-10000}; PEERS=${2:-10}
BENCH_CACHE="${BENCH_CACHE:-$ROOT/.data/bench}"
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_BIN:-}" ] || die "Chromium missing: apt-get install -y chromium"
MEILI=$(meili_bin); export MEILI_BIN="$MEILI"
new_tmp
RAW="$RESULTS/web"; mkdir -p "$RAW"
cd "$ROOT/web"
[ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null
npm run -s build -- --logLevel warn >/dev/null
npm run -s size >"$RAW/size.txt"
log "size: $(tail -4 "$RAW/size.txt" | tr '\n' ' ')"
log "first render with the fixture index (npm run perf)"
node e2e/harness.mjs --perf >"$RAW/perf-fixture.txt" 2>&1
grep '\[perf\]' "$RAW/perf-fixture.txt" >&2

if [ "$TOTAL" != 0 ]; then
  FED="$BENCH_CACHE/fed-$TOTAL-$PEERS"
  [ -f "$FED/docs.jsonl" ] || die "$FED/docs.jsonl missing: run bench/indexer-sync.sh $TOTAL $PEERS first"
  MPORT=$(free_port)
  if ! meili_from_cache "$FED" "$BENCH_TMP/meili" "$MPORT"; then
    KEY=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    start_meili "$BENCH_TMP/meili" "$MPORT" "$KEY"
    python3 "$BENCH/meili-load.py" "http://127.0.0.1:$MPORT" "$KEY" "$FED/docs.jsonl" "$FED/settings.json" 5000 pipeline >/dev/null
  fi
  MURL="http://127.0.0.1:$MPORT"
  SKEY=$(curl -fsS -X POST -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$MURL/keys" \
    -d '{"actions":["search"],"indexes":["organisations"],"expiresAt":null}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["key"])')
  # Does Meilisearch compress its answers? (the first query returns up to 10,000 places)
  curl -sS -o /dev/null -D "$RAW/meili-headers-$TOTAL.txt" -H 'Accept-Encoding: gzip, br' -H "Authorization: Bearer $SKEY" \
    -H 'Content-Type: application/json' "$MURL/multi-search" \
    -d '{"queries":[{"indexUid":"organisations","q":"","limit":10000,"attributesToRetrieve":["doc_id","listing_id","_geo","name","city","country","focus","languages","online","has_alerts"],"facets":["country","city","focus","languages"]}]}' \
    -w '%{size_download}\n' >"$RAW/initial-query-bytes-$TOTAL.txt"
  WPORT=$(free_port)
  echo "{\"meilisearchUrl\":\"$MURL\",\"searchKey\":\"$SKEY\",\"index\":\"organisations\",\"vocabularyUrl\":null,\"nodes\":[],\"tiles\":null}" >"$BENCH_TMP/config.json"
  node serve.mjs --port "$WPORT" --root dist --config "$BENCH_TMP/config.json" >"$BENCH_TMP/serve.log" 2>&1 &
  track $!
  wait_http "http://127.0.0.1:$WPORT/" 20
  log "first render against $TOTAL listings"
  ATLAS_WEB_URL="http://127.0.0.1:$WPORT" node e2e/harness.mjs --perf >"$RAW/perf-$TOTAL.txt" 2>&1 || log "perf at $TOTAL failed (see $RAW/perf-$TOTAL.txt)"
  grep '\[perf\]\|rror' "$RAW/perf-$TOTAL.txt" >&2 || true
fi
