"""Timing helper shared by the benchmarks: medians, because the machine is shared."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(fn: Callable[[], object], repeat: int = 5) -> float:
    """Run ``fn`` ``repeat`` times and return the median wall time in seconds."""
    if repeat < 1:
        raise ValueError(f"repeat: must be at least 1, got {repeat}. Pass repeat=5.")
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def median_time_per_call(fn: Callable[[], object], calls: int, repeat: int = 5) -> float:
    """Return the median over ``repeat`` runs of the mean seconds per call of ``calls`` calls."""

    def run() -> None:
        for _ in range(calls):
            fn()

    return median_time(run, repeat) / calls
