"""Benchmark: building the module PDFs, and serving a built PDF against a static file.

Run: python -m tests.bench.bench_pdf
Prints the seconds to build every PDF from scratch and to rebuild one module,
the build's peak memory, and requests per second for a PDF and static files.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.config import PROJECT_ROOT, pdf_settings
from course import load_course
from course.pdf import build_module_pdf, module_pdf
from tests.bench.server import get, measure, running_server

OMNICOURSE = str(Path(sys.executable).with_name("omnicourse"))


def timed_build(instance: Path) -> tuple[float, float]:
    """Run `omnicourse build --pdf`; return its seconds and peak memory (MiB)."""
    env = {**os.environ, "OMNICOURSE_INSTANCE_PATH": str(instance)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [OMNICOURSE, "build", "--pdf"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(process.stderr.read().decode())
    process.stderr.close()
    return seconds, usage.ru_maxrss / 1024


def one_module_in_process(out_dir: Path) -> float:
    """Seconds to build one module PDF in a process that has built one before (fonts loaded)."""
    course = load_course(PROJECT_ROOT / "content")
    config = pdf_settings({"TRANSLATIONS_DIR": str(PROJECT_ROOT / "translations")})
    warm_up = module_pdf(course, "en", "principles", out_dir, config)
    build_module_pdf(course, warm_up, config)
    target = module_pdf(course, "zh", "principles", out_dir, config)
    started = time.perf_counter()
    build_module_pdf(course, target, config)
    return time.perf_counter() - started


def learner_copy(folder: Path, slug: str) -> Path:
    return next(p for p in folder.glob(f"{slug}.*.pdf") if ".answers." not in p.name)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        pdf_dir = instance / "build" / "pdf"
        all_seconds, peak = timed_build(instance)
        count = len(list(pdf_dir.rglob("*.pdf")))
        one = learner_copy(pdf_dir / "en", "principles")
        size = one.stat().st_size
        one.unlink()
        one_seconds, one_peak = timed_build(instance)
        in_process = one_module_in_process(Path(folder) / "scratch")

        print(f"build all {count} PDFs from scratch: {all_seconds:6.1f} s", end=" ")
        print(f"({all_seconds / count:.2f} s a PDF), peak memory {peak:.0f} MiB")
        print(f"rebuild one module PDF (command):  {one_seconds:6.1f} s", end=" ")
        print(f"(start-up included), peak memory {one_peak:.0f} MiB")
        print(f"one module PDF, warm process:      {in_process:6.2f} s")
        print(f"size of that module PDF:           {size / 1024:6.0f} KiB")

        env = {"OMNICOURSE_INSTANCE_PATH": str(instance), "OMNICOURSE_BUILD_ON_START": "false"}
        with running_server(workers=2, env=env) as port:
            pdf_url = "/en/modules/principles.pdf"
            static = "/static/css/site.css"
            font = "/static/fonts/NotoSans-Regular.woff2"
            for url in (pdf_url, static, font):
                measure("warm-up", port, get(url), clients=2, per_client=20)
            rows = [
                measure("built PDF", port, get(pdf_url)),
                measure("static CSS file", port, get(static)),
                measure("static font file", port, get(font)),
            ]
    print()
    print(f"{'endpoint':<28} {'throughput':>15}  latency")
    for row in rows:
        print(row.row())
    pdf, css, _font = rows
    print(f"\nbuilt PDF cost / static file cost (throughput): {css.rps / pdf.rps:.2f}x")


if __name__ == "__main__":
    main()
