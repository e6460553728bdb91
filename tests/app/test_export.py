"""`omnicourse export site` on a small course: what it writes, and what it refuses to overwrite.

The shipped course, served by a static web server to Chromium: tests/browser/test_static_site.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OMNICOURSE = str(Path(sys.executable).with_name("omnicourse"))


def export(content, tmp_path: Path, out: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMNICOURSE_INSTANCE_PATH": str(tmp_path / "instance"),
           "OMNICOURSE_CONTENT_DIR": str(content.root)}  # fmt: skip
    return subprocess.run([OMNICOURSE, "export", "site", "--out", str(out), "--no-build"],
                          env=env, capture_output=True, text=True, check=False)  # fmt: skip


def test_the_export_writes_each_locales_pages_and_replaces_an_earlier_export(content, tmp_path):
    content.module()
    content.module(locale="pl", title="Podstawy", extra="source_hash: abc\n")
    out = tmp_path / "site"
    first = export(content, tmp_path, out)
    assert first.returncode == 0, first.stderr
    assert "self-test pages" in first.stdout
    page = (out / "pl" / "modules" / "basics" / "index.html").read_text()
    assert "Podstawy" in page and "/auth/" not in page and 'href="quiz/index.html"' in page
    assert (out / "pl" / "modules" / "basics" / "quiz" / "12" / "index.html").is_file()
    assert "en/index.html" in (out / "sw.js").read_text()
    (out / "en" / "stray.html").write_text("from an earlier export")
    again = export(content, tmp_path, out)
    assert again.returncode == 0, again.stderr
    assert not (out / "en" / "stray.html").exists()


def test_a_folder_that_is_not_an_export_is_never_emptied(content, tmp_path):
    content.module()
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.txt").write_text("years of work")
    done = export(content, tmp_path, out)
    assert done.returncode == 1
    assert "is not empty and is not an earlier export" in done.stderr
    assert (out / "thesis.txt").read_text() == "years of work"
    assert sorted(p.name for p in out.iterdir()) == ["thesis.txt"]
