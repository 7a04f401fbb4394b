#!/usr/bin/env bash
# Target 2 (and 6): full sync of TOTAL listings from PEERS nodes into an empty Meilisearch, against a direct
# bulk load of the same documents (same settings, same batch size, each batch waited for like the indexer does).
#   bench/indexer-sync.sh [TOTAL=10000] [PEERS=10]
# Output: $RESULTS/indexer-sync-<TOTAL>-<PEERS>.json, raw logs in $RESULTS/indexer-sync-<TOTAL>-<PEERS>/
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$BENCH/federation.sh"
TOTAL=${1:-10000}; PEERS=${2:-10}
# The direct load's batch (5000 documents, as in every earlier run, so its figures stay comparable). The indexer flushes
# with its own default (Indexer:FlushBatchSize, 2500 since §12.8) unless INDEXER_BATCH is given.
BATCH=${BATCH:-5000}
INDEXER_BATCH=${INDEXER_BATCH:-}
build_dotnet
[ -n "${SKIP_BUILD:-}" ] || dotnet build "$BENCH/Atlas.Bench" -c "$CONFIGURATION" -nologo -v q -clp:ErrorsOnly >/dev/null
BENCH_DLL="$ROOT/artifacts/bin/Atlas.Bench/${CONFIGURATION,,}/Atlas.Bench.dll"
MEILI=$(meili_bin)
new_tmp
RAW="$RESULTS/indexer-sync-$TOTAL-$PEERS"; rm -rf "$RAW"; mkdir -p "$RAW"

federation_up "$TOTAL" "$PEERS"
KEY=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
MPORT=$(free_port)
start_meili "$BENCH_TMP/meili-a" "$MPORT" "$KEY"
MURL="http://127.0.0.1:$MPORT"

export Indexer__Database="$BENCH_TMP/indexer.db" Indexer__MeilisearchUrl="$MURL" Indexer__MeilisearchKey="$KEY"
export Indexer__MaxNewOrganisationsPerNodePerDay=1000000
[ -z "$INDEXER_BATCH" ] || export Indexer__FlushBatchSize="$INDEXER_BATCH"
export Logging__LogLevel__Atlas=Information Logging__Console__FormatterName=simple Logging__Console__FormatterOptions__SingleLine=true
for i in "${!NODE_URLS[@]}"; do
  dotnet "$IDX_DLL" peers add "${NODE_URLS[$i]}" --root "$(root_kid "${NODE_URLS[$i]}")" >>"$RAW/peers.log"
done

# 1. Raw fetch: every change page of every node, as the indexer asks for them (1000 entries a page,
#    MaxConcurrentPeers=4 at a time), saved for the verify harness. Node-side cost + transfer only.
python3 - "$BENCH_TMP/pages" "${NODE_URLS[@]}" >"$RAW/fetch.json" <<'PY'
import concurrent.futures, json, os, sys, time, urllib.request
out, urls = sys.argv[1], sys.argv[2:]
def fetch(base):
    ks = urllib.request.urlopen(base + "/atlas/v1/keyset").read()
    payload = json.loads(ks)["payload"]
    import base64
    p = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    d = os.path.join(out, p["iss"]); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "keyset.json"), "wb").write(ks)
    open(os.path.join(d, "root-kid.txt"), "w").write(p["roots"][0]["kid"])
    t0 = time.monotonic(); after, n, size, entries = 0, 0, 0, 0
    while after is not None:
        b = urllib.request.urlopen(f"{base}/atlas/v1/changes?after={after}&limit=1000").read()
        page = json.loads(b); n += 1; size += len(b); entries += len(page["entries"])
        open(os.path.join(d, f"page-{n:05d}.json"), "wb").write(b)
        after = page["next"]
    return time.monotonic() - t0, n, size, entries
t0 = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(4) as ex:
    res = list(ex.map(fetch, urls))
print(json.dumps({"wall_seconds": time.monotonic() - t0, "pages": sum(r[1] for r in res), "bytes": sum(r[2] for r in res),
                  "entries": sum(r[3] for r in res), "per_node_seconds": [round(r[0], 3) for r in res]}))
PY
log "raw fetch: $(cat "$RAW/fetch.json")"

# 2. CPU cost of parse + ES256 verify + head root on the same pages (single thread, best of 3).
dotnet "$BENCH_DLL" verify "$BENCH_TMP/pages" --repeat 3 >"$RAW/verify.json"
log "verify harness: $(cat "$RAW/verify.json")"

# 3. The indexer: one full sync into the empty Meilisearch, then flush (what `sync --once` does).
log "indexer sync --once: $TOTAL listings from $PEERS node(s)"
# CPU used by Meilisearch and the nodes during the sync (deltas; the indexer's comes from /usr/bin/time): on a machine
# with few cores their sum bounds the sync's wall time from below, whatever the indexer overlaps.
MEILI_CPU_0=$(cpu_s "$MEILI_PID"); NODES_CPU_0=$(cpu_sum_s "${NODE_PIDS[@]}")
/usr/bin/time -f '%e %M %U %S' -o "$RAW/indexer-time.txt" dotnet "$IDX_DLL" sync --once 2>&1 | python3 "$BENCH/tslines.py" >"$RAW/indexer.log" &
SYNC_JOB=$!
# RSS trace, one sample a second: seconds since start, VmRSS, RssAnon, RssFile (kB) — where the peak falls (sync
# phase or flush) and whether it is the heap (anon) or mapped files (the runtime's own DLLs are ~60 MB of it).
rss_trace "^dotnet $IDX_DLL sync --once" >"$RAW/indexer-rss.txt" &
wait "$SYNC_JOB"
read -r IDX_WALL IDX_MAXRSS_KB IDX_USER IDX_SYS <"$RAW/indexer-time.txt"
MEILI_RSS_A=$(hwm_mb "$MEILI_PID")
MEILI_CPU_A=$(cpu_delta "$(cpu_s "$MEILI_PID")" "$MEILI_CPU_0"); NODES_CPU_A=$(cpu_delta "$(cpu_sum_s "${NODE_PIDS[@]}")" "$NODES_CPU_0")
log "indexer wall ${IDX_WALL}s"
stats=$(curl -fsS -H "Authorization: Bearer $KEY" "$MURL/indexes/organisations/stats")
DOCS=$(echo "$stats" | python3 -c 'import sys,json;print(json.load(sys.stdin)["numberOfDocuments"])')
log "documents in index: $DOCS"

# Keep the synced state (indexer database + Meilisearch data) for incremental.sh / search.sh / web.sh.
stop_pid "$MEILI_PID"
rm -rf "$FED_DIR/synced"; mkdir -p "$FED_DIR/synced"
cp -a "$BENCH_TMP/meili-a/data.ms" "$FED_DIR/synced/"; cp "$BENCH_TMP/indexer.db" "$FED_DIR/synced/"
echo "$KEY" >"$FED_DIR/synced/key"
start_meili "$BENCH_TMP/meili-a" "$MPORT" "$KEY"

# 3b. Rebuild from the indexer's own state (document build + load into a new index + swap; no fetch, no verify).
REINDEX_WALL=None
if ((TOTAL <= ${REINDEX_MAX:-10000})); then
  /usr/bin/time -f '%e' -o "$RAW/reindex-time.txt" dotnet "$IDX_DLL" reindex 2>&1 | python3 "$BENCH/tslines.py" >"$RAW/reindex.log"
  REINDEX_WALL=$(cat "$RAW/reindex-time.txt")
fi
log "reindex wall ${REINDEX_WALL}s"

# 4. Export the very documents and settings the indexer wrote.
python3 - "$MURL" "$KEY" "$BENCH_TMP/docs.jsonl" "$BENCH_TMP/settings.json" <<'PY'
import json, sys, urllib.request
url, key, out, sout = sys.argv[1:]
def get(p):
    return json.load(urllib.request.urlopen(urllib.request.Request(url + p, headers={"Authorization": "Bearer " + key})))
s = get("/indexes/organisations/settings")
keep = ["searchableAttributes", "filterableAttributes", "sortableAttributes", "faceting", "pagination", "displayedAttributes",
        "rankingRules", "stopWords", "synonyms", "distinctAttribute", "typoTolerance"]
json.dump({k: s[k] for k in keep if k in s}, open(sout, "w"))
with open(out, "w") as f:
    offset = 0
    while True:
        page = get(f"/indexes/organisations/documents?limit=10000&offset={offset}")
        for d in page["results"]:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
        offset += len(page["results"])
        if not page["results"] or offset >= page["total"]:
            break
PY
cp "$BENCH_TMP/docs.jsonl" "$BENCH_TMP/settings.json" "$FED_DIR/"   # reused by bench/search.sh
curl -fsS -H "Authorization: Bearer $KEY" "$MURL/tasks?limit=1000" >"$RAW/meili-tasks.json" || true
stop_pid "$MEILI_PID"

# 5. Direct bulk load into a fresh, empty Meilisearch: same documents, same settings, batches of $BATCH,
#    each batch waited for (the indexer's flush does the same), and a pipelined variant (all batches
#    enqueued, then wait for the last) on a second fresh instance.
MPORT=$(free_port)
start_meili "$BENCH_TMP/meili-b" "$MPORT" "$KEY"
MEILI_CPU_0=$(cpu_s "$MEILI_PID")
python3 "$BENCH/meili-load.py" "http://127.0.0.1:$MPORT" "$KEY" "$BENCH_TMP/docs.jsonl" "$BENCH_TMP/settings.json" "$BATCH" wait >"$RAW/direct-wait.json"
MEILI_RSS_B=$(hwm_mb "$MEILI_PID")
MEILI_CPU_B=$(cpu_delta "$(cpu_s "$MEILI_PID")" "$MEILI_CPU_0")
stop_pid "$MEILI_PID"
MPORT=$(free_port)
start_meili "$BENCH_TMP/meili-c" "$MPORT" "$KEY"
MEILI_CPU_0=$(cpu_s "$MEILI_PID")
python3 "$BENCH/meili-load.py" "http://127.0.0.1:$MPORT" "$KEY" "$BENCH_TMP/docs.jsonl" "$BENCH_TMP/settings.json" "$BATCH" pipeline >"$RAW/direct-pipeline.json"
MEILI_CPU_C=$(cpu_delta "$(cpu_s "$MEILI_PID")" "$MEILI_CPU_0")
stop_pid "$MEILI_PID"
log "direct (wait per batch): $(cat "$RAW/direct-wait.json")"
log "direct (pipelined): $(cat "$RAW/direct-pipeline.json")"

cat >"$RAW/meta.json" <<JSON
{"machine": $(machine_json), "total": $TOTAL, "peers": $PEERS, "batch": $BATCH, "indexer_batch": "${INDEXER_BATCH:-default}", "docs": $DOCS,
 "setup_seconds": "$(cat "$FED_DIR/setup-seconds")", "idx_wall": $IDX_WALL, "idx_user": $IDX_USER, "idx_sys": $IDX_SYS,
 "idx_maxrss_kb": $IDX_MAXRSS_KB, "meili_rss_a": $MEILI_RSS_A, "meili_rss_b": $MEILI_RSS_B,
 "reindex_wall": $( [ "$REINDEX_WALL" = None ] && echo null || echo "$REINDEX_WALL"),
 "cores": $(nproc), "cpu_s": {"meili_sync": $MEILI_CPU_A, "nodes_sync": $NODES_CPU_A, "meili_direct_wait": $MEILI_CPU_B, "meili_direct_pipelined": $MEILI_CPU_C}}
JSON
python3 "$BENCH/sync-summary.py" "$RAW" "$RESULTS/indexer-sync-$TOTAL-$PEERS.json"
