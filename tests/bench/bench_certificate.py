"""Benchmark: making a certificate PDF on request.

Run: python -m tests.bench.bench_certificate
Prints the first certificate of a fresh process (fonts not loaded yet), then
the median and slowest of later ones per language, their size, and a whole
download through the app (session, progress query, PDF) for comparison.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from app.config import FONTS_CSS, PROJECT_ROOT
from course.certificate import CertificateText, new_code, render_certificate
from course.pdf import PdfSettings

ROUNDS = 20
SETTINGS = PdfSettings(FONTS_CSS, translations_dir=PROJECT_ROOT / "translations")
TITLES = {
    "en": ("Principles of omnichannel", "Ada Lovelace"),
    "pl": ("Zasady omnikanałowości", "Zofia Kowalska"),
    "zh": ("全渠道的基本原则", "张伟"),
    "yo": ("Àwọn ìpìlẹ̀ omnichannel", "Adébáyọ̀ Ọláòṣebìkan"),
}


def text(locale: str) -> CertificateText:
    title, holder = TITLES[locale]
    return CertificateText(
        holder=holder,
        course_title="Omnichannel strategy",
        title=title,
        title_locale=locale,
        completed_on=date(2026, 11, 25),
        code=new_code(),
        verify_url="https://courses.example.org/verify/ABCD-EFGH-JKMN-PQRS-TVWX",
        module_number=1,
        eqf="3-5",
    )


def first_in_fresh_process() -> float:
    code = (
        "import time; from tests.bench.bench_certificate import SETTINGS, text;"
        "from course.certificate import render_certificate;"
        "t = time.perf_counter(); render_certificate(text('zh'), 'zh', SETTINGS);"
        "print(time.perf_counter() - t)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip())


def through_the_app() -> list[float]:
    """Seconds per download of an issued certificate, through the app's test client."""
    from tests.app.test_certificates import MODULE_PDF, complete, learner
    from tests.conftest import make_app

    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        client = learner(app)
        complete(client, app)
        client.get(MODULE_PDF)  # issue it, and load the fonts
        seconds = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            response = client.get(MODULE_PDF)
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 200
        return seconds


def main() -> None:
    cold = first_in_fresh_process()
    print(f"first certificate in a fresh process (zh, fonts loaded on the way): {cold:.2f} s")
    print(f"{'locale':<8}{'median ms':>10}{'max ms':>9}{'size KB':>9}")
    for locale in TITLES:
        render_certificate(text(locale), locale, SETTINGS)  # fonts for this script
        seconds, size = [], 0
        for _ in range(ROUNDS):
            started = time.perf_counter()
            size = len(render_certificate(text(locale), locale, SETTINGS))
            seconds.append(time.perf_counter() - started)
        print(
            f"{locale:<8}{statistics.median(seconds) * 1000:>10.0f}"
            f"{max(seconds) * 1000:>9.0f}{size / 1024:>9.1f}"
        )
    app_seconds = through_the_app()
    print(
        f"download through the app (en, issued): median {statistics.median(app_seconds) * 1000:.0f}"
        f" ms, max {max(app_seconds) * 1000:.0f} ms over {ROUNDS}"
    )


if __name__ == "__main__":
    main()
