#!/usr/bin/env bash
# Target 3: freshness on a running federation (a copy of the cached one, so the cache stays pristine).
#   bench/incremental.sh [TOTAL=10000] [PEERS=10]
# Node 1 pushes to the indexer (Node__NotifyUrls__0); node 2 does not (poll only).
# Env: WARMUP (3 unmeasured edits first; 0 = measure a cold Meilisearch), EDITS (100), EDIT_RATE (edits/s, 0 = back to back), TAKEDOWNS (20), POLL_TAKEDOWNS (10),
#      MIXED_TAKEDOWNS (10: takedowns on node 1 while MIXED_EDITS edits at MIXED_RATE/s stream on it, the case the
#      removal lane exists for; 0 skips the phase), MIXED_EDITS (60), MIXED_RATE (2),
#      POLL (indexer poll interval, s, default 30), PAUSE (s between phases so the push rate limit of
#      120/min starts fresh, default 61)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$BENCH/federation.sh"
TOTAL=${1:-10000}; PEERS=${2:-10}
EDITS=${EDITS:-100}; EDIT_RATE=${EDIT_RATE:-0}; TAKEDOWNS=${TAKEDOWNS:-20}; POLL_TAKEDOWNS=${POLL_TAKEDOWNS:-10}
MIXED_TAKEDOWNS=${MIXED_TAKEDOWNS:-10}; MIXED_EDITS=${MIXED_EDITS:-60}; MIXED_RATE=${MIXED_RATE:-2}
POLL=${POLL:-30}; PAUSE=${PAUSE:-61}
((PEERS >= 2)) || die "needs at least 2 peers (one pushing, one poll-only)"
command -v caddy >/dev/null || die "caddy is not installed (the bench searches through deploy/caddy): apt-get install -y caddy (tests/run.sh installs it)"
build_dotnet
MEILI=$(meili_bin)
new_tmp
RAW="$RESULTS/incremental-$TOTAL-$PEERS"; rm -rf "$RAW"; mkdir -p "$RAW"
IPORT=$(free_port)

# Serve a copy of the cached federation: edits and takedowns must not leak into later benchmarks.
federation_up "$TOTAL" "$PEERS" "" >/dev/null
for p in "${NODE_PIDS[@]}"; do stop_pid "$p"; done
mkdir -p "$BENCH_TMP/fed"
for f in "$FED_DIR"/*; do case "$(basename "$f")" in synced|docs.jsonl|settings.json) ;; *) cp -a "$f" "$BENCH_TMP/fed/" ;; esac; done
i=0; NODE_URLS=(); NODE_DIRS=()
while read -r id port; do
  i=$((i + 1)); n=""; [ "$i" = 1 ] && n="http://127.0.0.1:$IPORT"
  node_serve "$BENCH_TMP/fed/$id" "$port" "$n"
  NODE_URLS+=("http://127.0.0.1:$port"); NODE_DIRS+=("$BENCH_TMP/fed/$id")
done <"$BENCH_TMP/fed/nodes.txt"
for u in "${NODE_URLS[@]}"; do wait_http "$u/.well-known/atlas-node" 180; done

MPORT=$(free_port)
export Indexer__Database="$BENCH_TMP/indexer.db" Indexer__MaxNewOrganisationsPerNodePerDay=1000000 Indexer__PollInterval="00:00:$(printf %02d "$POLL")"
if meili_from_cache "$FED_DIR" "$BENCH_TMP/meili" "$MPORT"; then
  # Start from the state bench/indexer-sync.sh left (same nodes, same ports): no 100k re-sync needed.
  cp "$FED_DIR/synced/indexer.db" "$BENCH_TMP/indexer.db"
  FROM_CACHE=true
else
  KEY=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  start_meili "$BENCH_TMP/meili" "$MPORT" "$KEY"
  FROM_CACHE=false
fi
MURL="http://127.0.0.1:$MPORT"
export Indexer__MeilisearchUrl="$MURL" Indexer__MeilisearchKey="$KEY"
if [ "$FROM_CACHE" = false ]; then
  for u in "${NODE_URLS[@]}"; do dotnet "$IDX_DLL" peers add "$u" --root "$(root_kid "$u")" >>"$RAW/peers.log"; done
fi
log "initial sync of $TOTAL listings (state from cache: $FROM_CACHE)"
dotnet "$IDX_DLL" sync --once >"$RAW/initial-sync.log" 2>&1
# Process substitution, so that $! is the indexer itself (a pipeline's $! is its last element, and stopping
# only the log timestamper would leave the indexer running).
Logging__LogLevel__Atlas=Information dotnet "$IDX_DLL" run --urls "http://127.0.0.1:$IPORT" > >(python3 "$BENCH/tslines.py" >"$RAW/indexer.log") 2>&1 &
IDX_PID=$!; track "$IDX_PID"
wait_http "http://127.0.0.1:$IPORT/health/ready" 60
# The map site searches through the proxy (deploy/caddy, one pair): every search carries the indexer's tenant token, so
# what is measured is what the site shows (a takedown is filtered out before Meilisearch deletes it).
SPORT=$(free_port)
mkdir -p "$BENCH_TMP/caddy/site"
echo '<!doctype html><title>atlas</title>' >"$BENCH_TMP/caddy/site/index.html"
HOME="$BENCH_TMP/caddy" XDG_DATA_HOME="$BENCH_TMP/caddy" XDG_CONFIG_HOME="$BENCH_TMP/caddy" \
  ATLAS_SITE_DOMAIN="http://127.0.0.1:$SPORT" ATLAS_NODE_DOMAIN="http://127.0.0.1:$(free_port)" \
  ATLAS_HEALTH_ADDR="127.0.0.1:$(free_port)" ATLAS_SITE_ROOT="$BENCH_TMP/caddy/site" ATLAS_PAIR_A_PORT="$(free_port)" \
  ATLAS_MEILI_UPSTREAM="127.0.0.1:$MPORT" ATLAS_INDEXER_UPSTREAM="127.0.0.1:$IPORT" ATLAS_NODE_UPSTREAM="127.0.0.1:9" \
  caddy run --config "$ROOT/deploy/caddy/Caddyfile" --adapter caddyfile >"$RAW/caddy.log" 2>&1 &
track $!
SEARCH="http://127.0.0.1:$SPORT/search"
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' --data '{"queries":[]}' "$SEARCH/multi-search" && break
  sleep 0.2
done
curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' --data '{"queries":[]}' "$SEARCH/multi-search" || die "the proxy does not answer searches"
# The indexer applies the index settings at start (a changed setting re-indexes): measure from an idle queue.
for _ in $(seq 1 600); do
  busy=$(curl -fsS -H "Authorization: Bearer $KEY" "$MURL/tasks?statuses=enqueued,processing&limit=1" | python3 -c 'import json,sys;print(len(json.load(sys.stdin)["results"]))')
  [ "$busy" = 0 ] && break
  sleep 1
done
sleep 3
# Warm-up, not measured (WARMUP edits, default 3): the first write after Meilisearch starts on this freshly copied data
# directory reads its index files from disk and takes 12-18 s; a running Meilisearch is warm. WARMUP=0 measures cold.
if [ "${WARMUP:-3}" -gt 0 ]; then
  python3 "$BENCH/incremental.py" edits "${NODE_URLS[0]}" "$(cat "${NODE_DIRS[0]}.token")" "$SEARCH" - "${WARMUP:-3}" --seed 7 --offset 5000 --timeout $((POLL * 3 + 30)) >"$RAW/warmup.json"
  log "warm-up: $(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print({k:d[k] for k in ("completed","timed_out","latency_s")})' "$RAW/warmup.json")"
fi

log "phase 1: $EDITS edits on ${NODE_URLS[0]} (push), rate ${EDIT_RATE}/s"
python3 "$BENCH/incremental.py" edits "${NODE_URLS[0]}" "$(cat "${NODE_DIRS[0]}.token")" "$SEARCH" - "$EDITS" --rate "$EDIT_RATE" --timeout $((POLL * 3 + 30)) >"$RAW/edits.json"
log "edits: $(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print({k:d[k] for k in ("completed","timed_out","latency_s","issue_seconds")})' "$RAW/edits.json")"
sleep "$PAUSE"
log "phase 2: $TAKEDOWNS takedowns on ${NODE_URLS[0]} (push), spread over $((TAKEDOWNS / 2)) s"
python3 "$BENCH/incremental.py" takedowns "${NODE_URLS[0]}" "$(cat "${NODE_DIRS[0]}.token")" "$SEARCH" - "$TAKEDOWNS" --spread $((TAKEDOWNS / 2)) --timeout $((POLL * 3 + 30)) >"$RAW/takedowns-push.json"
log "takedowns with push: $(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print({k:d[k] for k in ("completed","timed_out","latency_s")})' "$RAW/takedowns-push.json")"
log "phase 3: $POLL_TAKEDOWNS takedowns on ${NODE_URLS[1]} (no push, poll every ${POLL}s), spread over $((POLL * 2)) s"
python3 "$BENCH/incremental.py" takedowns "${NODE_URLS[1]}" "$(cat "${NODE_DIRS[1]}.token")" "$SEARCH" - "$POLL_TAKEDOWNS" --spread $((POLL * 2)) --timeout $((POLL * 3 + 30)) >"$RAW/takedowns-poll.json"
log "takedowns by poll: $(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print({k:d[k] for k in ("completed","timed_out","latency_s")})' "$RAW/takedowns-poll.json")"
echo '{"latency_s": null, "completed": 0, "timed_out": 0, "skipped": true}' >"$RAW/mixed-takedowns.json"
echo '{"latency_s": null, "completed": 0, "timed_out": 0, "skipped": true}' >"$RAW/mixed-edits.json"
if ((MIXED_TAKEDOWNS > 0)); then
  sleep "$PAUSE"
  # Edits and takedowns on disjoint listings (one shuffle, takedowns after the edits' share).
  log "phase 4: $MIXED_TAKEDOWNS takedowns on ${NODE_URLS[0]} (push) while $MIXED_EDITS edits stream at ${MIXED_RATE}/s"
  python3 "$BENCH/incremental.py" edits "${NODE_URLS[0]}" "$(cat "${NODE_DIRS[0]}.token")" "$SEARCH" - "$MIXED_EDITS" --rate "$MIXED_RATE" --seed 23 --timeout $((POLL * 3 + 30)) >"$RAW/mixed-edits.json" &
  MIXED_EDITS_PID=$!
  sleep 2
  python3 "$BENCH/incremental.py" takedowns "${NODE_URLS[0]}" "$(cat "${NODE_DIRS[0]}.token")" "$SEARCH" - "$MIXED_TAKEDOWNS" --seed 23 --offset "$MIXED_EDITS" --spread $((MIXED_EDITS / MIXED_RATE / 2 + 1)) --timeout $((POLL * 3 + 30)) >"$RAW/mixed-takedowns.json"
  wait "$MIXED_EDITS_PID" || true
  log "takedowns during edits: $(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print({k:d[k] for k in ("completed","timed_out","latency_s")})' "$RAW/mixed-takedowns.json")"
  log "edits during takedowns: $(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print({k:d[k] for k in ("completed","timed_out","latency_s")})' "$RAW/mixed-edits.json")"
fi
curl -fsS -H "Authorization: Bearer $KEY" "$MURL/tasks?limit=1000" >"$RAW/meili-tasks.json" || true
# Where Meilisearch spent each write (progress trace per batch).
curl -fsS -H "Authorization: Bearer $KEY" "$MURL/batches?limit=1000" >"$RAW/meili-batches.json" || true
IDX_RSS=$( [ -n "$IDX_PID" ] && hwm_mb "$IDX_PID" || echo null)

python3 - "$RAW" "$RESULTS/incremental-$TOTAL-$PEERS.json" <<PY
import json, sys
raw, outp = sys.argv[1:]
out = {"machine": json.loads('''$(machine_json)'''), "total_listings": $TOTAL, "peers": $PEERS, "poll_interval_s": $POLL,
       "flush_interval_s": 1, "indexer_peak_rss_mb": $IDX_RSS,
       "pushes_in_log": sum(1 for l in open(f"{raw}/indexer.log") if "notify" in l.lower()),
       "edits_push": json.load(open(f"{raw}/edits.json")),
       "takedowns_push": json.load(open(f"{raw}/takedowns-push.json")),
       "takedowns_poll_only": json.load(open(f"{raw}/takedowns-poll.json")),
       "takedowns_during_edits": json.load(open(f"{raw}/mixed-takedowns.json")),
       "edits_during_takedowns": json.load(open(f"{raw}/mixed-edits.json"))}
# What the removal lane did (docs/architecture.md, "The removal lane"): removals it queued, flushes it canceled.
log = open(f"{raw}/indexer.log").read().splitlines()
out["removal_lane"] = {"removals_queued": sum(1 for l in log if "Removal of" in l and "queued" in l),
                       "flushes_replayed": sum(1 for l in log if "canceled to let a removal past it" in l),
                       "removed_ms": [float(l.rsplit(" in ", 1)[1].split(" ms")[0]) for l in log if "removed from search in" in l]}
json.dump(out, open(outp, "w"), indent=1)
print(json.dumps({k: (v["latency_s"], v["completed"], v["timed_out"]) for k, v in out.items() if isinstance(v, dict) and "latency_s" in v}))
PY
