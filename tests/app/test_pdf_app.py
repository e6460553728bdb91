"""The PDF download on the web: a built file, a "being prepared" page, 404 and 403."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.config import pdf_settings
from app.content import get_course
from course.build import run
from course.pdf import module_pdf, plan_pdfs
from tests.conftest import make_app
from tests.learners import add_user, login


@pytest.fixture
def site(tmp_path, content):
    content.module(slug="basics", order=1)
    content.module(slug="advanced", order=2, title="Advanced")
    app = make_app(tmp_path, content.root)
    return app, app.test_client()


def target(app, slug: str = "basics", locale: str = "en", answers: bool = False):
    with app.app_context():
        out_dir = Path(app.instance_path) / "build" / "pdf"
        return module_pdf(get_course(), locale, slug, out_dir, pdf_settings(app.config), answers)


def build_all(app) -> None:
    with app.app_context():
        out_dir = Path(app.instance_path) / "build" / "pdf"
        assert not run(plan_pdfs(get_course(), out_dir, pdf_settings(app.config))).failed


def wait_for(path: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)


def test_a_built_pdf_is_downloaded_as_a_named_attachment(site):
    app, client = site
    build_all(app)
    response = client.get("/en/modules/basics.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition == "attachment; filename=test-course-basics-en.pdf"
    assert response.headers["Cache-Control"].startswith("public")
    assert "Set-Cookie" not in response.headers

    again = client.get(
        "/en/modules/basics.pdf", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    response.close()  # the test client, unlike a server, leaves the file open
    again.close()


def test_a_pdf_not_built_yet_gets_a_being_prepared_page_and_is_built(site):
    app, client = site
    pdf = target(app)
    first = client.get("/en/modules/basics.pdf")
    assert first.status_code == 503
    assert int(first.headers["Retry-After"]) > 0
    assert first.headers["Cache-Control"] == "no-store"
    assert b"Your PDF is being prepared" in first.data
    assert b'href="/en/modules/basics/"' in first.data

    second = client.get("/en/modules/basics.pdf")  # while the first build runs
    assert second.status_code == 503
    assert len(list(pdf.path.parent.glob(".*.lock"))) <= 1

    wait_for(pdf.path)
    done = client.get("/en/modules/basics.pdf")
    assert done.status_code == 200 and done.data.startswith(b"%PDF-")
    done.close()
    assert not target(app, slug="advanced").path.exists()  # only the PDF asked for was built


def test_a_pdf_that_cannot_be_built_gets_a_friendly_page_not_an_error(site):
    app, client = site
    pdf = target(app)
    pdf.path.mkdir(parents=True)  # a folder where the PDF must go: its build fails
    assert client.get("/en/modules/basics.pdf").status_code == 503
    failed = pdf.path.with_name(f".{pdf.path.name}.failed")
    wait_for(failed)
    response = client.get("/en/modules/basics.pdf")
    assert response.status_code == 503
    assert b"The PDF could not be prepared" in response.data
    assert b"Try the download again" not in response.data


@pytest.mark.parametrize(
    "url",
    [
        "/en/modules/nothing.pdf",
        "/xx/modules/basics.pdf",
        "/en/modules/basics.answers.pdf",
        "/en/modules/../basics.pdf",
    ],
)
def test_unknown_module_or_locale_is_a_friendly_404(site, url):
    _app, client = site
    response = client.get(url)
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b"Traceback" not in response.data


def test_the_answer_key_is_for_instructors_and_admins_only(site):
    app, _client = site
    build_all(app)
    for role in ("learner", "instructor", "admin"):
        add_user(app, f"{role}@example.com", role)

    link = b'href="/en/modules/basics-answers.pdf"'
    assert link not in app.test_client().get("/en/modules/basics/").data
    anonymous = app.test_client().get("/en/modules/basics-answers.pdf")
    assert anonymous.status_code == 302 and anonymous.location.startswith("/auth/login")

    learner = app.test_client()
    login(learner, "learner@example.com")
    assert link not in learner.get("/en/modules/basics/").data
    refused = learner.get("/en/modules/basics-answers.pdf")
    assert refused.status_code == 403 and b"%PDF" not in refused.data

    for role in ("instructor", "admin"):
        client = app.test_client()
        login(client, f"{role}@example.com")
        assert link in client.get("/en/modules/basics/").data
        response = client.get("/en/modules/basics-answers.pdf")
        assert response.status_code == 200 and response.data.startswith(b"%PDF-")
        assert response.headers["Content-Disposition"].endswith("basics-en-answers.pdf")
        assert response.headers["Cache-Control"] == "private, no-cache"
        response.close()
        assert client.get("/en/modules/nothing-answers.pdf").status_code == 404
