#!/usr/bin/env python3
"""Summarises one indexer-sync run from its raw folder (usage: sync-summary.py RAW_DIR OUT.json)."""
import json, re, sys

raw, outp = sys.argv[1], sys.argv[2]
m = json.load(open(f"{raw}/meta.json"))
lines = open(f"{raw}/indexer.log").read().splitlines()
t = lambda l: float(l.split()[0])
synced = [t(l) for l in lines if "Synced http" in l]
flushes = [(t(l), float(re.search(r"in (\d+) ms", l).group(1)) / 1000) for l in lines if "Flushed" in l]
oks = [t(l) for l in lines if re.match(r"\s*[\d.]+ ok\t", l)]
fails = [l for l in lines if "FAILED" in l]
# sync --once flushes while peers are still syncing and prints its "ok" lines only after the final drain, so the
# sync phase ends with the last peer's "Synced" line.
sync_end = max(synced) if synced else (max(oks) if oks else None)
fetch = json.load(open(f"{raw}/fetch.json")); verify = json.load(open(f"{raw}/verify.json"))
dw = json.load(open(f"{raw}/direct-wait.json")); dp = json.load(open(f"{raw}/direct-pipeline.json"))
wall = float(m["idx_wall"])
flush_total = sum(f[1] for f in flushes)
v = verify["best_of_repeat_seconds"]
cpu = v["parse_pages"] + v["verify_listings"] + v["head_root"]
# Meilisearch's own task durations for the indexer's document additions (from /tasks)
meili_add = meili_add_signed = None
try:
    import datetime
    def dur(s):
        mm = re.match(r"PT(?:(\d+)M)?([\d.]+)S", s)
        return (int(mm.group(1) or 0) * 60 + float(mm.group(2))) if mm else 0.0
    tasks = json.load(open(f"{raw}/meili-tasks.json"))["results"]
    # the sync's own tasks come before the reindex creates a second index (a swap renames task index uids)
    tasks = sorted(tasks, key=lambda x: x["uid"])
    # (the first flush also creates the signed index: only creations of the documents index count here)
    creations = [x["uid"] for x in tasks if x["type"] == "indexCreation" and "-signed" not in x["indexUid"]]
    cut = creations[1] if len(creations) > 1 else 1 << 62
    first_index = [x for x in tasks if x["type"] == "documentAdditionOrUpdate" and x["uid"] < cut]
    meili_add = round(sum(dur(x["duration"]) for x in first_index if "-signed" not in x["indexUid"]), 3)
    meili_add_signed = round(sum(dur(x["duration"]) for x in first_index if "-signed" in x["indexUid"]), 3)
except Exception:
    pass
reindex = m.get("reindex_wall")
# Overlap of the sync phase with the flush: flush time spent before the last peer committed, and what was left after.
first_flush_start = min((f[0] - f[1] for f in flushes), default=None)
flush_during_sync = sum(f[1] for f in flushes if sync_end is not None and f[0] <= sync_end)
last_flush_end = max((f[0] for f in flushes), default=None)
# Writers (a peer staging a page, the flusher recording doc counts) waiting ≥ 1 s behind a pass's commit.
lock_waits = [float(mm.group(1)) / 1000 for l in lines if (mm := re.search(r"Waited (\d+) ms for the state database's write lock", l))]
# CPU floor: everything that has to run during the sync (indexer, Meilisearch, the nodes serving their feeds) divided
# by the cores; no overlap can make the sync faster than that. Against it, the direct load's wall time.
cpu_acc = m.get("cpu_s")
cpu_floor = None
if cpu_acc:
    idx_cpu = float(m["idx_user"]) + float(m["idx_sys"])
    total_cpu = idx_cpu + float(cpu_acc["meili_sync"]) + float(cpu_acc["nodes_sync"])
    cpu_floor = {
        "cores": m["cores"], "indexer_cpu_s": round(idx_cpu, 1), "meilisearch_cpu_s_sync": cpu_acc["meili_sync"],
        "nodes_cpu_s_sync": cpu_acc["nodes_sync"], "meilisearch_cpu_s_direct_wait": cpu_acc["meili_direct_wait"],
        "meilisearch_cpu_s_direct_pipelined": cpu_acc["meili_direct_pipelined"],
        "sync_cpu_floor_wall_s": round(total_cpu / m["cores"], 1),
        "floor_ratio_over_direct_wait": round(total_cpu / m["cores"] / dw["seconds"], 3),
        "floor_ratio_over_direct_pipelined": round(total_cpu / m["cores"] / dp["seconds"], 3),
    }
out = {
    "machine": m["machine"], "total_listings": m["total"], "peers": m["peers"], "batch": m["batch"], "indexer_batch": m.get("indexer_batch"),
    "documents_in_index": m["docs"], "federation_setup_seconds_cached": m["setup_seconds"],
    "indexer": {"wall_seconds": wall, "user_cpu_s": m["idx_user"], "sys_cpu_s": m["idx_sys"],
                "max_rss_mb": round(m["idx_maxrss_kb"] / 1024, 1), "sync_phase_end_s": sync_end,
                "per_peer_synced_at_s": synced, "flush_batches": len(flushes), "flush_total_s": round(flush_total, 3),
                "failed_peers": fails},
    "phases_estimate_s": {
        "startup_and_sync_until_all_peers_committed": sync_end,
        "of_which_raw_fetch_wall_4_parallel": round(fetch["wall_seconds"], 3),
        "of_which_parse_verify_root_cpu_single_thread": round(cpu, 3),
        "of_which_rest_state_checks_sqlite_commit": round(sync_end - fetch["wall_seconds"] - cpu, 3) if sync_end else None,
        "flush_to_meilisearch": round(flush_total, 3),
        "first_flush_started_at": round(first_flush_start, 3) if first_flush_start is not None else None,
        "of_which_flushed_while_peers_still_syncing": round(flush_during_sync, 3),
        "write_lock_waits_over_1s": {"count": len(lock_waits), "seconds": round(sum(lock_waits), 3)},
        "flush_after_last_peer_committed": round(last_flush_end - sync_end, 3) if last_flush_end is not None and sync_end is not None else None,
        "of_which_meilisearch_task_time": meili_add,
        "meilisearch_task_time_signed_index": meili_add_signed,
    },
    "raw_fetch": fetch, "verify_harness": verify,
    "meilisearch_peak_rss_mb": {"indexer_run": m.get("meili_rss_a"), "direct_run": m.get("meili_rss_b")},
    "direct_load_wait_per_batch": dw, "direct_load_pipelined": dp,
    "ratio_indexer_over_direct_wait": round(wall / dw["seconds"], 3),
    "ratio_indexer_over_direct_pipelined": round(wall / dp["seconds"], 3),
    "ratio_flush_only_over_direct_wait": round(flush_total / dw["seconds"], 3),
    "cpu_floor": cpu_floor,
    "reindex_wall_seconds": reindex,
    "ratio_reindex_over_direct_wait": round(reindex / dw["seconds"], 3) if reindex else None,
}
json.dump(out, open(outp, "w"), indent=1)
print(json.dumps({k: out[k] for k in ("total_listings", "peers", "documents_in_index", "phases_estimate_s",
                                      "ratio_indexer_over_direct_wait", "ratio_indexer_over_direct_pipelined", "cpu_floor")}, indent=1))
