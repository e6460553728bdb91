"""Benchmark: how fast a content edit reaches a running server, and what a reload costs.

Run: python -m tests.bench.bench_reload [--edits 10] [--workers 2]

1. In one process: a full load of the course against the incremental reload
   after one file changed (what the watcher does), as a ratio in one run.
2. Against `omnicourse serve` on a copy of the course: for each edit, the
   seconds from writing the file until 12 answers in a row, spread over the
   workers, show the new text (so every worker has it).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from course.catalog import ContentLoader
from tests.app.test_live_content import PRINCIPLES, started, wait
from tests.conftest import REAL_CONTENT


def in_process(content: Path, rounds: int = 20) -> tuple[float, float]:
    """Median seconds of a full load and of the reload after one file changed."""
    full, incremental = [], []
    loader = ContentLoader(content)
    loader.load()
    path = content / PRINCIPLES
    for index in range(rounds):
        start = time.perf_counter()
        ContentLoader(content).load()
        full.append(time.perf_counter() - start)
        path.write_text(path.read_text(encoding="utf-8") + f"\n<!-- {index} -->\n", "utf-8")
        start = time.perf_counter()
        loader.load()
        incremental.append(time.perf_counter() - start)
    return statistics.median(full), statistics.median(incremental)


def on_a_server(content: Path, instance: Path, edits: int, workers: int) -> list[float]:
    latencies = []
    with started(content, instance, workers=workers) as server:
        server.get("/en/modules/principles/")
        for index in range(edits):
            marker = f"Edited sentence number {index}."
            path = content / PRINCIPLES
            text = path.read_text(encoding="utf-8")
            old = "only stores or only the web." if index == 0 else f"number {index - 1}."
            path.write_text(text.replace(old, marker, 1), encoding="utf-8")
            seconds = wait(
                lambda m=marker: all(
                    m in server.get("/en/modules/principles/")[1] for _ in range(12)
                ),
                timeout=30,
                what="the edit",
            )
            latencies.append(seconds)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        content = Path(folder) / "content"
        shutil.copytree(REAL_CONTENT, content)
        full, incremental = in_process(content)
        print(f"full load of the course:          {full * 1000:7.1f} ms (median)")
        print(f"reload after one file changed:    {incremental * 1000:7.1f} ms (median)")
        print(f"ratio full / incremental:         {full / incremental:7.1f}x")
        shutil.rmtree(content)
        shutil.copytree(REAL_CONTENT, content)
        latencies = on_a_server(content, Path(folder) / "instance", arguments.edits,
                                arguments.workers)  # fmt: skip
        print(
            f"edit to every worker ({arguments.workers} workers, {arguments.edits} edits): "
            f"median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s"
        )


if __name__ == "__main__":
    main()
