"""/translate/: who may see it, the status table, and the source diff of outdated modules."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from app.auth.accounts import find_user
from app.db import get_session
from app.translate.routes import status
from course import load_course
from course.translation import (
    NO_GIT,
    NO_SOURCE_HASH,
    NOT_IN_HISTORY,
    read_blob,
    source_changes,
    translation_report,
)
from tests.app.test_i18n import COURSE, TRANSLATIONS, gettext, translate_module
from tests.conftest import ContentFactory, make_app
from tests.learners import add_user, login

OLD_LINE = "Omnichannel joins up **every** channel. See https://example.com/page for more."
NEW_LINE = "Omnichannel joins up every channel, online and offline."


def render(app, accept_language: str = "en") -> str:
    """The page as a translator would see it (the route's guard is tested separately)."""
    with app.test_request_context("/translate/", headers={"Accept-Language": accept_language}):
        response = status.__wrapped__()  # the view itself, without its role check
        assert response.headers["Cache-Control"] == "private, no-store"
        return response.get_data(as_text=True)


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args]
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def outdated(tmp_path) -> ContentFactory:
    """A git repository whose English module changed after its Polish translation was made."""
    repo = tmp_path / "repo"
    content = ContentFactory(repo / "content")
    content.module()
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "source")
    translate_module(content, locale="pl", title="Podstawy")
    source = content.root / "en" / "01-basics.md"
    assert OLD_LINE in source.read_text()
    source.write_text(source.read_text().replace(OLD_LINE, NEW_LINE), encoding="utf-8")
    return content


def log_in(app, client, role: str) -> None:
    """Sign `client` in as the user with `role` (created on first use), through the login form."""
    email = f"{role}@example.com"
    with app.app_context():
        if find_user(get_session(), email) is None:
            add_user(app, email, role)
    assert login(client, email).status_code == 302


@pytest.mark.parametrize("role", ["translator", "admin"])
def test_translators_and_admins_see_the_status(app, role):
    client = app.test_client()
    log_in(app, client, role)
    response = client.get("/translate/", headers={"Accept-Language": "pl"})
    assert response.status_code == 200
    assert gettext("pl", "Translation status") in response.text
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(("role", "language"), [("learner", "zh"), ("instructor", "yo")])
def test_other_roles_are_refused_in_their_language(app, role, language):
    client = app.test_client()
    log_in(app, client, role)
    response = client.get("/translate/", headers={"Accept-Language": language})
    assert response.status_code == 403
    assert gettext(language, "Your account does not give access to this page.") in response.text
    assert gettext(language, "Translation status") not in response.text


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/translate/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/translate/"


def test_status_table_shows_every_locale_module_and_catalogue(tmp_path):
    html = render(make_app(tmp_path))
    for code, name in (("pl", "Polski"), ("zh", "中文"), ("yo", "Èdè Yorùbá")):
        assert f'<span lang="{code}">{name}</span> <code>{code}</code>' in html
    cells = re.findall(r'<td class="state state--(\w+)">', html)
    modules = COURSE.source_modules()
    expected = [COURSE.status(code, m.slug) for m in modules for code in ("pl", "zh", "yo")]
    assert cells[: len(expected)] == expected
    for module in modules:
        assert f'<th scope="row">{module.title}</th>' in html
    assert html.count("100%<br><small>") == 3  # every catalogue complete


def test_the_page_speaks_the_translators_language(tmp_path):
    html = render(make_app(tmp_path), "zh")
    assert '<html lang="zh"' in html
    for message in ("Translation status", "Interface strings", "Update a translation"):
        assert gettext("zh", message) in html


def only_change(course):
    [change] = source_changes(course)
    return change


def test_an_outdated_module_is_prominent_with_what_changed(tmp_path, outdated):
    html = render(make_app(tmp_path, outdated.root), "pl")
    assert 'class="notice notice--alert"' in html
    assert '<td class="state state--outdated">' in html
    part = only_change(load_course(outdated.root)).part
    assert f'href="#change-basics-{part}"' in html and f'id="change-basics-{part}"' in html
    assert "<code>pl/01-basics.md</code>" in html and "<code>en/01-basics.md</code>" in html
    assert f'<del class="diff__line">-{OLD_LINE}</del>' in html
    assert f'<ins class="diff__line">+{NEW_LINE}</ins>' in html
    assert gettext("pl", "What changed in the source") in html


def test_the_diff_holds_exactly_the_change_of_the_one_outdated_section(outdated):
    course = load_course(outdated.root)
    diff = only_change(course)  # read back from git: no instance store here
    assert diff.unavailable is None and diff.locales == ("pl",)
    changed = [(line.kind, line.text) for line in diff.lines if line.kind in ("added", "removed")]
    assert changed == [("removed", f"-{OLD_LINE}"), ("added", f"+{NEW_LINE}")]
    states = course.modules["pl"]["basics"].part_states
    assert [p for p, s in states.items() if s != "translated"] == [diff.part]


def test_without_the_old_source_in_git_the_page_says_so(tmp_path, content):
    content.module()
    content.module(locale="pl", extra="source_hash: 0123456789abcdef0123456789abcdef01234567\n")
    course = load_course(content.root)
    assert {c.unavailable for c in source_changes(course)} == {NOT_IN_HISTORY}
    html = render(make_app(tmp_path, content.root), "pl")
    message = "The source text it was translated from is not in this repository's history"
    assert gettext("pl", message + ", so the changes cannot be shown.") in html


def test_without_git_the_page_says_so(outdated, monkeypatch):
    monkeypatch.setenv("PATH", "")  # as on a server without git installed
    assert read_blob(outdated.root, "0" * 40).reason == NO_GIT
    assert only_change(load_course(outdated.root)).unavailable == NO_GIT


def test_a_translation_without_a_valid_source_hash_is_outdated_without_a_diff(content):
    content.module()
    content.module(locale="pl", extra="source_hash: not-a-hash\n")
    course = load_course(content.root)
    assert course.status("pl", "basics") == "outdated"
    assert {c.unavailable for c in source_changes(course)} == {NO_SOURCE_HASH}


def test_a_complete_translation_says_so(tmp_path, content):
    content.module()
    translate_module(content, locale="pl")
    app = make_app(tmp_path, content.root)
    report = translation_report(load_course(content.root), TRANSLATIONS)
    assert [s.locale for s in report.locales] == ["pl", "yo", "zh"]  # catalogues count too
    html = render(app)
    assert "Everything is translated" not in html  # zh and yo have no modules here
    pl_only = tmp_path / "pl-only"
    (pl_only / "pl").mkdir(parents=True)
    (pl_only / "pl" / "LC_MESSAGES").symlink_to(TRANSLATIONS / "pl" / "LC_MESSAGES")
    report = translation_report(load_course(content.root), pl_only)
    assert report.complete
    html = render(make_app(tmp_path, content.root, TRANSLATIONS_DIR=str(pl_only)))
    assert "Everything is translated and up to date." in html


def test_a_broken_translation_is_listed_as_a_problem(tmp_path, content):
    content.module()
    content.module(locale="pl", text="---\nslug: basics\ntitle: [unclosed\n---\n")
    html = render(make_app(tmp_path, content.root))
    assert "This file has a problem (see below)." in html
    where = '<code dir="ltr">content/pl/01-basics.md:3</code>'
    assert f"<li>{where}: <span>broken YAML" in html
