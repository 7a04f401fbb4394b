#!/usr/bin/env bash
# Target 1: node change feed and listing fetch against nginx serving the same bytes as static files,
# and node memory with N listings.
#   bench/node-http.sh [LISTINGS=10000]
# Env: DURATION (s per wrk run, default 20), CONNECTIONS (64), THREADS (2), ROUNDS (2), FEED_BYTES (200000)
# Output: $RESULTS/node-http-<N>.json (+ raw wrk text next to it).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-10000}
DURATION=${DURATION:-20}; CONNECTIONS=${CONNECTIONS:-64}; THREADS=${THREADS:-2}; ROUNDS=${ROUNDS:-2}
FEED_BYTES=${FEED_BYTES:-200000}
command -v wrk >/dev/null || die "wrk is required (apt-get install -y wrk)"
command -v nginx >/dev/null || die "nginx is required (apt-get install -y nginx-light)"
build_dotnet
new_tmp
RAW="$RESULTS/node-http-$N"; mkdir -p "$RAW"

log "generating $N fictional organisations"
python3 "$BENCH/gen-orgs.py" bench01 "$N" "$BENCH_TMP/orgs.json"
PORT=$(free_port)
t0=$(date +%s.%N)
node_init "$BENCH_TMP/node" bench01 "$PORT" "$BENCH_TMP/orgs.json"
t1=$(date +%s.%N)
IMPORT_S=$(python3 -c "print(round($t1-$t0,2))")
log "init+import of $N listings: ${IMPORT_S}s"
node_serve "$BENCH_TMP/node" "$PORT"
BASE="http://127.0.0.1:$PORT"
wait_http "$BASE/.well-known/atlas-node"
sleep 2
RSS_IDLE=$(rss_mb "$NODE_PID")

# Warm-up: read the whole feed once (what a new indexer does).
python3 - "$BASE" <<'PY'
import json, sys, urllib.request
base, after = sys.argv[1], 0
while after is not None:
    page = json.load(urllib.request.urlopen(f"{base}/atlas/v1/changes?after={after}&limit=1000"))
    after = page["next"]
PY
RSS_AFTER_FEED=$(rss_mb "$NODE_PID")

# Pick a ~2 KB listing and a ~200 KB change page (fixed after/until so the bytes never change).
mkdir -p "$BENCH_TMP/www"
read -r LISTING_PATH FEED_PATH < <(python3 - "$BASE" "$FEED_BYTES" "$BENCH_TMP/www" <<'PY'
import json, sys, urllib.request
base, want, www = sys.argv[1], int(sys.argv[2]), sys.argv[3]
head = urllib.request.urlopen(f"{base}/atlas/v1/changes?after=0&limit=50").read()
page = json.loads(head)
until = page["until"]
sizes = [len(e["jws"]) for e in page["entries"]]
pick = min(page["entries"], key=lambda e: abs(len(e["jws"]) - 2048))
per = len(head) / len(page["entries"])
limit = max(1, min(1000, round(want / per)))
lp = f"/atlas/v1/listings/{pick['id']}"
fp = f"/atlas/v1/changes?after=0&until={until}&limit={limit}"
open(f"{www}/listing.jose", "wb").write(urllib.request.urlopen(base + lp).read())
open(f"{www}/changes.json", "wb").write(urllib.request.urlopen(base + fp).read())
print(lp, fp)
PY
)
LISTING_BYTES=$(stat -c %s "$BENCH_TMP/www/listing.jose"); FEED_BYTES_REAL=$(stat -c %s "$BENCH_TMP/www/changes.json")
curl -sS -D "$RAW/node-listing-headers.txt" -o /dev/null "$BASE$LISTING_PATH"
curl -sS -D "$RAW/node-feed-headers.txt" -o /dev/null "$BASE$FEED_PATH"
log "listing $LISTING_BYTES B ($LISTING_PATH), change page $FEED_BYTES_REAL B ($FEED_PATH)"

NGINX_PORT=$(free_port)
chmod a+rx "$BENCH_TMP" "$BENCH_TMP/www"; chmod a+r "$BENCH_TMP/www"/*   # nginx workers run as an unprivileged user
start_nginx "  sendfile on; tcp_nopush on; keepalive_requests 1000000; keepalive_timeout 65;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $BENCH_TMP/www;
    location = /listing { default_type application/jose; try_files /listing.jose =404; }
    location = /changes { default_type application/json; try_files /changes.json =404; }
  }"
wait_http "http://127.0.0.1:$NGINX_PORT/listing" 10
cmp -s <(curl -sS "http://127.0.0.1:$NGINX_PORT/listing") "$BENCH_TMP/www/listing.jose" || die "nginx serves other bytes"
cmp -s <(curl -sS "http://127.0.0.1:$NGINX_PORT/changes") <(curl -sS "$BASE$FEED_PATH") || die "node and nginx change pages differ"

run_wrk() { # name url
  local out="$RAW/$1.txt"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$2" >"$out" 2>&1
  python3 "$BENCH/parse-wrk.py" "$out"
}
# Warm both servers (JIT, page cache) before measuring.
wrk -t2 -c16 -d3s "$BASE$LISTING_PATH" >/dev/null; wrk -t2 -c16 -d3s "$BASE$FEED_PATH" >/dev/null
wrk -t2 -c16 -d2s "http://127.0.0.1:$NGINX_PORT/listing" >/dev/null
echo "[" >"$RAW/runs.json"; first=1
for round in $(seq 1 "$ROUNDS"); do
  for kind in listing feed; do
    if [ $kind = listing ]; then nurl="$BASE$LISTING_PATH"; xurl="http://127.0.0.1:$NGINX_PORT/listing";
    else nurl="$BASE$FEED_PATH"; xurl="http://127.0.0.1:$NGINX_PORT/changes"; fi
    # alternate which server goes first so drift in the background load hits both alike
    if ((round % 2)); then order="node nginx"; else order="nginx node"; fi
    for srv in $order; do
      url=$nurl; [ $srv = nginx ] && url=$xurl
      log "round $round: wrk $kind on $srv"
      j=$(run_wrk "$srv-$kind-r$round" "$url")
      ((first)) || echo "," >>"$RAW/runs.json"; first=0
      echo "{\"round\":$round,\"kind\":\"$kind\",\"server\":\"$srv\",\"load1\":$(cut -d' ' -f1 /proc/loadavg),\"wrk\":$j}" >>"$RAW/runs.json"
    done
  done
done
echo "]" >>"$RAW/runs.json"
RSS_AFTER=$(rss_mb "$NODE_PID"); HWM=$(hwm_mb "$NODE_PID")

# Same node, same load, with the workstation GC (DOTNET_gcServer=0): how much of the RSS is GC policy.
WKS="null"
if [ "${GC_COMPARE:-1}" = 1 ]; then
  stop_pid "$NODE_PID"
  DOTNET_gcServer=0 node_serve "$BENCH_TMP/node" "$PORT"
  wait_http "$BASE/.well-known/atlas-node"; sleep 2
  W_IDLE=$(rss_mb "$NODE_PID")
  wrk -t2 -c16 -d3s "$BASE$LISTING_PATH" >/dev/null
  wl=$(run_wrk "node-wks-listing" "$BASE$LISTING_PATH"); xl=$(run_wrk "nginx-wks-listing" "http://127.0.0.1:$NGINX_PORT/listing")
  wf=$(run_wrk "node-wks-feed" "$BASE$FEED_PATH"); xf=$(run_wrk "nginx-wks-feed" "http://127.0.0.1:$NGINX_PORT/changes")
  WKS="{\"rss_idle_mb\":$W_IDLE,\"rss_after_load_mb\":$(rss_mb "$NODE_PID"),\"peak_hwm_mb\":$(hwm_mb "$NODE_PID"),\"listing\":{\"node\":$wl,\"nginx\":$xl},\"feed\":{\"node\":$wf,\"nginx\":$xf}}"
fi

python3 - "$RAW/runs.json" "$RESULTS/node-http-$N.json" <<PY
import json, statistics, sys
runs = json.load(open(sys.argv[1]))
summary = {}
for kind in ("listing", "feed"):
    r = {}
    for srv in ("node", "nginx"):
        xs = [x["wrk"] for x in runs if x["kind"] == kind and x["server"] == srv]
        r[srv] = {"requests_per_s_median": statistics.median(x["requests_per_s"] for x in xs),
                  "p99_ms_median": statistics.median(x["percentiles_ms"]["p99"] for x in xs),
                  "p50_ms_median": statistics.median(x["percentiles_ms"]["p50"] for x in xs),
                  "non_2xx": sum(x.get("non_2xx", 0) for x in xs)}
    # ratio per round (side by side), then the median of the ratios
    ratios = []
    for rnd in sorted({x["round"] for x in runs}):
        n = [x["wrk"]["requests_per_s"] for x in runs if x["kind"] == kind and x["server"] == "node" and x["round"] == rnd][0]
        g = [x["wrk"]["requests_per_s"] for x in runs if x["kind"] == kind and x["server"] == "nginx" and x["round"] == rnd][0]
        ratios.append(n / g)
    r["ratio_node_over_nginx_per_round"] = [round(x, 3) for x in ratios]
    r["ratio_node_over_nginx_median"] = round(statistics.median(ratios), 3)
    summary[kind] = r
out = {
  "machine": json.loads('''$(machine_json)'''),
  "listings": $N, "import_seconds": $IMPORT_S,
  "listing_path": "$LISTING_PATH", "listing_bytes": $LISTING_BYTES,
  "feed_path": "$FEED_PATH", "feed_bytes": $FEED_BYTES_REAL,
  "wrk": {"threads": $THREADS, "connections": $CONNECTIONS, "duration_s": $DURATION, "rounds": $ROUNDS},
  "node_rss_mb": {"idle_after_start": $RSS_IDLE, "after_full_feed_read": $RSS_AFTER_FEED, "after_load": $RSS_AFTER, "peak_hwm": $HWM},
  "summary": summary, "runs": runs,
  "workstation_gc": json.loads('''$WKS'''),
}
json.dump(out, open(sys.argv[2], "w"), indent=1)
print(json.dumps({k: out[k] for k in ("listings", "listing_bytes", "feed_bytes", "node_rss_mb")}))
for k, v in summary.items():
    print(k, "node", v["node"], "nginx", v["nginx"], "ratio", v["ratio_node_over_nginx_median"])
PY
