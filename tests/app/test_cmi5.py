"""`omnicourse export cmi5`: a package an LMS with cmi5 imports, holding all an AU loads.

The shipped course is packaged in every language; `cmi5.xml` is validated against
the cmi5 CourseStructure.xsd shipped in app/channels/schemas/cmi5. An LMS and a real
LRS (Ralph) run an AU in tests/browser/test_cmi5.py.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from app.channels.cmi5_structure import NAMESPACE, SCHEMA
from app.cli.export import export
from course import load_course
from tests.conftest import REAL_CONTENT, make_app

pytestmark = pytest.mark.slow  # the tests render and zip a course

COURSE = load_course(REAL_CONTENT)
NS = {"c": NAMESPACE}


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> Path:
    """Every locale's package, as `omnicourse-LOCALE-cmi5.zip`."""
    root = tmp_path_factory.mktemp("cmi5")
    runner = make_app(root, SERVER_NAME="course.example.org").test_cli_runner()
    done = runner.invoke(export, ["cmi5", "--all-locales", "--out", str(root / "out"),
                                  "--no-build"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert done.output.count("Wrote ") == len(COURSE.locales)
    return root / "out"


def structure(packages: Path, locale: str) -> etree._Element:
    with zipfile.ZipFile(packages / f"omnicourse-{locale}-cmi5.zip") as archive:
        return etree.fromstring(archive.read("cmi5.xml"))


def names(packages: Path, locale: str) -> set[str]:
    with zipfile.ZipFile(packages / f"omnicourse-{locale}-cmi5.zip") as archive:
        return set(archive.namelist())


def test_every_locales_cmi5_xml_is_valid_against_the_cmi5_schema(packages):
    schema = etree.XMLSchema(etree.parse(str(SCHEMA), etree.XMLParser(no_network=True)))
    for locale in COURSE.locales:
        document = structure(packages, locale)
        assert schema.validate(document), (locale, schema.error_log)


def test_one_au_per_module_in_course_order_with_its_language_mastery_score_and_move_on(packages):
    for locale in COURSE.locales:
        document = structure(packages, locale)
        course = document.find("c:course", NS)
        assert course.get("id") == "http://course.example.org/"
        title = course.find("c:title/c:langstring", NS)
        assert (title.text, title.get("lang")) == (COURSE.title(locale), locale)
        aus = document.findall("c:au", NS)
        modules = [resolved.module for resolved in COURSE.modules_for(locale)]
        assert len(aus) == len(modules) == len(COURSE.source_modules())
        for au, module in zip(aus, modules, strict=True):
            assert au.get("id") == f"http://course.example.org/modules/{module.slug}"
            assert au.findtext("c:title/c:langstring", namespaces=NS) == module.title
            assert au.find("c:title/c:langstring", NS).get("lang") == locale
            assert au.findtext("c:description/c:langstring", namespaces=NS)
            assert au.get("moveOn") == "CompletedAndPassed"
            assert au.get("masteryScore") == "0.7"  # content/course.yaml: pass_threshold 0.7
            assert au.get("launchMethod") == "AnyWindow"
            assert au.findtext("c:url", namespaces=NS) == (
                f"{locale}/modules/{module.slug}/index.html"
            )  # relative: the LMS serves it from where it unpacked the package


def test_every_au_and_everything_it_loads_is_in_the_package(packages):
    for locale in COURSE.locales:
        held = names(packages, locale)
        assert "cmi5.xml" in held  # at the root, where an LMS looks for it
        urls = [u.text for u in structure(packages, locale).iterfind("c:au/c:url", NS)]
        assert set(urls) <= held
        with zipfile.ZipFile(packages / f"omnicourse-{locale}-cmi5.zip") as archive:
            for url in urls:
                html = archive.read(url).decode()
                assert f'<html lang="{locale}"' in html
                assert "data-static-quiz" in html  # the self-test, graded in the page
                assert "scorm.js" not in html
                for loaded in ("static/js/cmi5.js", "static/js/static-quiz.js"):
                    src = next(part.split('"')[1] for part in html.split("<script")[1:]
                               if loaded in part.split(">")[0])  # fmt: skip
                    path = urlsplit(src).path
                    assert posixpath.normpath(posixpath.join(posixpath.dirname(url), path)) in held


def test_a_package_of_a_small_course_uses_its_pass_threshold_as_mastery_score(tmp_path, content):
    content.module()
    runner = make_app(tmp_path, content.root).test_cli_runner()
    out = tmp_path / "basics.zip"
    done = runner.invoke(export, ["cmi5", "--locale", "en", "--out", str(out), "--no-build"])
    assert done.exit_code == 0, done.output
    assert "1 AUs" in done.output
    with zipfile.ZipFile(out) as archive:
        au = etree.fromstring(archive.read("cmi5.xml")).find("c:au", NS)
    assert (au.get("moveOn"), au.get("masteryScore")) == ("CompletedAndPassed", "0.6")
