#!/usr/bin/env python3
"""Freshness: edits and takedowns on running nodes until they are (not) searchable.

usage: incremental.py edits|takedowns NODE_URL TOKEN SEARCH_URL KEY|- COUNT [--rate R] [--spread S] [--timeout T]
                     [--seed N] [--offset K]
  edits:     COUNT edits (new English name) on listings of NODE_URL; R edits/s (0 = back to back);
             latency = from the edit's 200 answer until Meilisearch returns the new name.
  takedowns: COUNT takedowns spread evenly over S seconds; latency = until the listing is gone from search.
SEARCH_URL is where the map site searches: the proxy's /search (KEY "-": the proxy puts the indexer's tenant token on,
so a listing being taken down is already filtered out), or Meilisearch itself with a key.
Listings are the node's active listings in a shuffled order (seed N, default 7 for edits and 11 for takedowns), from
the K-th on (default 0): edits and takedowns run at the same time with one seed and disjoint offsets never touch the
same listing. Polls Meilisearch every 100 ms with one multi-search (the organisations and recent indexes, as the map
site) filtering on every pending listing. Prints JSON.
"""
import json, random, statistics, sys, threading, time, urllib.request

mode, node, token, meili, key, count = sys.argv[1:7]
count = int(count)
opt = lambda name, d: float(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else d
rate, spread, timeout = opt("--rate", 0.0), opt("--spread", 0.0), opt("--timeout", 120.0)
seed, offset = int(opt("--seed", 7 if mode == "edits" else 11)), int(opt("--offset", 0))


def req(url, method="GET", body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    h = {"Content-Type": "application/json", **(headers or {})}
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=h), timeout=30) as r:
        return r.status, json.load(r) if r.length != 0 else None


def pick_listings(n):
    """Active listings of the node, from its change feed (random sample, fixed seed)."""
    ids, after = [], 0
    while after is not None:
        _, page = req(f"{node}/atlas/v1/changes?after={after}&limit=1000")
        for e in page["entries"]:
            ids.append((e["id"], e["jws"]))
        after = page["next"]
    rng = random.Random(seed)
    rng.shuffle(ids)
    out = []
    skip = offset
    import base64
    for lid, jws in ids:
        p = jws.split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
        if payload["status"] == "active":
            if skip > 0:
                skip -= 1
                continue
            out.append((lid, payload["org"]))
        if len(out) == n:
            break
    return out


# What the map site reads (docs/web.md "The recent index"): the organisations index and the recent index, where the
# indexer puts a small flush's listings first (behind the proxy the token makes the two disjoint).
INDEXES = ["organisations", "organisations-recent"]
pending = {}  # listing id -> (t_done_on_node, expected name or None for gone)
results = {}
lock = threading.Lock()
stop = threading.Event()


def poller():
    while not stop.is_set():
        with lock:
            ids = list(pending)
        if ids:
            flt = "listing_id IN [" + ", ".join(f'"{i}"' for i in ids) + "]"
            try:
                q = {"q": "", "filter": flt, "limit": 10000, "attributesToRetrieve": ["listing_id", "name"]}
                _, res = req(f"{meili}/multi-search", "POST",
                             {"queries": [dict(q, indexUid=index) for index in INDEXES]},
                             {} if key == "-" else {"Authorization": "Bearer " + key})
                now = time.monotonic()
                seen = {}
                # As the map site merges them: the recent index (last) wins for a listing both return.
                for r in res["results"]:
                    for h in r["hits"]:
                        seen[h["listing_id"]] = h["name"].get("en")
                with lock:
                    for i in ids:
                        t0, want = pending[i]
                        done = (i not in seen) if want is None else (seen.get(i) == want)
                        if done:
                            results[i] = now - t0
                            del pending[i]
            except Exception as e:  # keep polling; report at the end
                print(f"poll error: {e}", file=sys.stderr)
        time.sleep(0.1)


auth = {"Authorization": "Bearer " + token}
targets = pick_listings(count)
th = threading.Thread(target=poller, daemon=True)
th.start()
started = time.monotonic()
issue_times = []
for k, (lid, org) in enumerate(targets):
    if mode == "takedowns" and spread > 0:
        time.sleep(max(0.0, started + k * spread / count - time.monotonic()))
    t_send = time.monotonic()
    if mode == "edits":
        body = dict(org)
        body["name"] = dict(org["name"])
        body["name"]["en"] = f"{org['name']['en'].split(' edit ')[0]} edit {k} {random.randrange(10**9)}"
        body["contacts"] = [dict(c, visibility="public") for c in org["contacts"]]
        req(f"{node}/api/admin/organisations/{lid}", "PUT", body, auth)
        with lock:
            pending[lid] = (time.monotonic(), body["name"]["en"])
    else:
        req(f"{node}/api/admin/organisations/{lid}/takedown", "POST", None, auth)
        with lock:
            pending[lid] = (time.monotonic(), None)
    issue_times.append(time.monotonic() - t_send)
    if mode == "edits" and rate > 0:
        time.sleep(max(0.0, started + (k + 1) / rate - time.monotonic()))
issued = time.monotonic() - started
deadline = time.monotonic() + timeout
while time.monotonic() < deadline:
    with lock:
        if not pending:
            break
    time.sleep(0.1)
stop.set()
lat = sorted(results.values())


def pct(p):
    return round(lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))], 3) if lat else None


print(json.dumps({
    "mode": mode, "count": count, "seed": seed, "offset": offset, "rate_per_s": rate, "spread_s": spread, "issue_seconds": round(issued, 3),
    "node_call_ms_median": round(statistics.median(issue_times) * 1000, 1),
    "completed": len(lat), "timed_out": len(pending), "timeout_s": timeout,
    "latency_s": {"p50": pct(50), "p95": pct(95), "max": round(lat[-1], 3) if lat else None, "min": round(lat[0], 3) if lat else None},
    "latencies_s": [round(x, 3) for x in lat],
}))
