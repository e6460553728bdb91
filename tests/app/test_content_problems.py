"""Content problems in the reader's language: the studio's problem list (page and live
preview), the staff notice and the translation status page; `omnicourse check` stays English."""

from __future__ import annotations

import pickle

import pytest
from markupsafe import escape

from app.content import problem_message
from course import ContentError
from tests.app.test_studio import (
    INSTRUCTOR,
    TRANSLATOR,
    give_locales,
    open_editor,
    signed_in,
    studio,  # noqa: F401 (a fixture)
)
from tests.conftest import make_app
from tests.learners import add_user, login

POLISH = "powtórzony identyfikator części 'what-it-means' (pierwszy raz w wierszu %d)"
ENGLISH = "duplicate section id 'what-it-means' (first on line %d)"


def duplicate_section(text: str) -> tuple[str, int, int]:
    """`text` with its second section given the first one's id, and the two lines."""
    broken = text.replace("{#why-it-matters}", "{#what-it-means}")
    lines = broken.splitlines()
    first = next(n for n, line in enumerate(lines, 1) if line.startswith("## What it means"))
    second = next(n for n, line in enumerate(lines, 1) if line.startswith("## Why it matters"))
    return broken, first, second


def polish_translator(app):
    give_locales(app, TRANSLATOR, "pl")
    client = signed_in(app, TRANSLATOR)
    client.set_cookie("omnicourse_locale", "pl")
    return client


def test_a_content_error_keeps_its_template_and_values_through_pickling():
    error = ContentError("content/en/x.md", 7, "duplicate question id '%(id)s'", id="q-a")
    assert error.message == "duplicate question id 'q-a'"
    assert str(error) == "content/en/x.md:7: duplicate question id 'q-a'"
    again = pickle.loads(pickle.dumps(error))
    assert (again.path, again.line, again.template, again.params, again.message) == (
        error.path, 7, "duplicate question id '%(id)s'", {"id": "q-a"}, error.message,
    )  # fmt: skip
    plain = pickle.loads(pickle.dumps(ContentError("x.md", 1, "100% sure")))
    assert plain.message == "100% sure" and plain.params == {}  # no values: the text as is
    assert problem_message(error) == (error.message, False)  # outside a request: English


def test_a_polish_translator_gets_the_studio_problems_in_polish_at_their_line(studio):  # noqa: F811
    client = polish_translator(studio)
    fields = open_editor(client, "pl")
    broken, first, second = duplicate_section(fields["text"])
    answer = client.post("/studio/pl/basics/preview", data={"text": broken},
                         headers={"X-CSRFToken": fields["csrf_token"]})  # fmt: skip
    assert answer.status_code == 200
    assert answer.json["problems"] == [
        {"line": second, "message": POLISH % first, "translated": True}
    ]
    listing = answer.json["problems_html"]
    assert (
        f'data-line="{second}"' in listing and f"<span>{escape(POLISH % first)}</span>" in listing
    )
    assert 'lang="en"' not in listing
    # The editor page shows a saved draft's problems the same way.
    saved = client.post("/studio/pl/basics/", data={**fields, "text": broken, "save": "1"})
    assert saved.status_code in (200, 303)
    page = client.get("/studio/pl/basics/").get_data(as_text=True)
    assert f'data-line="{second}"' in page and f"<span>{escape(POLISH % first)}</span>" in page


def test_an_english_author_gets_the_english_text(studio):  # noqa: F811
    client = signed_in(studio, INSTRUCTOR)
    client.set_cookie("omnicourse_locale", "en")
    fields = open_editor(client)
    broken, first, second = duplicate_section(fields["text"])
    answer = client.post("/studio/en/basics/preview", data={"text": broken},
                         headers={"X-CSRFToken": fields["csrf_token"]})  # fmt: skip
    assert answer.json["problems"] == [
        {"line": second, "message": ENGLISH % first, "translated": True}
    ]


def test_a_message_with_no_translation_is_marked_english(studio):  # noqa: F811
    client = polish_translator(studio)
    with studio.test_request_context("/", headers={"Cookie": "omnicourse_locale=pl"}):
        studio.preprocess_request()
        unknown = ContentError("x.md", 3, "a problem no catalogue knows: %(what)s", what="x")
        assert problem_message(unknown) == ("a problem no catalogue knows: x", False)
    fields = open_editor(client, "pl")
    answer = client.post("/studio/pl/basics/preview", data={"text": "---\ntitle: [\n---\n"},
                         headers={"X-CSRFToken": fields["csrf_token"]})  # fmt: skip
    (problem,) = answer.json["problems"]
    assert problem["translated"] and problem["message"].startswith("błędny YAML w nagłówku")


@pytest.fixture
def broken_course(tmp_path, content):
    content.module()
    path = content.module(locale="pl", title="Podstawy")
    broken, first, second = duplicate_section(path.read_text(encoding="utf-8"))
    path.write_text(broken, encoding="utf-8")
    app = make_app(tmp_path, content.root)
    add_user(app, "author@example.com", role="instructor")
    add_user(app, "tlumacz@example.com", role="translator")
    return app, first, second


def test_the_staff_notice_shows_the_problems_in_the_readers_language(broken_course):
    app, first, second = broken_course
    staff = app.test_client()
    login(staff, "author@example.com")
    polish = staff.get("/pl/").text
    where = f'<code dir="ltr">content/pl/01-basics.md:{second}</code>'
    assert f"{where}: <span>{escape(POLISH % first)}</span>" in polish
    english = staff.get("/en/").text
    assert (
        f"content/pl/01-basics.md:{second}</code>: <span>{escape(ENGLISH % first)}</span>"
        in english
    )


def test_the_translation_status_page_shows_the_problems_in_the_readers_language(broken_course):
    app, first, second = broken_course
    translator = app.test_client()
    login(translator, "tlumacz@example.com")
    translator.set_cookie("omnicourse_locale", "pl")
    page = translator.get("/translate/").text
    assert f"content/pl/01-basics.md:{second}</code>: <span>{escape(POLISH % first)}</span>" in page
