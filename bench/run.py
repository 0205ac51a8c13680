"""Run every benchmark in this folder, or the ones named: ``python bench/run.py [NAME ...]``.

Each ``bench_*.py`` module exposes ``main() -> None``, runs the library and the tool a
user would otherwise pick on the same input in one process, and prints medians and the
ratio. A benchmark whose comparison tool is not installed says so and carries on.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all when none is named); return the exit status."""
    sys.path.insert(0, str(HERE))
    available = sorted(path.stem for path in HERE.glob("bench_*.py"))
    parser = argparse.ArgumentParser(
        prog="python bench/run.py",
        description="Run the benchmarks and print medians and ratios against the tools a user would otherwise pick.",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME",
        help="benchmarks to run, with or without the bench_ prefix (default: all of "
        + ", ".join(name.removeprefix("bench_") for name in available) + ")",
    )
    names = parser.parse_args(argv).names
    wanted = [name if name.startswith("bench_") else f"bench_{name}" for name in names] or available
    unknown = [name for name in wanted if name not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}", file=sys.stderr)
        return 2
    for name in wanted:
        print(f"== {name}")
        started = time.perf_counter()
        importlib.import_module(name).main()
        print(f"   ({time.perf_counter() - started:.1f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
