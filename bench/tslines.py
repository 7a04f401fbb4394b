#!/usr/bin/env python3
"""Prefixes every line of stdin with seconds since this process started (3 decimals)."""
import sys, time
t0 = time.monotonic()
for line in sys.stdin:
    sys.stdout.write(f"{time.monotonic() - t0:9.3f} {line}")
    sys.stdout.flush()
