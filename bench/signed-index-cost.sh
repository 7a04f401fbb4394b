#!/usr/bin/env bash
# Cost of one small write to the signed index at N documents, with `signed_id` searchable (before §12.7) and with
# nothing searchable (now): two indexes of N signed documents (2 KB of JWS-like text each, the shipped settings
# otherwise), then REPEAT writes of 3 documents to each, Meilisearch's own task durations.
#   bench/signed-index-cost.sh [N=100000] [REPEAT=5]
# Output: $RESULTS/signed-index-cost-<N>.json
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-100000}; REPEAT=${2:-5}
MEILI=$(meili_bin)
new_tmp
KEY=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
MPORT=$(free_port)
start_meili "$BENCH_TMP/meili" "$MPORT" "$KEY"
python3 - "http://127.0.0.1:$MPORT" "$KEY" "$N" "$REPEAT" >"$RESULTS/signed-index-cost-$N.json" <<'PY'
import json, random, statistics, string, sys, time, urllib.request
base, key, n, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
H = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
def req(m, p, b=None):
    r = urllib.request.Request(base + p, method=m, headers=H, data=json.dumps(b).encode() if b is not None else None)
    with urllib.request.urlopen(r) as f:
        return json.load(f)
def wait(t):
    for _ in range(6000):
        s = req("GET", f"/tasks/{t['taskUid']}")
        if s["status"] in ("succeeded", "failed"):
            assert s["status"] == "succeeded", s
            return s
        time.sleep(0.05)
    raise SystemExit("task did not finish")
def secs(d):  # ISO 8601 duration PT1.23S
    return float(d[2:-1])
rnd = random.Random(7)
out = {"documents": n, "writes": repeat, "write_size": 3}
for uid, searchable in (("signed_words", ["signed_id"]), ("signed_none", [])):
    wait(req("POST", "/indexes", {"uid": uid, "primaryKey": "signed_id"}))
    wait(req("PATCH", f"/indexes/{uid}/settings", {"searchableAttributes": searchable,
         "filterableAttributes": ["signed_id", "kind", "node", "listing_id"], "facetSearch": False, "prefixSearch": "disabled"}))
    for c in range(0, n, 20000):
        docs = [{"signed_id": f"{i:07d}-{rnd.randrange(10**12)}", "kind": "listing", "node": "n1", "listing_id": f"{i:07d}",
                 "jws": "".join(rnd.choices(string.ascii_letters, k=2000))} for i in range(c, min(n, c + 20000))]
        wait(req("POST", f"/indexes/{uid}/documents", docs))
    durations = [secs(wait(req("POST", f"/indexes/{uid}/documents", [dict(d, jws="x" * 2000) for d in docs[k * 3:k * 3 + 3]]))["duration"])
                 for k in range(repeat)]
    found = req("POST", f"/indexes/{uid}/search", {"q": "", "filter": f'signed_id IN ["{docs[5]["signed_id"]}"]'})["hits"]
    out[uid] = {"searchable": searchable, "write_s": durations, "median_s": statistics.median(durations), "fetch_by_filter_hits": len(found)}
print(json.dumps(out))
PY
stop_pid "$MEILI_PID"
log "signed index cost: $(cat "$RESULTS/signed-index-cost-$N.json")"
