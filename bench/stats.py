"""Percentiles over samples in seconds, reported in milliseconds."""

from __future__ import annotations

import math
import resource


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summary_ms(samples_s: list[float]) -> dict[str, float | int]:
    """n, p50, p95, p99 and max of `samples_s` (seconds) as milliseconds, 3 decimals."""
    values = sorted(samples_s)
    if not values:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50) * 1000, 3),
        "p95": round(percentile(values, 95) * 1000, 3),
        "p99": round(percentile(values, 99) * 1000, 3),
        "max": round(values[-1] * 1000, 3),
    }


def client_cpu_seconds() -> float:
    """CPU time (user + system) of this process so far: the bench client's own cost."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
