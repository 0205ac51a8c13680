"""Run every ``bench/bench_*.py`` (or those named on the command line) and print its results.

Each benchmark module exposes ``main()``, which prints its own medians and ratios.
Usage: ``python bench/run.py [scorecard ...]``.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    names = argv if argv is not None else sys.argv[1:]
    folder = Path(__file__).resolve().parent
    sys.path.insert(0, str(folder))
    paths = sorted(folder.glob("bench_*.py"))
    if names:
        paths = [p for p in paths if p.stem.removeprefix("bench_") in names]
        if not paths:
            print(
                f"no benchmark named {', '.join(names)}; available: "
                + ", ".join(p.stem.removeprefix("bench_") for p in folder.glob("bench_*.py"))
            )
            return 2
    for path in paths:
        print(f"=== {path.stem} ===")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        start = time.perf_counter()
        module.main()
        print(f"({path.stem} took {time.perf_counter() - start:.1f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
