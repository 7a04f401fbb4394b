#!/usr/bin/env python3
"""Summary of a bench/soak.sh CSV: per process and metric the first, last and max sample and the least-squares
slope per hour (over the samples after WARMUP seconds, so start-up growth does not count as a leak).
  soak-summary.py CSV OUT.json OUT.md [WARMUP_S] [LOAD_JSON]
"""
import csv, json, sys

path, out_json, out_md = sys.argv[1], sys.argv[2], sys.argv[3]
warmup = float(sys.argv[4]) if len(sys.argv) > 4 else 60
load = json.loads(open(sys.argv[5]).read() or "{}") if len(sys.argv) > 5 else {}
rows = list(csv.DictReader(open(path)))
metrics = ["rss_mb", "fds", "threads"]
result = {"csv": path, "warmup_s": warmup, "load": load, "processes": {}}


def slope(points):
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    den = sum((p[0] - mx) ** 2 for p in points)
    return None if den == 0 else sum((p[0] - mx) * (p[1] - my) for p in points) / den * 3600


for proc in dict.fromkeys(r["process"] for r in rows):
    mine = [r for r in rows if r["process"] == proc]
    entry = {"samples": len(mine)}
    for m in metrics:
        values = [(float(r["t_s"]), float(r[m])) for r in mine]
        steady = [v for v in values if v[0] >= warmup] or values
        s = slope(steady)
        entry[m] = {"first": values[0][1], "last": values[-1][1], "max": max(v[1] for v in values),
                    "slope_per_hour": None if s is None else round(s, 2)}
    result["processes"][proc] = entry

json.dump(result, open(out_json, "w"), indent=2)
with open(out_md, "w") as f:
    span = max(float(r["t_s"]) for r in rows) if rows else 0
    f.write(f"# Soak summary ({span:.0f} s sampled, slopes over t ≥ {warmup:.0f} s)\n\n")
    if load:
        f.write("Load: " + ", ".join(f"{k} {v}" for k, v in load.items()) + "\n\n")
    f.write("| process | samples | metric | first | last | max | slope per hour |\n|---|---|---|---|---|---|---|\n")
    for proc, e in result["processes"].items():
        for m in metrics:
            d = e[m]
            f.write(f"| {proc} | {e['samples']} | {m} | {d['first']:g} | {d['last']:g} | {d['max']:g} | {d['slope_per_hour'] if d['slope_per_hour'] is not None else '-'} |\n")
print(open(out_md).read())
