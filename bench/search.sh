#!/usr/bin/env bash
# Target 4: search latency through the map site's path vs Meilisearch direct, on the documents the
# indexer produced in bench/indexer-sync.sh TOTAL PEERS (run that first; it leaves docs.jsonl in the cache).
#   bench/search.sh [TOTAL=10000] [PEERS=10]      env: N (requests per scenario and path, default 200; HEAVY_N = 40 for initial and text)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOTAL=${1:-10000}; PEERS=${2:-10}; N=${N:-200}
BENCH_CACHE="${BENCH_CACHE:-$ROOT/.data/bench}"
FED="$BENCH_CACHE/fed-$TOTAL-$PEERS"
[ -f "$FED/docs.jsonl" ] || die "$FED/docs.jsonl missing: run bench/indexer-sync.sh $TOTAL $PEERS first"
MEILI=$(meili_bin)
new_tmp
MPORT=$(free_port)
if meili_from_cache "$FED" "$BENCH_TMP/meili" "$MPORT"; then
  MURL="http://127.0.0.1:$MPORT"; echo '{"from":"indexer state of indexer-sync.sh"}' >"$BENCH_TMP/load.json"
else
  KEY=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  start_meili "$BENCH_TMP/meili" "$MPORT" "$KEY"
  MURL="http://127.0.0.1:$MPORT"
  log "loading $(wc -l <"$FED/docs.jsonl") documents"
  python3 "$BENCH/meili-load.py" "$MURL" "$KEY" "$FED/docs.jsonl" "$FED/settings.json" 5000 pipeline >"$BENCH_TMP/load.json"
fi
# The same search-only key `atlas-indexer search-key` creates: action search, this index only.
SKEY=$(curl -fsS -X POST -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$MURL/keys" \
  -d '{"name":"bench-map-search","description":"search-only (bench)","actions":["search"],"indexes":["organisations"],"expiresAt":null}' \
  | python3 -c 'import sys,json;print(json.load(sys.stdin)["key"])')

# nginx in front, routing like deploy/caddy's /search/: only POST multi-search and index search, key forced.
NPORT=$(free_port)
start_nginx "  upstream meili { server 127.0.0.1:$MPORT; keepalive 16; }
  server {
    listen 127.0.0.1:$NPORT;
    location = /search/multi-search {
      limit_except POST { deny all; }
      proxy_http_version 1.1; proxy_set_header Connection \"\";
      proxy_set_header Authorization \"Bearer $SKEY\";
      proxy_pass http://meili/multi-search;
    }
    location / { return 404; }
  }"
sleep 0.5
log "search latency, $N requests per scenario and path"
python3 "$BENCH/search.py" "$MURL" "$KEY" "$SKEY" "http://127.0.0.1:$NPORT/search" --n "$N" --heavy-n "${HEAVY_N:-40}" >"$BENCH_TMP/search.json"
MEILI_RSS=$(rss_mb "$MEILI_PID")
DISK=$(du -sm "$BENCH_TMP/meili/data.ms" | cut -f1)
python3 - "$BENCH_TMP/search.json" "$BENCH_TMP/load.json" "$RESULTS/search-$TOTAL-$PEERS.json" <<PY
import json, sys
s = json.load(open(sys.argv[1])); load = json.load(open(sys.argv[2]))
s.update({"machine": json.loads('''$(machine_json)'''), "total_listings": $TOTAL, "peers": $PEERS, "load": load,
          "meilisearch_rss_mb": $MEILI_RSS, "meilisearch_disk_mb": $DISK})
json.dump(s, open(sys.argv[3], "w"), indent=1)
for k, v in s["scenarios"].items():
    print(k, "p95 ms direct", v["direct"]["p95_ms"], "site", v["site"]["p95_ms"], "proxy", v.get("proxy", {}).get("p95_ms"))
PY
