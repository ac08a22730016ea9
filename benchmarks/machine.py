"""How fast this machine runs Python right now, to read benchmark figures against.

A shared VM's speed moves by a third or more between runs (other tenants), and
every figure moves with it. `reference_ms()` times a fixed pure-Python loop;
printed beside the results, it tells a slow run from a slow build.
"""
from __future__ import annotations

import statistics
import time

REFERENCE_LOOP = 2_000_000


def reference_ms(repeat: int = 3) -> float:
    """Median wall time of a fixed integer loop, in ms (about 100 ms on a fast core)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        total = 0
        for number in range(REFERENCE_LOOP):
            total += number
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
