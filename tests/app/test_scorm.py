"""`omnicourse export scorm12|scorm2004`: packages an LMS accepts, holding all a SCO loads.

The shipped course is packaged in every language for both versions; an LMS in
Chromium (scorm-again) runs the SCOs in tests/browser/test_scorm.py.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.cli.export import export
from course import load_course
from tests.conftest import OFFLINE_BUILD, REAL_CONTENT, make_app
from tests.scorm import manifest, manifest_schema, names

pytestmark = pytest.mark.slow  # each test renders and zips a course

COURSE = load_course(REAL_CONTENT)
VERSIONS = ("scorm12", "scorm2004")
CP = {"scorm12": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
      "scorm2004": "http://www.imsglobal.org/xsd/imscp_v1p1"}  # fmt: skip
LOADED = re.compile(
    r'<(?:script|img|audio|video|source|track|iframe)\b[^>]*\bsrc="(?P<src>[^"]*)"'
    r'|<link\b[^>]*\bhref="(?P<href>[^"]*)"'
)
LINKED = re.compile(r'<a\b[^>]*\bhref="([^"]*)"')
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[str, Path]:
    """Every locale's package of each version, as `VERSION/omnicourse-LOCALE-VERSION.zip`."""
    root = tmp_path_factory.mktemp("scorm")
    runner = make_app(root).test_cli_runner()
    for version in VERSIONS:
        done = runner.invoke(
            export, [version, "--all-locales", "--out", str(root / version), "--no-build"]
        )
        assert done.exit_code == 0, done.output
        assert done.output.count("Wrote ") == len(COURSE.locales)
    return {version: root / version for version in VERSIONS}


def package(packages, version: str, locale: str) -> Path:
    return packages[version] / f"omnicourse-{locale}-{version}.zip"


def cp(version: str, name: str) -> str:
    return f"{{{CP[version]}}}{name}"


@pytest.mark.parametrize("version", VERSIONS)
def test_every_locales_manifest_is_valid_against_the_shipped_schemas(packages, version):
    schema = manifest_schema(version)
    for locale in COURSE.locales:
        document = manifest(package(packages, version, locale))
        assert schema.validate(document), (locale, schema.error_log)


@pytest.mark.parametrize("version", VERSIONS)
def test_one_sco_per_module_in_course_order_with_its_title_and_pass_threshold(packages, version):
    for locale in COURSE.locales:
        document = manifest(package(packages, version, locale))
        path = f"{cp(version, 'organizations')}/{cp(version, 'organization')}"
        organization = document.find(path)
        assert organization.findtext(cp(version, "title")) == COURSE.title(locale)
        items = organization.findall(cp(version, "item"))
        modules = [resolved.module for resolved in COURSE.modules_for(locale)]
        assert [item.findtext(cp(version, "title")) for item in items] == [m.title for m in modules]
        resources = {r.get("identifier"): r for r in document.iter(cp(version, "resource"))}
        for item, module in zip(items, modules, strict=True):
            launched = resources[item.get("identifierref")]
            assert launched.get("href") == f"{locale}/modules/{module.slug}/index.html"
            assert "sco" in launched.attrib.values()
            if version == "scorm12":
                mastery = item.findtext("{http://www.adlnet.org/xsd/adlcp_rootv1p2}masteryscore")
                assert mastery == "70"  # content/course.yaml: pass_threshold 0.7
            else:
                measure = item.findtext(
                    ".//{http://www.imsglobal.org/xsd/imsss}minNormalizedMeasure"
                )
                assert measure == "0.7"


@pytest.mark.parametrize("version", VERSIONS)
def test_the_manifest_lists_every_file_of_the_package_and_the_package_every_file_listed(
    packages, version
):
    for locale in COURSE.locales:
        zipped = package(packages, version, locale)
        listed = {f.get("href") for f in manifest(zipped).iter(cp(version, "file"))}
        held = {n for n in names(zipped) if not n.endswith((".xsd", ".dtd"))} - {"imsmanifest.xml"}
        assert "imsmanifest.xml" in names(zipped)  # at the root, where an LMS looks for it
        assert listed == held
        assert {name for name in held if name.startswith(f"{locale}/")} == {
            f"{locale}/modules/{resolved.module.slug}/index.html"
            for resolved in COURSE.modules_for(locale)
        }  # nothing built (--no-build): each SCO is its page, its styles and scripts shared


@pytest.mark.parametrize("version", VERSIONS)
def test_a_sco_loads_nothing_from_outside_its_package(packages, version):
    """Scripts, styles, images, fonts and media come from the package; only links to the
    bibliography's sources lead out, and only when the learner follows one."""
    for locale in COURSE.locales:
        zipped = package(packages, version, locale)
        held = names(zipped)
        with zipfile.ZipFile(zipped) as archive:
            pages = {n: archive.read(n).decode() for n in held if n.endswith(".html")}
            styles = {n: archive.read(n).decode() for n in held if n.endswith(".css")}
        assert pages
        for name, html in pages.items():
            loaded = [m["src"] or m["href"] for m in LOADED.finditer(html)]
            assert any(url.startswith("../../../static/js/scorm.js") for url in loaded), name
            for url in loaded + [u for u in LINKED.findall(html) if not _outward(u)]:
                assert _inside(name, url, held), (name, url)
        for name, css in styles.items():
            for url in CSS_URL.findall(css):
                if not url.startswith("data:"):
                    assert _inside(name, url, held), (name, url)


def _outward(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https", "mailto")


def _inside(page: str, url: str, held: set[str]) -> bool:
    """`url`, relative to `page`, names a file of the package (an in-page anchor: the page)."""
    parts = urlsplit(url)
    if parts.scheme or url.startswith("//"):
        return False
    if not parts.path:
        return page in held
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), parts.path))
    return target in held


@pytest.mark.parametrize("version", VERSIONS)
def test_a_sco_page_has_its_language_its_self_test_and_no_way_out_to_the_site(packages, version):
    for locale in COURSE.locales:
        zipped = package(packages, version, locale)
        with zipfile.ZipFile(zipped) as archive:
            for resolved in COURSE.modules_for(locale):
                html = archive.read(f"{locale}/modules/{resolved.module.slug}/index.html").decode()
                assert f'<html lang="{locale}"' in html
                assert f'data-scorm-version="{version}"' in html
                assert "data-static-quiz" in html and 'id="quiz-key"' in html
                assert '"retry": "in-place"' in html  # no other draw to go to
                assert "data-service-worker" not in html and "manifest.webmanifest" not in html
                for question in resolved.module.quiz.questions:
                    if f'id="{question.id}"' in html:  # a drawn question: its explanation too
                        assert f'data-explanation="{question.id}"' in html


def test_a_package_of_a_small_course_uses_its_pass_threshold(tmp_path, content):
    content.module()
    runner = make_app(tmp_path, content.root).test_cli_runner()
    out = tmp_path / "basics.zip"
    done = runner.invoke(export, ["scorm12", "--locale", "en", "--out", str(out), "--no-build"])
    assert done.exit_code == 0, done.output
    assert "1 SCOs" in done.output
    item = manifest(out).find(f".//{cp('scorm12', 'item')}")
    assert item.findtext("{http://www.adlnet.org/xsd/adlcp_rootv1p2}masteryscore") == "60"


def test_a_sco_holds_its_modules_built_audio_and_pdf(tmp_path, content):
    content.module()
    runner = make_app(tmp_path, content.root, **OFFLINE_BUILD).test_cli_runner()
    out = tmp_path / "basics.zip"
    done = runner.invoke(export, ["scorm2004", "--out", str(out)])  # builds them first
    assert done.exit_code == 0, done.output
    assert "not packaged" not in done.output
    sco = next(r for r in manifest(out).iter(cp("scorm2004", "resource")) if r.get("href"))
    files = {f.get("href") for f in sco.iter(cp("scorm2004", "file"))}
    assert {"en/modules/basics/audio.mp3", "en/modules/basics.pdf"} <= files <= names(out)
    with zipfile.ZipFile(out) as archive:
        html = archive.read("en/modules/basics/index.html").decode()
        assert archive.read("en/modules/basics/audio.mp3")[:3] in (b"ID3", b"\xff\xfb")
    assert 'src="audio.mp3' in html and 'href="../basics.pdf"' in html


def test_an_unknown_locale_or_both_locale_options_are_refused(tmp_path, content):
    content.module()
    runner = make_app(tmp_path, content.root).test_cli_runner()
    unknown = runner.invoke(export, ["scorm2004", "--locale", "xx", "--no-build"])
    assert unknown.exit_code == 2 and "xx (the course has en)" in unknown.output
    both = runner.invoke(export, ["scorm2004", "--locale", "en", "--all-locales", "--no-build"])
    assert both.exit_code == 2 and "not both" in both.output
    assert not list(Path().glob("omnicourse-*-scorm2004.zip"))
