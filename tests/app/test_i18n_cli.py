"""`omnicourse i18n …` and the catalogue checks of `omnicourse check`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

from app.cli import check
from app.cli.i18n import MAPPING, i18n
from course import load_course
from course.catalog import MISSING
from tests.app.test_i18n import COURSE, TRANSLATIONS, translate_module, write_catalogue
from tests.conftest import make_app


def msgids(path) -> set[str]:
    with path.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_status_lists_every_locale_and_module_with_catalogue_coverage(runner):
    result = runner.invoke(i18n, ["status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("module"))
    assert header.split() == ["module", "pl", "zh", "yo"]
    for module in COURSE.source_modules():
        row = next(line for line in lines if line.startswith(module.slug + " "))
        states = row.split()[1:]
        assert states == [COURSE.status(code, module.slug) for code in ("pl", "zh", "yo")]
    coverage = next(line for line in lines if line.startswith("interface strings"))
    assert re.findall(r"\d+% \(\d+/\d+\)", coverage) and len(coverage.split("%")) == 4


def test_status_strict_fails_on_a_missing_module_and_passes_when_complete(tmp_path, content):
    content.module(slug="basics", order=1)
    content.module(slug="advanced", order=2)
    translate_module(content, "basics")
    translations = tmp_path / "translations"
    write_catalogue(translations, "pl", {"Modules": "Moduły"})
    app = make_app(tmp_path, content.root, TRANSLATIONS_DIR=str(translations))
    result = app.test_cli_runner().invoke(i18n, ["status", "--strict"])
    assert result.exit_code == 1
    assert re.search(r"^advanced\s+missing", result.output, re.M)
    assert "1 module(s) missing, 0 outdated" in result.output

    translate_module(content, "advanced", order=2)
    app = make_app(tmp_path, content.root, TRANSLATIONS_DIR=str(translations))
    result = app.test_cli_runner().invoke(i18n, ["status", "--strict"])
    assert result.exit_code == 0, result.output
    assert "everything is translated" in result.output


def test_status_strict_fails_on_an_outdated_module_and_an_incomplete_catalogue(tmp_path, content):
    content.module()
    content.module(locale="pl", extra="source_hash: 0123456789abcdef0123456789abcdef01234567\n")
    translations = tmp_path / "translations"
    write_catalogue(translations, "pl", {"Modules": "Moduły", "Key points": ""})
    app = make_app(tmp_path, content.root, TRANSLATIONS_DIR=str(translations))
    result = app.test_cli_runner().invoke(i18n, ["status", "--strict"])
    assert result.exit_code == 1
    assert re.search(r"^basics\s+outdated", result.output, re.M)
    assert "50% (1/2)" in result.output
    assert "not in this repository's history" in result.output  # so no diff can be shown


def test_new_locale_scaffolds_content_and_catalogue(tmp_path, content):
    content.module(slug="basics", order=1)
    content.module(slug="advanced", order=2)
    translations = tmp_path / "translations"
    translations.mkdir()
    shutil.copy(TRANSLATIONS / "messages.pot", translations / "messages.pot")
    app = make_app(tmp_path, content.root, TRANSLATIONS_DIR=str(translations))
    result = app.test_cli_runner().invoke(i18n, ["new-locale", "eo"], input="Plurkanala kurso\n")
    assert result.exit_code == 0, result.output
    assert "The course's title in eo" in result.output  # asked, with the English as default
    assert load_course(content.root).title("eo") == "Plurkanala kurso"

    copies = sorted(p.name for p in (content.root / "eo").glob("*.md"))
    assert copies == ["01-basics.md", "02-advanced.md"]
    text = (content.root / "eo" / "01-basics.md").read_text(encoding="utf-8")
    assert text.startswith("---\n") and "\nuntranslated: true" in text
    course = load_course(content.root)
    assert not course.errors
    assert course.status("eo", "basics") == MISSING
    assert course.modules["eo"]["basics"].source_hash == course.modules["en"]["basics"].content_hash
    po = translations / "eo" / "LC_MESSAGES" / "messages.po"
    assert msgids(po) == msgids(translations / "messages.pot")
    assert po.with_suffix(".mo").is_file()

    app = make_app(tmp_path, content.root, TRANSLATIONS_DIR=str(translations))
    checked = app.test_cli_runner().invoke(check)
    assert checked.exit_code == 0, checked.output
    client = app.test_client()
    html = client.get("/eo/modules/basics/").get_data(as_text=True)
    assert '<html lang="eo"' in html and "not yet available in your language" in html
    status = app.test_cli_runner().invoke(i18n, ["status"]).output
    assert re.search(r"^basics\s+missing", status, re.M)

    again = app.test_cli_runner().invoke(i18n, ["new-locale", "eo"])
    assert again.exit_code == 0 and "kept" in again.output


@pytest.mark.parametrize("code", ["english", "../x", "qq"])
def test_new_locale_refuses_a_code_that_is_not_a_language(tmp_path, content, code):
    content.module()
    app = make_app(tmp_path, content.root, TRANSLATIONS_DIR=str(tmp_path / "translations"))
    result = app.test_cli_runner().invoke(i18n, ["new-locale", code])
    assert result.exit_code == 1
    assert "not a language code" in result.output
    assert not (content.root / code).exists()


@pytest.mark.slow
def test_extract_update_compile_round_trip(tmp_path):
    translations = tmp_path / "translations"
    app = make_app(tmp_path, TRANSLATIONS_DIR=str(translations))
    runner = app.test_cli_runner()
    result = runner.invoke(i18n, ["extract"])
    assert result.exit_code == 0, result.output
    extracted = msgids(translations / "messages.pot")
    assert {"Learning outcomes", "Translation status", "%(num)d minute"} <= extracted
    # The shipped template is up to date: every interface string is there to translate.
    assert extracted <= msgids(TRANSLATIONS / "messages.pot"), (
        "new interface strings: run `omnicourse i18n extract && omnicourse i18n update`, "
        "translate them, then `omnicourse i18n compile`"
    )

    target = translations / "pl" / "LC_MESSAGES"
    target.mkdir(parents=True)
    po = target / "messages.po"
    po.write_text(
        (TRANSLATIONS / "pl" / "LC_MESSAGES" / "messages.po")
        .read_text(encoding="utf-8")
        .replace('msgid "Key points"', 'msgid "Old key points"'),
        encoding="utf-8",
    )
    result = runner.invoke(i18n, ["update"])
    assert result.exit_code == 0, result.output
    assert msgids(po) == extracted
    result = runner.invoke(i18n, ["compile"])
    assert result.exit_code == 0, result.output
    compiled = Translations.load(str(translations), ["pl"])
    assert compiled.gettext("Learning outcomes") == "Efekty uczenia się"
    assert compiled.gettext("Key points") == "Key points"  # changed: fuzzy, not used yet


def test_babel_cfg_finds_plurals_and_lazy_strings_in_python_and_templates(tmp_path):
    (tmp_path / "app" / "templates").mkdir(parents=True)
    (tmp_path / "app" / "forms.py").write_text(
        'LABEL = _l("A lazy label")\n'
        "def wait(n):\n"
        '    return ngettext("Wait %(num)d minute "\n'
        '                    "please.", "Wait %(num)d minutes please.", n)\n',
        encoding="utf-8",
    )
    (tmp_path / "app" / "templates" / "page.html").write_text(
        '{{ _("A heading") }} {{ ngettext("%(num)d day", "%(num)d days", n) }}\n',
        encoding="utf-8",
    )
    out = tmp_path / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract"]
    command += ["-F", str(MAPPING), "-o", str(out), str(tmp_path)]
    subprocess.run(command, check=True, capture_output=True)
    with out.open("rb") as handle:
        found = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(handle) if m.id}
    assert found == {
        "A lazy label",
        ("Wait %(num)d minute please.", "Wait %(num)d minutes please."),
        "A heading",
        ("%(num)d day", "%(num)d days"),
    }


def test_check_reports_a_malformed_catalogue_with_file_and_line(tmp_path, content):
    content.module()
    translations = tmp_path / "translations"
    po = write_catalogue(translations, "pl", {"Modules": "Moduły"})
    lines = po.read_text(encoding="utf-8").splitlines()
    lines.insert(len(lines) - 1, "msgstr_typo oops")
    po.write_text("\n".join(lines) + "\n", encoding="utf-8")
    app = make_app(tmp_path, content.root, TRANSLATIONS_DIR=str(translations))
    result = app.test_cli_runner().invoke(check)
    assert result.exit_code == 1
    assert f"{po}:{len(lines) - 1}: broken catalogue" in result.output


def test_check_reports_wrong_placeholders_and_a_stale_compiled_file(tmp_path, content):
    content.module()
    translations = tmp_path / "translations"
    po = write_catalogue(translations, "zh", {"EQF level %(level)s": "EQF 级别 %(levle)s"})
    line = next(
        n
        for n, text in enumerate(po.read_text().splitlines(), 1)
        if text == 'msgid "EQF level %(level)s"'
    )
    po.write_text(po.read_text().replace("EQF 级别", "EQF 等级"), encoding="utf-8")
    app = make_app(tmp_path, content.root, TRANSLATIONS_DIR=str(translations))
    result = app.test_cli_runner().invoke(check)
    assert result.exit_code == 1
    assert f"{po}:{line}: " in result.output and "levle" in result.output
    assert f"{po}:1: the compiled catalogue is out of date" in result.output
