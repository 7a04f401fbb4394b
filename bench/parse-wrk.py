#!/usr/bin/env python3
"""Turns `wrk --latency` text output into JSON: requests/s, transfer/s, latency percentiles (ms), errors."""
import json, re, sys

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    return float(m.group(1)) * UNITS[m.group(2)]


def parse(text):
    out = {"percentiles_ms": {}}
    for line in text.splitlines():
        line = line.strip()
        if m := re.match(r"(50|75|90|99)%\s+(\S+)", line):
            out["percentiles_ms"]["p" + m.group(1)] = ms(m.group(2))
        elif m := re.match(r"Requests/sec:\s+([\d.]+)", line):
            out["requests_per_s"] = float(m.group(1))
        elif m := re.match(r"(\d+) requests in ([\d.]+)(\w+), ([\d.]+\w+) read", line):
            out["requests"] = int(m.group(1))
        elif m := re.match(r"Non-2xx or 3xx responses:\s+(\d+)", line):
            out["non_2xx"] = int(m.group(1))
        elif m := re.match(r"Socket errors: (.*)", line):
            out["socket_errors"] = m.group(1)
        elif m := re.match(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", line):
            out["latency_avg_ms"] = ms(m.group(1))
            out["latency_max_ms"] = ms(m.group(3))
    return out


if __name__ == "__main__":
    print(json.dumps(parse(open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read())))
