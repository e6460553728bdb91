"""Building module PDFs: incremental by content hash, paper sizes, failures kept apart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from app.cli import build
from app.config import FONTS_CSS, pdf_settings
from course import load_course
from course.build import run
from course.pdf import module_pdf, plan_pdfs
from tests.conftest import REAL_CONTENT, make_app
from tests.course.test_pdf import embedded_fonts, pdf_text, squeeze

# Each test runs WeasyPrint on a small course, several seconds in all.
pytestmark = pytest.mark.slow


def labels(course_root: Path, config: dict) -> list[str]:
    return sorted(
        job.label
        for job in plan_pdfs(load_course(course_root), config["OUT"], pdf_settings(config))
    )


def test_only_what_changed_is_rebuilt(tmp_path, content):
    content.module(slug="basics", order=1)
    other = content.module(slug="advanced", order=2, title="Advanced")
    (content.root / "pl").mkdir()  # no translations yet: pl PDFs show the English modules
    translations = tmp_path / "translations"
    config = {"OUT": tmp_path / "out", "TRANSLATIONS_DIR": str(translations)}

    assert labels(content.root, config) == [
        "en/advanced-answers.pdf", "en/advanced.pdf", "en/basics-answers.pdf", "en/basics.pdf",
        "pl/advanced-answers.pdf", "pl/advanced.pdf", "pl/basics-answers.pdf", "pl/basics.pdf",
    ]  # fmt: skip
    assert not run(plan_pdfs(load_course(content.root), config["OUT"], pdf_settings(config))).failed
    assert labels(content.root, config) == []

    other.write_text(other.read_text(encoding="utf-8"), encoding="utf-8")  # touched, same text
    assert labels(content.root, config) == []

    other.write_text(other.read_text().replace("Advanced", "Advanced topics"), encoding="utf-8")
    assert labels(content.root, config) == [
        "en/advanced-answers.pdf", "en/advanced.pdf", "pl/advanced-answers.pdf", "pl/advanced.pdf",
    ]  # fmt: skip
    run(plan_pdfs(load_course(content.root), config["OUT"], pdf_settings(config)))
    learner_copies = [
        p for p in (config["OUT"] / "en").glob("advanced.*.pdf") if ".answers." not in p.name
    ]
    assert len(learner_copies) == 1 and "Advancedtopics" in pdf_text(learner_copies[0])

    catalog = Catalog(locale="pl")
    catalog.add("Learning outcomes", "Efekty uczenia się")
    (translations / "pl" / "LC_MESSAGES").mkdir(parents=True)
    with (translations / "pl" / "LC_MESSAGES" / "messages.mo").open("wb") as file:
        write_mo(file, catalog)
    assert all(label.startswith("pl/") for label in labels(content.root, config))
    run(plan_pdfs(load_course(content.root), config["OUT"], pdf_settings(config)))
    target = module_pdf(
        load_course(content.root), "pl", "basics", config["OUT"], pdf_settings(config)
    )
    assert squeeze("Efekty uczenia się") in pdf_text(target.path)


def test_a_missing_translation_is_printed_in_the_source_language_with_a_notice(tmp_path, content):
    content.module(slug="basics", title="Basics of omnichannel")
    (content.root / "pl").mkdir()
    course = load_course(content.root)
    run(plan_pdfs(course, tmp_path, pdf_settings({})))
    path = module_pdf(course, "pl", "basics", tmp_path, pdf_settings({})).path
    text = pdf_text(path)
    assert squeeze("Basics of omnichannel") in text
    assert squeeze("This module is not yet available in your language.") in text
    assert pypdf.PdfReader(path).trailer["/Root"]["/Lang"] == "pl"


def test_a_failing_module_is_reported_with_its_file_and_the_others_are_built(tmp_path, content):
    content.module(slug="basics", order=1)
    broken = content.module(slug="advanced", order=2, title="Advanced")
    course = load_course(content.root)
    out = tmp_path / "out"
    blocked = module_pdf(course, "en", "advanced", out, pdf_settings({}))
    blocked.path.mkdir(parents=True)  # a folder where the PDF must go: writing it fails

    report = run(plan_pdfs(course, out, pdf_settings({})))

    assert len(report.failed) == 1
    assert report.failed[0].startswith(f"{broken}: en/advanced.pdf: ")
    assert sorted(report.built) == [
        "en/advanced-answers.pdf",
        "en/basics-answers.pdf",
        "en/basics.pdf",
    ]
    assert module_pdf(course, "en", "basics", out, pdf_settings({})).path.is_file()
    assert list(out.rglob("*.tmp")) == []  # no half-written file left behind


def test_paper_is_a4_by_default_and_letter_on_request(tmp_path, content):
    content.module(slug="basics")
    course = load_course(content.root)
    sizes = {}
    for paper in ("A4", "letter"):
        config = {"PDF_PAGE_SIZE": paper}
        run(plan_pdfs(course, tmp_path, pdf_settings(config)))
        path = module_pdf(course, "en", "basics", tmp_path, pdf_settings(config)).path
        box = pypdf.PdfReader(path).pages[0].mediabox
        sizes[paper] = (round(float(box.width)), round(float(box.height)))
    assert sizes == {"A4": (595, 842), "letter": (612, 792)}


def test_pdfs_need_no_system_fonts(tmp_path):
    """A fresh machine with no font packages: only the fonts in static/fonts/ exist."""
    fonts_conf = tmp_path / "fonts.conf"
    fonts_conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        f"<fontconfig><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(fonts_conf)}
    course = load_course(REAL_CONTENT)
    for locale in ("zh", "yo"):
        command = [
            sys.executable,
            "-m",
            "course.pdf",
            str(REAL_CONTENT),
            str(tmp_path),
            locale,
            "principles",
            "--fonts-css",
            str(FONTS_CSS),
        ]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert "no font for" not in result.stderr
        path = Path(result.stdout.strip())
        fonts = embedded_fonts(path)
        assert all(name.startswith("Noto-Sans") for name in fonts), fonts.keys()
        title = course.modules[locale]["principles"].title
        assert squeeze(title) in pdf_text(path)
        assert set(title.replace(" ", "")) <= set().union(*fonts.values())


def test_build_command_builds_the_pdfs_then_finds_them_up_to_date(tmp_path, content):
    content.module(slug="basics")
    runner = make_app(tmp_path, content.root).test_cli_runner()
    first = runner.invoke(build, ["--pdf"])
    assert first.exit_code == 0, first.output
    assert "Built 2 file(s), 0 failure(s)." in first.output
    again = runner.invoke(build, ["--pdf"])
    assert again.output.strip() == "Up to date: pdf."


def test_build_command_names_the_module_file_of_a_failed_pdf_and_exits_1(tmp_path, content):
    path = content.module(slug="basics")
    app = make_app(tmp_path, content.root)
    out = Path(app.instance_path) / "build" / "pdf"
    module_pdf(load_course(content.root), "en", "basics", out, pdf_settings(app.config)).path.mkdir(
        parents=True
    )
    result = app.test_cli_runner().invoke(build, ["--pdf"])
    assert result.exit_code == 1
    assert f"failed: {path}: en/basics.pdf" in result.output
    assert "Built 1 file(s), 1 failure(s)." in result.output
