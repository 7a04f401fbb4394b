#!/usr/bin/env python3
"""Markdown tables from bench/results/*.json (usage: summarize.py RESULTS_DIR)."""
import glob, json, os, re, sys

d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results")
out = []
P = lambda *a: out.append(" ".join(str(x) for x in a))


def load(pattern):
    return sorted((json.load(open(f)) for f in glob.glob(os.path.join(d, pattern))), key=lambda j: (j.get("total_listings", j.get("listings", 0)), j.get("peers", 0)))


for j in load("node-http-*.json"):
    m = j["machine"]
    P(f"### Node HTTP ({j['listings']} listings; {m['date_utc']}, commit {m['commit']}, {m['cpus']} cores shared, load at start {m['loadavg_at_start'][0]:.1f})\n")
    P(f"wrk {j['wrk']['threads']} threads, {j['wrk']['connections']} connections, {j['wrk']['duration_s']} s x {j['wrk']['rounds']} rounds (medians)\n")
    P("| response | bytes | node req/s | nginx req/s | node/nginx | node p99 ms | nginx p99 ms |")
    P("|---|---|---|---|---|---|---|")
    for k, b in (("listing", j["listing_bytes"]), ("feed", j["feed_bytes"])):
        s = j["summary"][k]
        P(f"| {k} | {b} | {s['node']['requests_per_s_median']:.0f} | {s['nginx']['requests_per_s_median']:.0f} | **{s['ratio_node_over_nginx_median']:.2f}** ({', '.join(str(x) for x in s['ratio_node_over_nginx_per_round'])}) | {s['node']['p99_ms_median']:.1f} | {s['nginx']['p99_ms_median']:.1f} |")
    r = j["node_rss_mb"]
    P(f"\nNode RSS: idle {r['idle_after_start']} MB, after reading the whole feed {r['after_full_feed_read']} MB, after the load {r['after_load']} MB (peak {r['peak_hwm']} MB); import of {j['listings']} listings {j['import_seconds']} s.")
    if j.get("workstation_gc"):
        w = j["workstation_gc"]
        P(f"Workstation GC (`DOTNET_gcServer=0`), one round: RSS idle {w['rss_idle_mb']} MB, after load {w['rss_after_load_mb']} MB (peak {w['peak_hwm_mb']}); listing {w['listing']['node']['requests_per_s']:.0f} vs nginx {w['listing']['nginx']['requests_per_s']:.0f} req/s, feed {w['feed']['node']['requests_per_s']:.0f} vs {w['feed']['nginx']['requests_per_s']:.0f}.")
    P("")

syncs = load("indexer-sync-*.json")
if syncs:
    P("### Full sync into an empty Meilisearch\n")
    P("| listings | nodes | indexer s | direct load s (wait/batch) | ratio | direct pipelined s | ratio | sync phase s | raw fetch s | parse+verify CPU s | flush s | of which Meilisearch tasks s | flush/direct | reindex s | indexer max RSS MB | load1 |")
    P("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for j in syncs:
        i, ph = j["indexer"], j["phases_estimate_s"]
        P(f"| {j['total_listings']} | {j['peers']} | {i['wall_seconds']:.1f} | {j['direct_load_wait_per_batch']['seconds']:.1f} | **{j['ratio_indexer_over_direct_wait']:.2f}** | {j['direct_load_pipelined']['seconds']:.1f} | {j['ratio_indexer_over_direct_pipelined']:.2f} | {ph['startup_and_sync_until_all_peers_committed']} | {ph['of_which_raw_fetch_wall_4_parallel']} | {ph['of_which_parse_verify_root_cpu_single_thread']} | {ph['flush_to_meilisearch']} | {ph.get('of_which_meilisearch_task_time', '-')} | {j['ratio_flush_only_over_direct_wait']:.2f} | {j.get('reindex_wall_seconds', '-')} | {i['max_rss_mb']} | {(j['machine'].get('loadavg_at_start') or [0])[0]:.1f} |")
    P("")

for j in load("incremental-*.json"):
    P(f"### Freshness ({j['total_listings']} listings on {j['peers']} nodes; poll interval {j['poll_interval_s']} s)\n")
    P("| what | count | completed | p50 s | p95 s | max s |")
    P("|---|---|---|---|---|---|")
    for k in ("edits_push", "takedowns_push", "takedowns_poll_only"):
        v = j[k]
        P(f"| {k} | {v['count']} | {v['completed']} | {v['latency_s']['p50']} | **{v['latency_s']['p95']}** | {v['latency_s']['max']} |")
    P("")

for j in load("search-*.json"):
    P(f"### Search ({j['total_listings']} listings; sequential requests per scenario and path as listed; Meilisearch RSS {j['meilisearch_rss_mb']} MB, disk {j['meilisearch_disk_mb']} MB)\n")
    P("| scenario | samples/path | hits | response bytes (site) | direct p95 ms | site p95 ms | via proxy p95 ms | site/direct | floor p95 ms | Meilisearch processing ms (site, median) |")
    P("|---|---|---|---|---|---|---|---|---|---|")
    for k, v in j["scenarios"].items():
        P(f"| {k} | {v.get('samples_per_path', j['n'])} | {v['site']['hits']} | {v['site']['response_bytes']} | {v['direct']['p95_ms']} | **{v['site']['p95_ms']}** | {v.get('proxy', {}).get('p95_ms', '-')} | {v['ratio_site_over_direct_p95']} | {v.get('floor', {}).get('p95_ms', '-')} | {v['site']['meili_processing_ms_median']} |")
    P("")

web = os.path.join(d, "web")
if os.path.isdir(web):
    P("### Map site\n")
    if os.path.exists(os.path.join(web, "size.txt")):
        P("```\n" + "".join(l for l in open(os.path.join(web, "size.txt")) if "total" in l or "JS+CSS" in l or "other" in l) + "```")
    for f in sorted(glob.glob(os.path.join(web, "perf-*.txt"))):
        med = [l.strip() for l in open(f) if "median" in l]
        P(f"- {os.path.basename(f)}: {med[0] if med else 'no result'}")
print("\n".join(out))
