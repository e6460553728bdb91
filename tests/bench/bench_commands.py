"""Benchmark: how long each `omnicourse` command takes on the shipped course.

Run: python -m tests.bench.bench_commands
Goal: every command answers within 1 s (builds aside). Each runs in a new process,
as from a terminal, five times on an instance whose parsed modules are cached;
`check` also once on an empty instance (every module parsed).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = [
    ["users", "list"],
    ["db", "status"],
    ["mail", "status"],
    ["routes"],
    ["check"],
    ["i18n", "status"],
]
RUNS = 5


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("omnicourse")), *command],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "OMNICOURSE_INSTANCE_PATH": instance}
        subprocess.run([str(Path(sys.executable).with_name("omnicourse")), "db", "upgrade"],
                       env=env, capture_output=True, check=True)  # fmt: skip
        cold = timed(["check"], env)  # parses every module and keeps the parses
        rows = [(" ".join(c), [timed(c, env) for _ in range(RUNS)]) for c in COMMANDS]
    print(f"{'command':<20} {'median':>8} {'slowest':>8}")
    for name, seconds in rows:
        print(f"omnicourse {name:<9} {statistics.median(seconds):7.2f}s {max(seconds):7.2f}s")
    print(f"omnicourse check, nothing cached yet: {cold:.2f}s")
    worst = max(statistics.median(seconds) for _, seconds in rows)
    print(f"slowest median: {worst:.2f}s (goal < 1 s)")


if __name__ == "__main__":
    main()
