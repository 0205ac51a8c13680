"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def sample_times(fn: Callable[[], object], repeat: int) -> list[float]:
    """Call ``fn`` ``repeat`` times and return each call's wall time in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Return the median wall time of ``repeat`` calls of ``fn``, in seconds."""
    return statistics.median(sample_times(fn, repeat))


def percentile(times: list[float], share: float) -> float:
    """Return the ``share`` quantile (0.99 for p99) of ``times``."""
    ordered = sorted(times)
    index = min(len(ordered) - 1, round(share * (len(ordered) - 1)))
    return ordered[index]
