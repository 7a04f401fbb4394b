#!/usr/bin/env bash
# The indexer's first sync alone, for comparing settings (performance.md §12.8): `sync --once` of TOTAL listings from
# PEERS nodes into an empty Meilisearch, with a 1-s RSS trace and the CPU seconds of the indexer, Meilisearch and the
# nodes. No direct load (indexer-sync.sh does that), so one probe takes about 3.5 minutes at 100,000 listings.
#   bench/sync-probe.sh TOTAL PEERS LABEL [Indexer__Setting=value ...]
# Output: $RESULTS/sync-probe-<TOTAL>-<PEERS>-<LABEL>.json (wall, peak RSS, RSS trace, CPU seconds, settings).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$BENCH/federation.sh"
TOTAL=${1:?TOTAL}; PEERS=${2:?PEERS}; LABEL=${3:?LABEL}; shift 3
for a in "$@"; do [[ "$a" == Indexer__*=* ]] || { echo "sync-probe.sh: '$a' is not an Indexer__Setting=value" >&2; exit 2; }; done
build_dotnet
MEILI=$(meili_bin)
new_tmp
federation_up "$TOTAL" "$PEERS"
KEY=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
MPORT=$(free_port)
start_meili "$BENCH_TMP/meili" "$MPORT" "$KEY"
export Indexer__Database="$BENCH_TMP/indexer.db" Indexer__MeilisearchUrl="http://127.0.0.1:$MPORT" Indexer__MeilisearchKey="$KEY"
export Indexer__MaxNewOrganisationsPerNodePerDay=1000000
for i in "${!NODE_URLS[@]}"; do dotnet "$IDX_DLL" peers add "${NODE_URLS[$i]}" --root "$(root_kid "${NODE_URLS[$i]}")" >/dev/null; done
for a in "$@"; do export "${a?}"; done

MEILI_CPU_0=$(cpu_s "$MEILI_PID"); NODES_CPU_0=$(cpu_sum_s "${NODE_PIDS[@]}")
log "probe $LABEL: sync --once, $TOTAL listings from $PEERS node(s) ${*:-(defaults)}"
/usr/bin/time -f '%e %M %U %S' -o "$BENCH_TMP/time.txt" dotnet "$IDX_DLL" sync --once >"$BENCH_TMP/indexer.log" 2>&1 &
SYNC_JOB=$!
rss_trace "^dotnet $IDX_DLL sync --once" >"$BENCH_TMP/rss.txt" &
wait "$SYNC_JOB" || { tail -n 20 "$BENCH_TMP/indexer.log" >&2; echo "sync-probe.sh: sync --once failed" >&2; exit 1; }
read -r WALL MAXRSS_KB USER_S SYS_S <"$BENCH_TMP/time.txt"
MEILI_CPU=$(cpu_delta "$(cpu_s "$MEILI_PID")" "$MEILI_CPU_0")
NODES_CPU=$(cpu_delta "$(cpu_sum_s "${NODE_PIDS[@]}")" "$NODES_CPU_0")
OUT="$RESULTS/sync-probe-$TOTAL-$PEERS-$LABEL.json"
python3 - "$BENCH_TMP/rss.txt" "$OUT" "$LABEL" "$TOTAL" "$PEERS" "$WALL" "$MAXRSS_KB" "$USER_S" "$SYS_S" "$MEILI_CPU" "$NODES_CPU" "$(nproc)" "$*" <<'PY'
import json, sys
rss, out, label, total, peers, wall, maxrss, user, sys_s, meili, nodes, cores, settings = sys.argv[1:]
trace = [list(map(int, l.split())) for l in open(rss) if len(l.split()) == 4]
peak = max(trace, key=lambda r: r[1], default=None)
cpu = float(user) + float(sys_s) + float(meili) + float(nodes)
res = {"label": label, "total": int(total), "peers": int(peers), "settings": settings.split() if settings else [],
       "wall_seconds": float(wall), "peak_rss_mb": round(int(maxrss) / 1024, 1),
       "peak_in_trace": {"second": peak[0], "rss_mb": round(peak[1] / 1024, 1), "anon_mb": round(peak[2] / 1024, 1),
                         "file_mb": round(peak[3] / 1024, 1)} if peak else None,
       "cpu_s": {"indexer": round(float(user) + float(sys_s), 2), "meilisearch": float(meili), "nodes": float(nodes)},
       "cpu_floor_wall_s": round(cpu / int(cores), 1), "cores": int(cores),
       "rss_trace_kb": trace}
json.dump(res, open(out, "w"), indent=1)
print(json.dumps({k: v for k, v in res.items() if k != "rss_trace_kb"}))
PY
