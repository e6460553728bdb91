"""Every language: catalogues, locale choice, fallbacks, new and right-to-left locales."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po
from babel.support import Translations

from app.cli import check
from app.cli.i18n import i18n
from app.config import PROJECT_ROOT
from course import load_course
from course.loader import git_blob_hash, load_module
from course.translation import catalogue_coverage, check_catalogues
from tests.conftest import REAL_CONTENT, make_app
from tests.quizzes import take_quiz

TRANSLATIONS = PROJECT_ROOT / "translations"
COURSE = load_course(REAL_CONTENT)
TRANSLATED_LOCALES = [code for code in COURSE.locales if code != COURSE.source_locale]
FALLBACK_NOTICE = (
    "This module is not yet available in your language. It is shown in its original language."
)
OUTDATED_NOTE = (
    "Parts of this module are not yet translated, or their original has changed since; "
    "they are marked below."
)
OUTDATED_PART_NOTE = "The original of this part has changed since it was translated."
MISSING_PART_NOTE = (
    "This part is not yet translated into your language. It is shown in its original language."
)


def gettext(locale: str, message: str) -> str:
    """`message` as the shipped catalogue of `locale` translates it."""
    return Translations.load(str(TRANSLATIONS), [locale]).gettext(message)


def write_catalogue(root: Path, locale: str, messages: dict[str, str]) -> Path:
    """A compiled catalogue for `locale` in a translations folder `root`."""
    catalogue = Catalog(locale=locale)
    for msgid, msgstr in messages.items():
        catalogue.add(msgid, msgstr)
    folder = root / locale / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "messages.po").open("wb") as handle:
        write_po(handle, catalogue)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, catalogue)
    return folder / "messages.po"


def translate_module(content, slug: str = "basics", locale: str = "pl", **kwargs) -> Path:
    """A translation of the English module `slug` made from its current version."""
    source = next((content.root / "en").glob(f"*-{slug}.md"))
    hashes = load_module(source, "en").part_hashes
    extra = f"source_hash: {git_blob_hash(source.read_bytes())}\nsource_hashes:\n"
    extra += "".join(f"  {part}: {value}\n" for part, value in hashes.items())
    return content.module(slug=slug, locale=locale, extra=extra, **kwargs)


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_each_shipped_catalogue_is_complete_and_compiled(locale):
    coverage = catalogue_coverage(TRANSLATIONS, locale)
    assert coverage is not None, f"no catalogue for {locale}"
    assert coverage.complete, f"{locale}: {coverage.translated} of {coverage.total} translated"
    assert not check_catalogues(TRANSLATIONS)


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_the_interface_speaks_the_locale_of_the_url(client, locale):
    html = client.get(f"/{locale}/modules/principles/").get_data(as_text=True)
    assert f'<html lang="{locale}" dir="ltr">' in html
    for message in ("Learning outcomes", "Key points", "Bibliography", "Skip to main content"):
        translated = gettext(locale, message)
        assert translated != message
        assert translated in html
        assert message not in html


def test_a_module_missing_in_a_locale_is_shown_in_the_source_with_a_notice(tmp_path, content):
    content.module(slug="basics", order=1, title="Basics")
    content.module(slug="advanced", order=2, title="Advanced")
    translate_module(content, "basics", title="Podstawy")
    client = make_app(tmp_path, content.root).test_client()

    html = client.get("/pl/modules/advanced/").get_data(as_text=True)
    assert gettext("pl", FALLBACK_NOTICE) in html
    # The module's text is marked as English; the interface around it is not.
    assert '<h1 lang="en">Advanced</h1>' in html
    assert '<article class="module" data-module' in html
    assert re.search(r'<ul class="bibliography" lang="en">', html)
    quiz = client.get("/pl/modules/advanced/quiz").get_data(as_text=True)
    assert re.search(r'<p class="feedback__verdict" lang="pl">|<p lang="pl"><button', quiz)
    home = client.get("/pl/").get_data(as_text=True)
    assert gettext("pl", "Not yet translated") in home
    translated = client.get("/pl/modules/basics/").get_data(as_text=True)
    assert "Podstawy" in translated and gettext("pl", FALLBACK_NOTICE) not in translated


def test_a_translation_with_broken_front_matter_is_reported_and_the_source_served(
    tmp_path, content
):
    content.module()
    broken = translate_module(content, locale="yo", title="Ìpìlẹ̀")
    text = broken.read_text(encoding="utf-8").replace("order: 1", "order: [1")
    broken.write_text(text, encoding="utf-8")
    line = text.splitlines().index("order: [1") + 1
    app = make_app(tmp_path, content.root)
    result = app.test_cli_runner().invoke(check)
    assert result.exit_code == 1
    # YAML notices the unclosed list where the next key starts.
    assert f"{broken}:{line + 1}: broken YAML in front matter" in result.output
    html = app.test_client().get("/yo/modules/basics/").get_data(as_text=True)
    assert gettext("yo", FALLBACK_NOTICE) in html and "Basics" in html


def test_an_outdated_translation_gets_a_discreet_note(tmp_path, content):
    content.module(slug="basics")
    translate_module(content, "basics", locale="zh", title="基础")
    client = make_app(tmp_path, content.root).test_client()
    assert "notice--outdated" not in client.get("/zh/modules/basics/").get_data(as_text=True)

    source = content.root / "en" / "01-basics.md"
    changed = source.read_text().replace("joins up **every** channel", "joins up all channels")
    source.write_text(changed, encoding="utf-8")
    html = make_app(tmp_path, content.root).test_client().get("/zh/modules/basics/").text
    assert "基础" in html  # still the translation, not the source
    note = re.escape(gettext("zh", OUTDATED_NOTE))
    assert re.search(r'notice--outdated" role="note">\s*<small>' + note, html)
    assert html.count(gettext("zh", OUTDATED_PART_NOTE)) == 1  # on the one changed section
    assert gettext("zh", MISSING_PART_NOTE) not in html


def test_a_section_new_in_the_source_is_shown_in_the_source_language(tmp_path, content):
    source = content.module(slug="basics")
    translate_module(content, "basics", locale="pl", title="Podstawy")
    text = source.read_text()
    heading = "## Why it matters {#why-it-matters}"
    assert heading in text
    new = "## Brand new {#brand-new}\n\nA section the translators have not seen.\n\n"
    source.write_text(text.replace(heading, new + heading), encoding="utf-8")
    client = make_app(tmp_path, content.root).test_client()
    html = client.get("/pl/modules/basics/").text
    assert '<html lang="pl"' in html and "Podstawy" in html  # still the Polish page
    part = html[html.index('id="brand-new"') : html.index('id="why-it-matters"')]
    assert gettext("pl", MISSING_PART_NOTE) in part
    assert '<span class="section__title" lang="en">Brand new</span>' in part
    assert '<div lang="en"><p>A section the translators have not seen.</p>' in part
    assert gettext("pl", OUTDATED_PART_NOTE) not in html  # nothing else changed


def test_a_ui_string_missing_from_a_catalogue_falls_back_to_english(tmp_path, content):
    content.module()
    translate_module(content, locale="pl")
    translations = tmp_path / "translations"
    write_catalogue(translations, "pl", {"Learning outcomes": "Efekty uczenia się (test)"})
    client = make_app(tmp_path, content.root, TRANSLATIONS_DIR=str(translations)).test_client()
    html = client.get("/pl/modules/basics/").get_data(as_text=True)
    assert "Efekty uczenia się (test)" in html
    assert "Key points" in html  # not in this catalogue: English, not a blank or a msgid key


def test_a_corrupt_compiled_catalogue_falls_back_to_english_and_is_reported(tmp_path, content):
    content.module()
    translate_module(content, locale="pl")
    translations = tmp_path / "translations"
    po = write_catalogue(translations, "pl", {"Learning outcomes": "Efekty uczenia się"})
    po.with_suffix(".mo").write_bytes(b"\xde\x12\x04\x95 this is not a catalogue")
    app = make_app(tmp_path, content.root, TRANSLATIONS_DIR=str(translations))
    response = app.test_client().get("/pl/modules/basics/")
    assert response.status_code == 200
    assert "Learning outcomes" in response.get_data(as_text=True)
    result = app.test_cli_runner().invoke(check)
    assert result.exit_code == 1
    assert f"{po}:1: the compiled catalogue is unreadable" in result.output


@pytest.mark.parametrize(
    ("headers", "cookie", "expected"),
    [
        ({"Accept-Language": "zh-CN,zh;q=0.9"}, None, "zh"),
        ({"Accept-Language": "pl"}, "yo", "yo"),
        ({}, None, "en"),
    ],
)
def test_an_unknown_locale_is_a_404_in_the_negotiated_language(client, headers, cookie, expected):
    if cookie:
        client.set_cookie("omnicourse_locale", cookie)
    response = client.get("/xx/modules/principles/", headers=headers)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert f'<html lang="{expected}"' in html
    assert gettext(expected, "Page not found") in html
    for code in COURSE.locales:
        assert f'href="/{code}/" lang="{code}"' in html


def test_a_missing_page_under_a_locale_prefix_speaks_that_locale(client):
    response = client.get("/yo/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert gettext("yo", "We could not find the page you asked for.") in response.text


def test_pages_without_a_locale_in_the_url_vary_on_the_language_headers(client):
    response = client.get("/auth/login", headers={"Accept-Language": "zh"})
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    assert '<html lang="zh"' in response.text
    assert gettext("zh", "Log in") in response.text


def test_the_switcher_on_a_page_without_locale_keeps_the_page(client):
    html = client.get("/auth/login?lang=zh").get_data(as_text=True)
    assert 'href="/language/pl?next=/auth/login?lang%3Dpl"' in html
    response = client.get("/language/pl?next=/auth/login?lang%3Dpl")
    assert response.headers["Location"] == "/auth/login?lang=pl"
    assert "omnicourse_locale=pl" in response.headers["Set-Cookie"]
    assert '<html lang="pl"' in client.get("/auth/login").text


@pytest.mark.parametrize("locale", COURSE.locales)
def test_accounts_and_staff_pages_keep_the_language_of_the_page_they_came_from(client, locale):
    home = client.get(f"/{locale}/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    login = re.search(r'href="(/auth/login\?[^"]*)"', home)[1].replace("&amp;", "&")
    assert f"lang={locale}" in login
    page = client.get(login, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'<html lang="{locale}"' in page
    assert f"<h1>{gettext(locale, 'Log in')}</h1>" in page
    # Its own links and its form keep the language too.
    assert re.search(rf'action="/auth/login\?[^"]*lang={locale}', page)
    assert re.search(rf'href="/auth/reset\?lang={locale}"', page)


def test_a_message_links_to_pages_in_the_language_it_is_written_in(app):
    from app.models import User
    from tests.conftest import csrf_token
    from tests.learners import add_user
    from tests.mail import outbox

    add_user(app, "polka@example.org")
    with app.extensions["db_sessionmaker"]() as session:
        session.query(User).filter_by(email="polka@example.org").update({"locale": "pl"})
        session.commit()
    client = app.test_client()  # asks from a Chinese page; the account speaks Polish
    token = csrf_token(client.get("/auth/reset?lang=zh").data)
    client.post("/auth/reset?lang=zh", data={"csrf_token": token, "email": "polka@example.org"})
    message = [m for m in outbox(app, "polka@example.org") if m.kind == "reset-password"][-1]
    assert message.locale == "pl"
    assert "?lang=pl" in message.text_body and "lang=zh" not in message.text_body


@pytest.mark.parametrize(
    "target", ["//evil.example/", "/\t/evil.example/", "https://evil.example/", "/\\evil"]
)
def test_the_language_switch_never_leaves_the_site(client, target):
    response = client.get("/language/zh", query_string={"next": target})
    assert response.headers["Location"] == "/zh/"


def test_scores_are_formatted_by_the_rules_of_the_locale(tmp_path, content):
    content.module()
    translate_module(content, locale="de")
    client = make_app(tmp_path, content.root).test_client()
    quiz = client.application.extensions["content"].course.resolve("de", "basics").module.quiz
    html = take_quiz(client, "/de/modules/basics/quiz", quiz).text
    assert "(100\xa0%)" in html  # German puts a no-break space before the percent sign


def test_adding_a_locale_needs_no_code_change(tmp_path, content):
    content.module(slug="basics", order=1)
    content.module(slug="advanced", order=2, title="Advanced")
    translate_module(content, "basics", locale="de", title="Grundlagen")
    translations = tmp_path / "translations"
    translations.mkdir()
    shutil.copy(TRANSLATIONS / "messages.pot", translations / "messages.pot")
    write_catalogue(
        translations,
        "de",
        {
            "Learning outcomes": "Lernziele",
            "Modules": "Module",
            FALLBACK_NOTICE: "Dieses Modul gibt es noch nicht auf Deutsch.",
        },
    )
    app = make_app(tmp_path, content.root, TRANSLATIONS_DIR=str(translations))
    client = app.test_client()

    assert client.get("/", headers={"Accept-Language": "de-DE"}).headers["Location"] == "/de/"
    home = client.get("/de/").get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in home and "Grundlagen" in home
    switcher = client.get("/en/modules/basics/").get_data(as_text=True)
    assert 'href="/language/de?next=/de/modules/basics/"' in switcher
    assert 'lang="de" hreflang="de"' in switcher and ">Deutsch</a>" in switcher
    assert "Lernziele" in client.get("/de/modules/basics/").text
    assert (
        "Dieses Modul gibt es noch nicht auf Deutsch." in client.get("/de/modules/advanced/").text
    )

    result = app.test_cli_runner().invoke(i18n, ["status"])
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if line.startswith("module"))
    assert header.split() == ["module", "de"]
    assert re.search(r"^basics\s+translated", result.output, re.M)
    assert re.search(r"^advanced\s+missing", result.output, re.M)
    total = catalogue_coverage(translations, "de").total
    assert f"(3/{total})" in result.output


def test_a_right_to_left_locale_sets_the_direction(tmp_path, content):
    content.module()
    translate_module(content, locale="ar", title="الأساسيات")
    client = make_app(tmp_path, content.root).test_client()
    for url in ("/ar/", "/ar/modules/basics/", "/ar/modules/basics/quiz", "/ar/nope"):
        assert '<html lang="ar" dir="rtl">' in client.get(url).text, url
    assert '<html lang="en" dir="ltr">' in client.get("/en/").text


# Physical sides in the layout CSS would not flip for right-to-left text.
PHYSICAL = re.compile(
    r"(?:^|[;{\s])(?:(?:margin|padding|border)-(?:left|right)[\w-]*|left|right)\s*:"
    r"|(?:float|clear|text-align)\s*:\s*(?:left|right)\b"
    r"|border-(?:top|bottom)-(?:left|right)-radius"
)
FOUR_SIDES = re.compile(r"(?:^|[;{\s])(margin|padding|border-radius|inset)\s*:\s*([^;}]+)")


def test_the_layout_css_uses_logical_sides_only():
    css = (PROJECT_ROOT / "static" / "css" / "site.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert not PHYSICAL.findall(css)
    for prop, value in FOUR_SIDES.findall(css):
        parts = value.split("/")[0].split()
        if prop == "border-radius" and len(parts) == 4:
            assert parts[0] == parts[1] and parts[2] == parts[3], (prop, value)
        if prop != "border-radius" and len(parts) == 4:
            assert parts[1] == parts[3], f"{prop}: {value} differs left and right"
    assert "margin-inline" in css and "inset-inline-start" in css


def test_a_signed_in_learners_language_follows_them_to_another_device(app):
    from tests.conftest import csrf_token
    from tests.learners import add_user, login

    add_user(app, "traveller@example.org")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "traveller@example.org")
    token = csrf_token(laptop.get("/en/").data)  # the header's language choice is a form
    laptop.post("/language/zh?next=/zh/", data={"csrf_token": token})
    login(phone, "traveller@example.org")
    response = phone.get("/", headers={"Accept-Language": "pl"})
    assert response.headers["Location"].endswith("/zh/")


def test_staff_see_their_desks_in_the_header(app):
    from tests.learners import add_user, login

    for email, role in (("t@example.org", "translator"), ("i@example.org", "instructor")):
        add_user(app, email, role=role)
    translator, instructor = app.test_client(), app.test_client()
    login(translator, "t@example.org")
    login(instructor, "i@example.org")
    translator_page = translator.get("/en/progress").get_data(as_text=True)
    instructor_page = instructor.get("/en/progress").get_data(as_text=True)
    assert (
        'href="/translate/?lang=en"' in translator_page and 'href="/admin/feedback' not in translator_page
    )
    assert (
        'href="/admin/feedback?lang=en"' in instructor_page and 'href="/translate/' not in instructor_page
    )
