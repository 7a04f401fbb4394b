#!/usr/bin/env python3
"""Direct bulk load into Meilisearch (the baseline of the indexer sync benchmark).

usage: meili-load.py URL KEY DOCS.jsonl SETTINGS.json BATCH wait|pipeline
Creates index `organisations` (primary key doc_id), applies SETTINGS (untimed), then times loading the
documents in batches of BATCH: `wait` waits for each batch's task before sending the next (what the
indexer's flush does), `pipeline` enqueues every batch and waits for the last task. Prints JSON.
"""
import json, sys, time, urllib.request

url, key, docs_path, settings_path, batch, mode = sys.argv[1:7]
batch = int(batch)
H = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}


def call(method, path, body=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url + path, data=data, method=method, headers=H)
    return json.load(urllib.request.urlopen(req))


def wait(uid):
    delay = 0.01
    while True:
        t = call("GET", f"/tasks/{uid}")
        if t["status"] == "succeeded":
            return t
        if t["status"] in ("failed", "canceled"):
            raise SystemExit(f"task {uid} {t['status']}: {t.get('error')}")
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


wait(call("POST", "/indexes", {"uid": "organisations", "primaryKey": "doc_id"})["taskUid"])
wait(call("PATCH", "/indexes/organisations/settings", json.load(open(settings_path)))["taskUid"])
lines = open(docs_path, encoding="utf-8").read().splitlines()
bodies = [("[" + ",".join(lines[i:i + batch]) + "]").encode() for i in range(0, len(lines), batch)]
t0 = time.monotonic()
last = None
for b in bodies:
    last = call("POST", "/indexes/organisations/documents?primaryKey=doc_id", b)["taskUid"]
    if mode == "wait":
        wait(last)
wait(last)
seconds = time.monotonic() - t0
n = call("GET", "/indexes/organisations/stats")["numberOfDocuments"]
print(json.dumps({"mode": mode, "seconds": round(seconds, 3), "documents": n, "batches": len(bodies), "batch": batch}))
