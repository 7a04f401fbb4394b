#!/usr/bin/env python3
"""Search latency through the map site's path, next to Meilisearch's direct figure.

usage: search.py MEILI_URL MASTER_KEY SEARCH_KEY PROXY_URL|- [--n N] [--heavy-n M]
Scenarios use the exact query bodies web/src/search.js builds (multi-search, search-only key):
  initial   base query, q = "" (all places, limit 10000, BASE_FIELDS, 4 facets): what the first page load asks
  text      base query + list query for q = "legal aid" (text + facets)
  filter    list query: country = "DE" AND focus = "legal-aid", map bbox OR online, distinct, page 1
  near      list query: near me, sort _geoPoint(52.5, 13.4):asc, map bbox at zoom 9 (what the site sends)
  radius    list query: _geoRadius(52.5, 13.4, 50000) + sort _geoPoint (brief's near-me variant)
Paths, interleaved request by request so background load hits all alike:
  direct  POST /indexes/organisations/search, master key, the same query body (one query per request)
  site    POST /multi-search, search-only key (what the browser sends to Meilisearch)
  proxy   the site request through nginx forwarding /search/ like deploy/caddy (key replaced by the proxy)
  floor   Meilisearch's own floor for the same q/filter/sort: 20 hits, one field, no facets, no distinct
Sequential requests (concurrency 1), keep-alive. Prints JSON with p50/p95/p99 per scenario and path.
"""
import http.client, json, statistics, sys, time, urllib.parse

meili, master, skey, proxy = sys.argv[1:5]
n = int(sys.argv[sys.argv.index("--n") + 1]) if "--n" in sys.argv else 200
# initial and text return thousands of hits (up to 4 MB) and take ~1 s each: fewer samples for those
heavy_n = int(sys.argv[sys.argv.index("--heavy-n") + 1]) if "--heavy-n" in sys.argv else 40
IDX = "organisations"
BASE = ['doc_id', 'listing_id', '_geo', 'name', 'city', 'country', 'focus', 'languages', 'online', 'has_alerts']
LIST = ['doc_id', 'listing_id', 'name', 'description', 'focus', 'languages', 'city', 'country', 'cities', 'countries',
        'online', 'has_press_contact', 'has_contact', 'endorsed', 'has_alerts', 'org_status', 'last_confirmed', '_geo']
FACETS = ['country', 'city', 'focus', 'languages']
EUROPE = "(_geoBoundingBox([71, 60], [27, -25]) OR online = true)"
BERLIN9 = "(_geoBoundingBox([53.4, 15.4], [51.6, 11.4]) OR online = true)"


def base(q):
    return {"indexUid": IDX, "q": q, "filter": [], "limit": 10000, "offset": 0, "attributesToRetrieve": BASE, "facets": FACETS}


def lst(q, filt, sort=None):
    d = {"indexUid": IDX, "q": q, "filter": filt, "distinct": "listing_id", "page": 1, "hitsPerPage": 20, "attributesToRetrieve": LIST}
    if sort:
        d["sort"] = sort
    return d


SCEN = {
    "initial": [base("")],
    "text": [base("legal aid"), lst("legal aid", [EUROPE])],
    "filter": [lst("", ['country = "DE"', 'focus = "legal-aid"', EUROPE])],
    "near": [lst("", [BERLIN9], ["_geoPoint(52.5, 13.4):asc"])],
    "radius": [lst("", ["_geoRadius(52.5, 13.4, 50000)"], ["_geoPoint(52.5, 13.4):asc"])],
}


class Conn:
    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        self.prefix = u.path.rstrip("/")

    def post(self, path, body, key=None):
        h = {"Content-Type": "application/json"}
        if key:
            h["Authorization"] = "Bearer " + key
        data = json.dumps(body).encode()
        t0 = time.perf_counter()
        self.c.request("POST", self.prefix + path, data, h)
        r = self.c.getresponse()
        raw = r.read()
        dt = time.perf_counter() - t0
        if r.status != 200:
            raise SystemExit(f"{path}: HTTP {r.status} {raw[:300]!r}")
        return dt, json.loads(raw), len(raw)


direct, site = Conn(meili), Conn(meili)
px = Conn(proxy) if proxy != "-" else None


def floor(q):
    """The cheapest question with the same q and filter: 20 hits, one field, no facets, no distinct."""
    d = {"q": q["q"], "filter": q["filter"], "limit": 20, "attributesToRetrieve": ["doc_id"]}
    if "sort" in q:
        d["sort"] = q["sort"]
    return d


def one(path, queries):
    if path == "floor":
        total, proc, size, hits = 0.0, 0, 0, 0
        for q in queries:
            dt, res, ln = direct.post(f"/indexes/{IDX}/search", floor(q), master)
            total += dt; proc += res["processingTimeMs"]; size += ln; hits += len(res["hits"])
        return total, proc, size, hits
    if path == "direct":
        total, proc, size, hits = 0.0, 0, 0, 0
        for q in queries:
            body = {k: v for k, v in q.items() if k != "indexUid"}
            dt, res, ln = direct.post(f"/indexes/{IDX}/search", body, master)
            total += dt; proc += res["processingTimeMs"]; size += ln; hits += len(res["hits"])
        return total, proc, size, hits
    conn, key = (site, skey) if path == "site" else (px, None)
    dt, res, ln = conn.post("/multi-search", {"queries": queries}, key)
    return dt, sum(r["processingTimeMs"] for r in res["results"]), ln, sum(len(r["hits"]) for r in res["results"])


paths = ["direct", "site"] + (["proxy"] if px else []) + ["floor"]
out = {"n": n, "paths": paths, "scenarios": {}}
for name, queries in SCEN.items():
    for _ in range(5):
        for p in paths:
            one(p, queries)
    lat = {p: [] for p in paths}
    meta = {}
    reps = heavy_n if name in ("initial", "text") else n
    for i in range(reps):
        for p in (paths if i % 2 == 0 else list(reversed(paths))):
            dt, proc, size, hits = one(p, queries)
            lat[p].append(dt * 1000)
            meta.setdefault(p, []).append((proc, size, hits))
    res = {"samples_per_path": reps}
    for p in paths:
        xs = sorted(lat[p])
        pc = lambda q: round(xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))], 2)
        res[p] = {"p50_ms": pc(50), "p95_ms": pc(95), "p99_ms": pc(99), "mean_ms": round(statistics.mean(xs), 2),
                  "meili_processing_ms_median": statistics.median(m[0] for m in meta[p]),
                  "response_bytes": meta[p][0][1], "hits": meta[p][0][2]}
    res["ratio_site_over_direct_p95"] = round(res["site"]["p95_ms"] / res["direct"]["p95_ms"], 3)
    if px:
        res["ratio_proxy_over_direct_p95"] = round(res["proxy"]["p95_ms"] / res["direct"]["p95_ms"], 3)
    out["scenarios"][name] = res
    print(name, json.dumps(res), file=sys.stderr)
print(json.dumps(out, indent=1))
