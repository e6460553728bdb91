"""The learner's pages through the test client: home, module page, self-test, errors."""

from __future__ import annotations

import re

import pytest

from course import load_course
from tests.conftest import REAL_CONTENT, make_app
from tests.quizzes import shown_questions, take_quiz

COURSE = load_course(REAL_CONTENT)
MODULES = COURSE.source_modules()


def test_root_redirects_to_the_browser_language(client):
    response = client.get("/", headers={"Accept-Language": "pl-PL,pl;q=0.9,en;q=0.5"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/pl/")


def test_root_redirects_to_the_source_locale_without_a_preference(client):
    assert client.get("/").headers["Location"].endswith("/en/")


def test_root_prefers_the_saved_language_over_the_browser(client):
    client.get("/language/zh?next=/zh/")
    response = client.get("/", headers={"Accept-Language": "pl"})
    assert response.headers["Location"].endswith("/zh/")


def test_home_lists_modules_in_order_with_duration_and_eqf(client):
    html = client.get("/en/").get_data(as_text=True)
    positions = [html.index(module.title) for module in MODULES]
    assert positions == sorted(positions)
    for module in MODULES:
        assert f"{module.duration_minutes} minutes" in html
    assert html.count(f"EQF level {MODULES[0].eqf}") == len(MODULES)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_module_page_shows_everything_a_learner_needs(client, module):
    response = client.get(f"/en/modules/{module.slug}/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert f"EQF: {module.eqf}" in html
    for outcome in module.outcomes.values():
        assert outcome.replace("'", "&#39;") in html or outcome in html
    for section in module.sections:
        assert f'<details class="section" id="{section.id}"' in html
    sections = html[html.index('id="content-title"'):html.index('id="key-points-title"')]
    assert sections.count('<details class="section"') == len(module.sections)
    for heading in (
        "Learning outcomes",
        "Key points",
        "Test yourself!",
        "Keywords",
        "Bibliography",
    ):
        assert heading in html
    assert f'href="/en/modules/{module.slug}/quiz"' in html
    assert f'href="/en/modules/{module.slug}.pdf"' in html
    assert f'href="/en/modules/{module.slug}/feedback"' in html


def test_module_page_is_cacheable_and_sets_no_cookie(client):
    response = client.get("/en/modules/principles/")
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"].startswith("public")
    assert "Cookie" in response.headers["Vary"]
    etag = response.headers["ETag"]
    again = client.get("/en/modules/principles/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_quiz_page_does_not_reveal_the_answers(client):
    html = client.get("/en/modules/principles/quiz").get_data(as_text=True)
    quiz = MODULES[0].quiz
    assert html.count("<fieldset") == COURSE.draw_size
    assert "correct answer" not in html and "option--correct" not in html
    for question in quiz.questions:
        assert question.explanation_html not in html


def test_posting_the_quiz_grades_it_with_explanations(client):
    quiz = MODULES[0].quiz
    html = take_quiz(client, "/en/modules/principles/quiz", quiz, right=True).text
    total = COURSE.draw_size
    assert f"Your score: {total} of {total} (100%)" in html
    assert "you passed" in html
    assert html.count("Correct.") == total
    for item in shown_questions(html, quiz):
        assert item.question.explanation_html in html


def test_wrong_answers_are_marked_and_explained(client):
    quiz = MODULES[0].quiz
    html = take_quiz(client, "/en/modules/principles/quiz", quiz, right=False).text
    assert f"Your score: 0 of {COURSE.draw_size} (0%)" in html
    assert "Not passed yet" in html
    choice = [i for i in shown_questions(html, quiz) if not i.question.graded_per_item]
    assert html.count("your answer, not correct") == len(choice)


def test_quiz_post_without_csrf_token_is_refused_with_a_friendly_page(client):
    response = client.post("/en/modules/principles/quiz", data={"q-anything": "a"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    ["/en/modules/nope/", "/xx/", "/en/modules/nope/quiz", "/en/modules/../../etc/passwd"],
)
def test_unknown_pages_get_a_friendly_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert 'href="/pl/"' in html  # links to the available languages


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_a_broken_module_is_skipped_and_the_rest_is_served(tmp_path, content):
    content.module(slug="good", order=1, title="Good module")
    content.module(slug="broken", order=2, text="---\nslug: broken\ntitle: [unclosed\n---\n")
    client = make_app(tmp_path, content.root).test_client()
    home = client.get("/en/").get_data(as_text=True)
    assert "Good module" in home
    assert client.get("/en/modules/good/").status_code == 200
    assert client.get("/en/modules/broken/").status_code == 404


def test_unexpected_errors_show_a_friendly_500(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and "kaboom" not in html


def test_every_html_page_has_safe_headers(client):
    for url in ("/en/", "/en/modules/principles/", "/en/modules/principles/quiz", "/xx/"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_scripts_or_external_requests(client):
    html = client.get("/en/modules/principles/").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r'src="(https?:)?//', html)
    assert not re.search(r'<link[^>]*href="(https?:)?//', html)
    # Links to sources outside (a bibliography entry's address) are links, not requests.
    assert re.search(r'<a class="url" href="https://', html)


def test_static_files_carry_a_hash_and_are_cached_for_long(client):
    html = client.get("/en/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/site.css\?v=[0-9a-f]+)"', html).group(1)
    with client.get(css) as response:
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]


def test_language_switcher_keeps_the_module(client):
    html = client.get("/en/modules/principles/").get_data(as_text=True)
    assert 'href="/language/pl?next=/pl/modules/principles/"' in html
    response = client.get("/language/pl?next=/pl/modules/principles/")
    assert response.headers["Location"] == "/pl/modules/principles/"
    assert "omnicourse_locale=pl" in response.headers["Set-Cookie"]


def test_language_switch_refuses_to_redirect_elsewhere(client):
    response = client.get("/language/pl?next=//evil.example/")
    assert response.headers["Location"] == "/pl/"
