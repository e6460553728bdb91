"""Run every benchmark and print its figures: python -m tests.bench [NAME ...] [--OPTION ...]

Each benchmark is a module tests/bench/bench_<name>.py with a main() that
prints its own table of figures and ratios, all measured in one run. Options
after the names go to the benchmark (one name only), e.g.
`python -m tests.bench lighthouse --locale zh --page self-test`.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).parent


def available() -> list[str]:
    return sorted(path.stem.removeprefix("bench_") for path in BENCH_DIR.glob("bench_*.py"))


def main(args: list[str]) -> int:
    first_option = next((i for i, arg in enumerate(args) if arg.startswith("-")), len(args))
    names, options = args[:first_option] or available(), args[first_option:]
    if options and len(names) != 1:
        print("options go to one benchmark: name it first, e.g. lighthouse --locale zh")
        return 2
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
        return 2
    timings = []
    for name in names:
        print(f"\n=== {name} " + "=" * (60 - len(name)))
        started = time.perf_counter()
        sys.argv = [f"bench_{name}", *options]  # its own defaults unless options were given
        importlib.import_module(f"tests.bench.bench_{name}").main()
        timings.append((name, time.perf_counter() - started))
    print("\n=== summary " + "=" * 53)
    for name, seconds in timings:
        print(f"{name:<20} ran in {seconds:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
