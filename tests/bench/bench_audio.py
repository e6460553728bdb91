"""Benchmark: building the course's audio offline (eSpeak NG + LAME), and serving it.

Run: python -m tests.bench.bench_audio
Prints the seconds to build all audio from scratch, the seconds to rebuild
after one section changed (only that section and its module file), the bytes
per minute of audio, and the cost of a Range request.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from app.config import build_settings
from course import load_course
from course.audio import Manifest
from course.build import plan, run
from tests.conftest import REAL_CONTENT, make_app

# Offline: what CI and a machine without internet use.
SETTINGS = build_settings({"TTS_ENGINES": "recording,espeak"})


def build(content: Path, instance: Path) -> tuple[float, list[str]]:
    started = time.perf_counter()
    jobs = plan(load_course(content), instance / "build", ["audio"], SETTINGS)
    report = run(jobs)
    assert not report.failed, report.failed
    return time.perf_counter() - started, [job.label for job in jobs]


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        content, instance = Path(temp) / "content", Path(temp) / "instance"
        shutil.copytree(REAL_CONTENT, content)

        seconds, labels = build(content, instance)
        found = Manifest.load(instance / "build" / "audio")
        modules = [entry for target, entry in found.entries.items() if target.count("/") == 1]
        minutes = sum(entry.duration for entry in modules) / 60
        size = sum(entry.size for entry in modules)
        print(f"from scratch: {seconds:6.1f} s for {len(labels)} files")
        print(f"  {len(modules)} module files, {minutes:.0f} min of audio, {size / 1e6:.1f} MB")
        print(f"  synthesis speed: {minutes * 60 / seconds:.0f}x real time")
        print(f"bytes per minute of audio: {size / minutes / 1000:.0f} kB")

        module = content / "en" / "01-principles.md"
        text = module.read_text(encoding="utf-8")
        module.write_text(text.replace("Today this is normal.", "This is normal now."), "utf-8")
        seconds, labels = build(content, instance)
        print(f"one section changed: {seconds:6.2f} s, rebuilt {', '.join(labels)}")

        seconds, labels = build(content, instance)
        print(f"nothing changed: {seconds:6.2f} s ({len(labels)} jobs)")

        client = make_app(Path(temp), content).test_client()
        requests = 2000
        started = time.perf_counter()
        for n in range(requests):
            start = n * 65536 % 3_000_000
            headers = {"Range": f"bytes={start}-{start + 65535}"}
            with client.get("/en/modules/principles/audio.mp3", headers=headers) as response:
                assert response.status_code == 206
        per_request = (time.perf_counter() - started) / requests * 1000
        print(f"Range request of 64 kB (test client, one process): {per_request:.2f} ms")


if __name__ == "__main__":
    main()
