"""Timing helpers shared by the benchmarks: medians of repeated runs, never a single run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_time(function: Callable[[], Any], repeat: int = 7, number: int = 1) -> float:
    """Return the median wall time in seconds of ``number`` calls, over ``repeat`` runs.

    The result is per call: the time of one run divided by ``number``. One warm-up call
    runs first so that imports and caches do not count.
    """
    function()
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        timings.append((time.perf_counter() - start) / number)
    return statistics.median(timings)


def percentile_times(function: Callable[[], Any], calls: int) -> tuple[float, float]:
    """Return the median and 99th percentile of ``calls`` single-call times, in seconds."""
    function()
    timings = []
    for _ in range(calls):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, int(0.99 * len(timings)))]


def format_seconds(seconds: float) -> str:
    """Format a duration with a unit that keeps three significant digits."""
    if seconds >= 1:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def report(label: str, ours: float, theirs: float, other_name: str) -> None:
    """Print one comparison line: both medians and how many times faster b2bcredit is."""
    ratio = theirs / ours if ours > 0 else float("inf")
    print(
        f"{label:<44} b2bcredit {format_seconds(ours):>10}   {other_name} {format_seconds(theirs):>10}"
        f"   ratio {ratio:6.2f}x"
    )
