#!/usr/bin/env bash
# Freshness floor: what one small write costs Meilisearch at the size of a bench federation, with settings A and
# settings B side by side (defaults: A = the settings before the tuning, facet search on; B = what the indexer ships
# now, indexer/Meilisearch/OrganisationIndexSettings.cs: facet search off, prefix search kept).
#   bench/meili-task-cost.sh [TOTAL=100000] [PEERS=10]
#   env: WRITES (alternating pairs, default 10), A_SETTINGS / B_SETTINGS (JSON patched onto each copy first), e.g.
#        B_SETTINGS='{"facetSearch":false,"prefixSearch":"disabled"}' for the earlier measurement of docs/performance.md §3
# Needs the synced state of bench/indexer-sync.sh TOTAL PEERS. Output: $RESULTS/meili-task-cost-<TOTAL>.json
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TOTAL=${1:-100000}; PEERS=${2:-10}; WRITES=${WRITES:-10}
FED="${BENCH_CACHE:-$ROOT/.data/bench}/fed-$TOTAL-$PEERS"
MEILI=$(meili_bin)
new_tmp
PA=$(free_port); meili_from_cache "$FED" "$BENCH_TMP/a" "$PA" || die "no synced state in $FED"
PB=$(free_port); meili_from_cache "$FED" "$BENCH_TMP/b" "$PB"
A_SETTINGS=${A_SETTINGS:-'{"facetSearch":true,"prefixSearch":"indexingTime"}'}
B_SETTINGS=${B_SETTINGS:-'{"facetSearch":false,"prefixSearch":"indexingTime"}'}
python3 - "http://127.0.0.1:$PA" "http://127.0.0.1:$PB" "$KEY" "$FED/docs.jsonl" "$WRITES" "$A_SETTINGS" "$B_SETTINGS" >"$RESULTS/meili-task-cost-$TOTAL.json" <<'PY'
import json, random, re, statistics, sys, time, urllib.request
a, b, key, docs_path, writes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
settings = {"A": json.loads(sys.argv[6]), "B": json.loads(sys.argv[7])}
H = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
def call(url, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    return json.load(urllib.request.urlopen(urllib.request.Request(url + path, data=data, method=method, headers=H)))
def wait(url, uid):
    while True:
        t = call(url, "GET", f"/tasks/{uid}")
        if t["status"] in ("succeeded", "failed", "canceled"):
            m = re.match(r"PT(?:(\d+)M)?([\d.]+)S", t["duration"])
            return t["status"], int(m.group(1) or 0) * 60 + float(m.group(2))
        time.sleep(0.05)
reindex = {}
for name, url in (("A", a), ("B", b)):
    reindex[name] = wait(url, call(url, "PATCH", "/indexes/organisations/settings", settings[name])["taskUid"])
lines = open(docs_path, encoding="utf-8").read().splitlines()
rng = random.Random(5)
res = {"A": {"upsert2": [], "delete1": []}, "B": {"upsert2": [], "delete1": []}}
for i in range(writes):
    docs = [json.loads(l) for l in rng.sample(lines, 2)]
    for d in docs:
        d["name"]["en"] += f" edit {i}"
    victim = json.loads(rng.choice(lines))["listing_id"]
    for name, url in ((("A", a), ("B", b)) if i % 2 == 0 else (("B", b), ("A", a))):
        _, s = wait(url, call(url, "POST", "/indexes/organisations/documents?primaryKey=doc_id", docs)["taskUid"])
        res[name]["upsert2"].append(s)
        _, s = wait(url, call(url, "POST", "/indexes/organisations/documents/delete", {"filter": f'listing_id = "{victim}"'})["taskUid"])
        res[name]["delete1"].append(s)
out = {"total_listings": len(lines), "writes_per_kind": writes, "settings": settings,
       "settings_task": {n: {"status": st, "seconds": s} for n, (st, s) in reindex.items()}}
for n in res:
    for k, v in res[n].items():
        out[f"{n}_{k}_median_s"] = round(statistics.median(v), 3)
        out[f"{n}_{k}_min_max_s"] = [round(min(v), 3), round(max(v), 3)]
        out[f"{n}_{k}_all_s"] = [round(x, 3) for x in v]
out["ratio_B_over_A_upsert2"] = round(out["B_upsert2_median_s"] / out["A_upsert2_median_s"], 3)
out["ratio_B_over_A_delete1"] = round(out["B_delete1_median_s"] / out["A_delete1_median_s"], 3)
print(json.dumps(out, indent=1))
PY
python3 -c "import json,sys;d=json.load(open(sys.argv[1]));print({k:v for k,v in d.items() if not k.endswith('_all_s')})" "$RESULTS/meili-task-cost-$TOTAL.json" >&2
