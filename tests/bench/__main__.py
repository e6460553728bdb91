"""Run every benchmark and print its figures: python -m tests.bench [NAME ...]

Each benchmark is a module tests/bench/bench_<name>.py with a main() that
prints its own table of figures and ratios, all measured in one run.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).parent


def available() -> list[str]:
    return sorted(path.stem.removeprefix("bench_") for path in BENCH_DIR.glob("bench_*.py"))


def main(names: list[str]) -> int:
    names = names or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
        return 2
    timings = []
    for name in names:
        print(f"\n=== {name} " + "=" * (60 - len(name)))
        started = time.perf_counter()
        sys.argv = [f"bench_{name}"]  # each benchmark runs with its own defaults
        importlib.import_module(f"tests.bench.bench_{name}").main()
        timings.append((name, time.perf_counter() - started))
    print("\n=== summary " + "=" * 53)
    for name, seconds in timings:
        print(f"{name:<20} ran in {seconds:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
