"""The review desk: who may use it, filters and search, detail, status and notes, CSV export."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.models import ROLES, Feedback, FeedbackAudit
from tests.app.test_feedback import SLUG, XSS, send_feedback, stored
from tests.conftest import csrf_token, make_app
from tests.learners import add_user, api_token, login

ANONYMOUS = "anonymous"
STAFF = ("instructor", "admin")
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def signed_in(app, role: str):
    client = app.test_client()
    if role != ANONYMOUS:
        email = f"{role}@example.com"
        add_user(app, email, role)
        assert login(client, email).status_code == 302
    return client


def add_feedback(app, **values) -> int:
    """Store a feedback directly (as if sent long ago, or by many learners)."""
    defaults = {
        "module_slug": SLUG,
        "locale": "en",
        "content_hash": "0" * 40,
        "rating": 4,
        "improve": "",
        "comment": "",
    }
    with app.extensions["db_sessionmaker"]() as session:
        feedback = Feedback(**{**defaults, **values})
        session.add(feedback)
        session.commit()
        return feedback.id


def read_csv(response) -> list[list[str]]:
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="feedback-')
    assert response.data.startswith("\ufeff".encode())  # spreadsheets then read it as UTF-8
    text = response.data.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline="")))


def numbers_listed(response) -> list[int]:
    return [int(n) for n in re.findall(r'href="/admin/feedback/(\d+)\?', response.data.decode())]


# --- who may use the desk --------------------------------------------------


@pytest.fixture
def desk(tmp_path):
    app = make_app(tmp_path)
    return app, add_feedback(app, comment="Useful module")


@pytest.mark.parametrize("role", [ANONYMOUS, *ROLES])
def test_every_admin_page_lets_in_instructors_and_admins_only(desk, role):
    app, number = desk
    client = signed_in(app, role)
    pages = [
        ("GET", "/admin/", None),
        ("GET", "/admin/feedback", None),
        ("GET", f"/admin/feedback/{number}", None),
        ("GET", "/admin/feedback.csv", None),
        ("GET", "/admin/analytics", None),
        ("POST", f"/admin/feedback/{number}/status", {"status": "done"}),
        ("POST", f"/admin/feedback/{number}/notes", {"note": "checked"}),
    ]
    token = api_token(client)
    for method, url, data in pages:
        response = client.open(url, method=method, data={**(data or {}), "csrf_token": token})
        what = f"{role} {method} {url} -> {response.status_code}"
        if role == ANONYMOUS:
            assert response.status_code == 302, what
            assert response.location.startswith("/auth/login?next="), what
        elif role in STAFF:
            assert response.status_code in (200, 302), what
            assert not response.location or response.location.startswith("/admin/"), what
        else:
            assert response.status_code == 403, what
            assert b"Your account does not give access to this page." in response.data, what
    with app.extensions["db_sessionmaker"]() as session:
        changes = session.scalar(sa.select(sa.func.count(FeedbackAudit.id)))
        status = session.get(Feedback, number).status
    assert (changes, status) == ((2, "done") if role in STAFF else (0, "new"))


def test_an_unknown_or_odd_feedback_number_is_a_404(desk):
    app, _ = desk
    client = signed_in(app, "admin")
    for path in ("999999", "0", "abc", "1.5", "9" * 30):
        assert client.get(f"/admin/feedback/{path}").status_code == 404, path


# --- feedback from every language reaches the desk and the CSV -------------


def test_feedback_from_each_locale_reaches_the_desk_and_the_csv(app):
    learner = app.test_client()
    texts = {
        "en": "More examples, please.",
        "pl": "Więcej przykładów, proszę.",
        "zh": "请多举一些例子。",
        "yo": "Ẹ jọ̀wọ́, ẹ fi àpẹẹrẹ púpọ̀ sí i.",
    }
    for locale, text in texts.items():
        assert send_feedback(learner, locale, improve=text).status_code == 302
    client = signed_in(app, "instructor")
    listing = client.get("/admin/feedback").data.decode()
    for locale, text in texts.items():
        assert html_lib.escape(text, quote=False) in listing, locale
        assert f'<span lang="{locale}">' in listing
    assert "4 responses found." in listing
    rows = read_csv(client.get("/admin/feedback.csv"))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Number", "Received (UTC)", "Module", "Language"]
    improve = header.index("What should we improve?")
    assert sorted((row[3], row[improve]) for row in body) == sorted(texts.items())
    assert {row[2] for row in body} == {SLUG}
    for locale in texts:
        filtered = read_csv(client.get(f"/admin/feedback.csv?locale={locale}"))
        assert [row[improve] for row in filtered[1:]] == [texts[locale]]


# --- filters, search and pages ---------------------------------------------


@pytest.fixture
def many(tmp_path, database_url):
    app = make_app(tmp_path, DATABASE_URL=database_url)
    ids = {
        "old_pl": add_feedback(
            app, locale="pl", rating=2, created_at=datetime(2025, 1, 10, 12), comment="Za długie"
        ),
        "march_en": add_feedback(
            app, rating=5, created_at=datetime(2025, 3, 3, 9), improve="Add a case study"
        ),
        "march_done": add_feedback(
            app,
            rating=3,
            status="done",
            module_slug="multichannel-vs-omnichannel",
            created_at=datetime(2025, 3, 20, 18),
            comment="50% too long_ish",
        ),
        "april_zh": add_feedback(
            app, locale="zh", rating=5, created_at=datetime(2025, 4, 1), email="li@example.com"
        ),
    }
    return app, ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["april_zh", "march_done", "march_en", "old_pl"]),
        ("locale=pl", ["old_pl"]),
        ("rating=5", ["april_zh", "march_en"]),
        ("status=done", ["march_done"]),
        ("status=new&rating=5&locale=en", ["march_en"]),
        ("module=multichannel-vs-omnichannel", ["march_done"]),
        ("date_from=2025-03-01&date_to=2025-03-20", ["march_done", "march_en"]),
        ("date_to=2025-03-03", ["march_en", "old_pl"]),
        ("q=case+study", ["march_en"]),
        ("q=CASE", ["march_en"]),
        ("q=długie", ["old_pl"]),
        ("q=li%40example", ["april_zh"]),
        ("q=50%25", ["march_done"]),  # % and _ are searched for literally
        ("q=5%25o", []),  # as a wildcard, % would match "50% too"
        ("q=o_g", []),  # and _ would match "ong"
        ("q=long_ish", ["march_done"]),
    ],
)
def test_filters_and_search_select_the_right_feedback(many, query, expected):
    app, ids = many
    client = signed_in(app, "admin")
    response = client.get(f"/admin/feedback?{query}")
    assert response.status_code == 200
    assert numbers_listed(response) == [ids[name] for name in expected]
    exported = read_csv(client.get(f"/admin/feedback.csv?{query}"))
    assert [int(row[0]) for row in exported[1:]] == [ids[name] for name in expected]


@pytest.mark.parametrize(
    ("query", "message", "shown"),
    [
        ("date_from=31/03/2025", "Enter a date like 2025-03-31.", 4),
        # The start date is kept, the end date before it is dropped.
        ("date_from=2025-04-01&date_to=2025-03-01", "The end date is before the start date.", 1),
        ("rating=9", "Choose one of the listed values.", 4),
        ("locale=xx", "Choose one of the listed values.", 4),
        ("q=" + "x" * 201, "Use at most 200 characters.", 4),
    ],
)
def test_a_bad_filter_is_explained_and_left_out(many, query, message, shown):
    app, _ = many
    client = signed_in(app, "admin")
    response = client.get(f"/admin/feedback?{query}")
    assert response.status_code == 200
    html = response.data.decode()
    assert message in html and "were left out" in html
    assert len(numbers_listed(response)) == shown


def test_the_list_is_paginated_and_keeps_the_filters(app):
    for number in range(30):
        add_feedback(
            app, locale="pl", comment=f"note {number}", created_at=datetime(2025, 5, 1, 0, number)
        )
    add_feedback(app, locale="en", comment="other language")
    client = signed_in(app, "admin")
    first = client.get("/admin/feedback?locale=pl")
    html = first.data.decode()
    assert "30 responses found." in html and "Page 1 of 2" in html
    assert len(numbers_listed(first)) == 25
    assert 'href="/admin/feedback?page=2&amp;locale=pl"' in html
    second = client.get("/admin/feedback?page=2&locale=pl")
    assert len(numbers_listed(second)) == 5 and "Page 2 of 2" in second.data.decode()
    assert set(numbers_listed(first)).isdisjoint(numbers_listed(second))
    assert numbers_listed(client.get("/admin/feedback?page=99&locale=pl")) == numbers_listed(second)
    assert len(numbers_listed(client.get("/admin/feedback?page=-3&locale=pl"))) == 25


# --- escaping --------------------------------------------------------------


def test_html_and_script_are_shown_escaped_in_the_list_the_detail_and_the_csv(app):
    send_feedback(app.test_client(), improve=XSS, comment=XSS)
    [feedback] = stored(app)
    client = signed_in(app, "admin")
    escaped = html_lib.escape(XSS, quote=True).replace("&#x27;", "&#39;")
    for url in ("/admin/feedback", f"/admin/feedback/{feedback.id}"):
        page = client.get(url).data.decode()
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert escaped in page, url
    client.post(
        f"/admin/feedback/{feedback.id}/notes",
        data={
            "csrf_token": csrf_token(client.get(f"/admin/feedback/{feedback.id}").data),
            "note": XSS,
        },
    )
    detail = client.get(f"/admin/feedback/{feedback.id}").data.decode()
    assert detail.count(escaped) == 3 and "<script>" not in detail
    rows = read_csv(client.get("/admin/feedback.csv"))
    assert rows[1][8] == XSS and rows[1][9] == XSS  # kept as text, for a spreadsheet
    assert client.get("/admin/feedback.csv").headers["X-Content-Type-Options"] == "nosniff"


def test_csv_cells_that_would_run_as_formulas_are_neutralised(app):
    for formula in FORMULAS:
        add_feedback(app, improve=formula, comment="harmless = text")
    client = signed_in(app, "admin")
    rows = read_csv(client.get("/admin/feedback.csv"))
    improve = rows[0].index("What should we improve?")
    cells = sorted(row[improve] for row in rows[1:])
    assert cells == sorted("'" + formula for formula in FORMULAS)
    assert all(row[improve + 1] == "harmless = text" for row in rows[1:])


# --- detail, status and notes ----------------------------------------------


def test_status_changes_and_notes_are_audited_and_shown(app):
    send_feedback(
        app.test_client(),
        "pl",
        rating="2",
        clarity="3",
        comment="Trudne",
        email="ola@example.com",
        consent="y",
    )
    [feedback] = stored(app)
    client = signed_in(app, "instructor")
    url = f"/admin/feedback/{feedback.id}"
    page = client.get(url).data.decode()
    for fact in (
        "2 of 5",
        "3 of 5",
        "Not answered",
        "Anonymous",
        "ola@example.com",
        "Trudne",
        "New",
    ):
        assert fact in page, fact
    token = csrf_token(page)
    moved = client.post(f"{url}/status", data={"csrf_token": token, "status": "in_progress"})
    assert moved.status_code == 302 and moved.location == url
    client.post(
        f"{url}/notes", data={"csrf_token": token, "note": "Asked the author to add an example."}
    )
    same = client.post(f"{url}/status", data={"csrf_token": token, "status": "in_progress"})
    assert "was already" in client.get(same.location).data.decode()
    client.post(f"{url}/status", data={"csrf_token": token, "status": "done"})
    with app.extensions["db_sessionmaker"]() as session:
        trail = session.scalars(sa.select(FeedbackAudit).order_by(FeedbackAudit.id)).all()
        final = session.get(Feedback, feedback.id).status
    assert final == "done"
    assert [(t.action, t.old_status, t.new_status, t.note) for t in trail] == [
        ("status", "new", "in_progress", None),
        ("note", None, None, "Asked the author to add an example."),
        ("status", "in_progress", "done", None),
    ]
    assert {t.actor_email for t in trail} == {"instructor@example.com"}
    assert all(t.user_id is not None and t.created_at is not None for t in trail)
    history = client.get(url).data.decode()
    assert "instructor@example.com changed the status from “New” to “In progress”." in history
    assert "instructor@example.com added a note:" in history
    assert "Asked the author to add an example." in history
    assert "from “In progress” to “Done”." in history


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("status", {"status": "archived"}, "Choose one of the listed values."),
        ("notes", {"note": "   "}, "Write the note first."),
        ("notes", {"note": "n" * 2001}, "Use at most 2000 characters."),
    ],
)
def test_a_bad_status_or_note_is_refused_and_not_audited(app, path, data, message):
    number = add_feedback(app)
    client = signed_in(app, "admin")
    url = f"/admin/feedback/{number}"
    token = csrf_token(client.get(url).data)
    response = client.post(f"{url}/{path}", data={"csrf_token": token, **data})
    assert response.status_code == 400
    assert message in response.data.decode()
    with app.extensions["db_sessionmaker"]() as session:
        assert session.scalar(sa.select(sa.func.count(FeedbackAudit.id))) == 0
        assert session.get(Feedback, number).status == "new"


def test_the_detail_page_leads_back_to_the_filtered_list_only(app):
    number = add_feedback(app)
    client = signed_in(app, "admin")
    listing = client.get("/admin/feedback?locale=en").data.decode()
    assert f'href="/admin/feedback/{number}?back=/admin/feedback?locale%3Den"' in listing

    def back_link(back: str) -> str:
        page = client.get(f"/admin/feedback/{number}", query_string={"back": back})
        return re.search(r'<a href="([^"]*)">Back to the list', page.data.decode()).group(1)

    assert back_link("/admin/feedback?locale=en") == "/admin/feedback?locale=en"
    for evil in ("https://evil.example/", "//evil.example", "/admin/feedbackx", "/\\evil"):
        assert back_link(evil) == "/admin/feedback", evil


# --- cards, the page's language, the site's time zone ----------------------


def test_each_feedback_is_a_card_with_what_they_wrote_and_a_way_to_finish_it(app):
    number = add_feedback(app, improve="More shop examples", rating=2)
    client = signed_in(app, "admin")
    listing = client.get("/admin/feedback?locale=en").data.decode()
    card = listing[listing.index('<li class="desk-card">') :]
    for part in (f"#{number}", "2 of 5", "What they wrote", "More shop examples", "New"):
        assert part in card, part
    done = client.post(
        f"/admin/feedback/{number}/status?back=/admin/feedback?locale%3Den&to=list",
        data={"status": "done", "csrf_token": csrf_token(listing.encode())},
    )
    assert done.status_code == 302 and done.location == "/admin/feedback?locale=en"
    after = client.get(done.location).data.decode()
    assert f"Feedback #{number} is now “Done”." in after
    assert f"Mark #{number} as done" not in after  # nothing left to finish
    without_token = client.post(f"/admin/feedback/{number}/status?to=list", data={"status": "new"})
    assert without_token.status_code == 400


def test_desk_pages_keep_the_language_the_admin_came_from(app):
    number = add_feedback(app, comment="Dobre")
    client = signed_in(app, "admin")
    course_page = client.get("/pl/").data.decode()
    assert 'href="/admin/feedback?lang=pl"' in course_page  # the header's link to the desk
    for path in ("/admin/feedback?lang=pl", f"/admin/feedback/{number}?lang=pl",
                 "/admin/analytics?lang=pl"):  # fmt: skip
        html = client.get(path).data.decode()
        assert '<html lang="pl"' in html, path
        assert (
            'href="/admin/analytics?lang=pl"' in html and 'href="/admin/feedback?lang=pl"' in html
        )
        assert 'href="/pl/"' in html  # back to the course, in Polish
        # The switcher goes to this page in the other language.
        assert "lang%3Dzh" in html or "lang=zh" in html
    listing = client.get("/admin/feedback?lang=pl&locale=en").data.decode()
    assert '<input type="hidden" name="lang" value="pl">' in listing  # the filters keep it
    assert f'href="/admin/feedback/{number}?back=/admin/feedback?lang%3Dpl%26locale%3Den' in listing
    assert 'href="/admin/feedback.csv?locale=en&amp;lang=pl"' in listing
    analytics = client.get("/admin/analytics?lang=pl&locale=en").data.decode()
    assert '<input type="hidden" name="lang" value="pl">' in analytics
    assert "&amp;locale=en&amp;lang=pl" in analytics  # module links keep both
    moved = client.post(
        f"/admin/feedback/{number}/status?lang=pl",
        data={"status": "done", "csrf_token": csrf_token(listing.encode())},
    )
    assert moved.location.endswith("lang=pl")


@pytest.mark.parametrize(
    "zone,shown,from_first",
    [("Europe/Warsaw", "Dec 1, 2026", True), ("America/New_York", "Nov 30, 2026", False)],
)
def test_dates_are_shown_and_filtered_in_the_site_time_zone(tmp_path, zone, shown, from_first):
    app = make_app(tmp_path, TIME_ZONE=zone)
    number = add_feedback(app, improve="Late at night", created_at=datetime(2026, 12, 1, 0, 30))
    client = signed_in(app, "admin")
    listing = client.get("/admin/feedback").data.decode()
    assert f'<time datetime="2026-12-01T00:30:00Z">{shown},' in listing
    assert f"Times are shown in the time zone {zone}." in listing
    assert shown in client.get(f"/admin/feedback/{number}").data.decode()
    first = client.get("/admin/feedback?date_from=2026-12-01&date_to=2026-12-01")
    assert (number in numbers_listed(first)) is from_first
    with app.test_request_context(), force_locale("pl"):
        from flask_babel import format_date

        assert format_date(datetime(2026, 12, 1, 0, 30), "long") == (
            "1 grudnia 2026" if from_first else "30 listopada 2026"
        )


def test_a_time_zone_that_does_not_exist_is_named(tmp_path):
    with pytest.raises(ValueError, match="OMNICOURSE_TIME_ZONE: 'Europe/Atlantis'"):
        make_app(tmp_path, TIME_ZONE="Europe/Atlantis")
