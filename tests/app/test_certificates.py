"""Certificates of completion: earned, downloaded in every language, verified by anyone.

The PDFs are made by WeasyPrint and read back with pypdf; progress is made
through the same API and self-test form the pages use.
"""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime

import pypdf
import pytest
import sqlalchemy as sa
from babel.dates import format_date

from app.certificates.issue import issue, progress_of
from app.config import FONTS_CSS, PROJECT_ROOT
from app.db import upgrade
from app.models import WHOLE_COURSE, Certificate, QuizAttempt, SectionRead, User
from course.certificate import (
    CertificateText,
    format_code,
    new_code,
    normalize_code,
    render_certificate,
)
from course.pdf import PdfSettings
from tests.app.test_progress import take_quiz
from tests.conftest import csrf_token, make_app
from tests.course.test_pdf import embedded_fonts, squeeze
from tests.learners import (
    PASSWORD,
    add_user,
    api_token,
    confirm_link,
    login,
    logout,
    post_event,
    register,
)

SLUG = "principles"
MODULE_PDF = f"/en/modules/{SLUG}/certificate.pdf"


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


def complete(client, app, slug: str = SLUG, locale: str = "en") -> None:
    """Read every section of the module and pass its self-test, as a learner would."""
    token = api_token(client)
    for section in app.extensions["content"].course.resolve(locale, slug).module.section_ids:
        assert post_event(client, "section-read", slug, section, token).status_code == 200
    assert take_quiz(client, app, correct=True, locale=locale, slug=slug).status_code == 200


def set_name(client, name: str):
    token = csrf_token(client.get("/auth/name").data)
    return client.post("/auth/name", data={"csrf_token": token, "display_name": name})


def learner(app, email: str = "ada@example.com", name: str | None = "Ada Lovelace"):
    """A signed-in client of a new account, with its display name set."""
    client = app.test_client()
    assert register(client, email).status_code == 302
    if name is not None:
        assert set_name(client, name).status_code == 302
    return client


def certificates(app) -> list[Certificate]:
    with app.extensions["db_sessionmaker"]() as session:
        return list(session.scalars(sa.select(Certificate).order_by(Certificate.id)))


def pdf_text(data: bytes) -> str:
    return squeeze("".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages))


def download(client, url: str = MODULE_PDF):
    response = client.get(url)
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    return response


# --- earning and downloading -------------------------------------------------


def test_a_completed_module_gives_a_pdf_with_name_title_date_and_code(app):
    client = learner(app)
    complete(client, app)
    response = download(client)
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=omnichannel-strategy-certificate-principles-en.pdf"
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    [certificate] = certificates(app)
    assert certificate.subject == SLUG and certificate.locale == "en"
    assert certificate.completed_at.date() == datetime.now(UTC).date()
    assert len(pypdf.PdfReader(io.BytesIO(response.data)).pages) == 1
    text = pdf_text(response.data)
    for expected in (
        "Certificate of completion",
        "Ada Lovelace",
        "Principles of omnichannel",
        "Omnichannel strategy",
        format_date(certificate.completed_at.date(), "long", locale="en"),
        format_code(certificate.code),
        f"/verify/{format_code(certificate.code)}",
    ):
        assert squeeze(expected) in text, expected


def test_asking_again_in_another_language_gives_the_same_code_and_no_new_row(app):
    client = learner(app)
    complete(client, app)
    download(client)
    download(client)
    polish = download(client, f"/pl/modules/{SLUG}/certificate.pdf")
    [certificate] = certificates(app)
    text = pdf_text(polish.data)
    assert squeeze("Zasady omnikanałowości") in text  # the module's Polish title
    assert squeeze("Certyfikat ukończenia") in text and "Certificate" not in text
    assert squeeze(format_date(certificate.completed_at.date(), "long", locale="pl")) in text
    assert squeeze(format_code(certificate.code)) in text
    assert polish.headers["Content-Disposition"].endswith("-principles-pl.pdf")


def test_the_chinese_certificate_has_chinese_text_as_real_glyphs(app, tmp_path):
    client = learner(app, name="张伟")
    complete(client, app, locale="zh")
    response = download(client, f"/zh/modules/{SLUG}/certificate.pdf")
    text = pdf_text(response.data)
    title = "全渠道的基本原则"
    assert title in text and "张伟" in text and "全渠道战略" in text and "结业证书" in text
    [certificate] = certificates(app)
    assert squeeze(format_date(certificate.completed_at.date(), "long", locale="zh")) in text
    path = tmp_path / "certificate-zh.pdf"
    path.write_bytes(response.data)
    drawn = set().union(*embedded_fonts(path).values())
    missing = set(title + "张伟") - drawn
    assert not missing, f"drawn as empty boxes: {missing}"


def test_a_certificate_asks_for_the_name_to_print_first(app):
    client = learner(app, email="grace.hopper@example.com", name=None)
    complete(client, app)
    asked = client.get(MODULE_PDF)
    assert asked.status_code == 302
    assert asked.location == f"/auth/name?next={MODULE_PDF}&lang=en"  # in the page's language
    assert "Which name should your certificate show?" in client.get(asked.location).text
    assert certificates(app) == []  # nothing issued under a name nobody chose
    token = csrf_token(client.get(asked.location).data)
    saved = client.post(asked.location, data={"csrf_token": token, "display_name": "Grace Hopper"})
    assert saved.location == MODULE_PDF
    text = pdf_text(download(client).data)
    assert squeeze("Grace Hopper") in text and "grace.hopper" not in text


def test_an_unconfirmed_address_gets_no_certificate_until_confirmed(app):
    client = app.test_client()
    register(client, "ada@example.com", follow_link=False)
    login(client, "ada@example.com")
    set_name(client, "Ada Lovelace")
    complete(client, app)
    asked = client.get(MODULE_PDF)
    assert asked.status_code == 302 and asked.location == "/auth/verify?lang=en"
    page = client.get(asked.location).text
    assert "Certificates of completion go to confirmed addresses only" in page
    assert certificates(app) == []
    assert confirm_link(client, "ada@example.com").status_code == 302
    download(client)
    assert len(certificates(app)) == 1


def test_the_verify_page_withholds_a_name_never_given(app):
    client = learner(app)
    complete(client, app)
    download(client)
    [certificate] = certificates(app)
    with app.extensions["db_sessionmaker"]() as session:
        session.execute(sa.update(User).values(display_name=None))
        session.commit()
    page = app.test_client().get(f"/verify/{certificate.code}").text
    assert "Name withheld by the holder" in page and "ada" not in page.lower().split("<main")[1]


def test_a_name_with_markup_is_shown_as_text_everywhere(app):
    name = '<script>alert("x")</script> <b>Ada</b> & Co'
    client = learner(app, name=name)
    complete(client, app)
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;b&gt;Ada&lt;/b&gt; &amp; Co"
    account = client.get("/auth/account").get_data(as_text=True)
    assert escaped in account and "<script>alert" not in account
    assert squeeze(name) in pdf_text(download(client).data)
    [certificate] = certificates(app)
    page = app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert escaped in page and "<script>alert" not in page and "<b>Ada" not in page


def test_the_display_name_is_checked_and_can_be_cleared(app):
    client = learner(app)
    too_long = set_name(client, "x" * 101)
    assert too_long.status_code == 400 and b"Use at most 100 characters." in too_long.data
    for hidden in ("Ada\u202eecalevol", "Ada\u200b Lovelace", "Ada\u2066x\u2069", "A\ufeffda"):
        control = set_name(client, hidden)  # bidirectional overrides, zero-width characters
        assert control.status_code == 400, repr(hidden)
        assert b"Use letters, spaces and punctuation only." in control.data
    assert set_name(client, "  Ada \n  Lovelace ").status_code == 302
    assert "Ada Lovelace" in client.get("/auth/account").get_data(as_text=True)
    assert set_name(client, "").status_code == 302
    with app.extensions["db_sessionmaker"]() as session:
        assert session.scalar(sa.select(User.display_name)) is None


def test_the_date_is_when_the_module_was_completed_not_when_it_was_asked_for(app):
    client = learner(app)
    complete(client, app)
    earlier = datetime(2026, 1, 5, 10, 30)
    with app.extensions["db_sessionmaker"]() as session:
        session.execute(sa.update(SectionRead).values(read_at=earlier))
        session.execute(sa.update(QuizAttempt).values(submitted_at=datetime(2026, 1, 3, 9, 0)))
        session.commit()
    text = pdf_text(download(client).data)
    assert squeeze("Completed on January 5, 2026") in text
    assert certificates(app)[0].completed_at == earlier


# --- refused -------------------------------------------------------------------


def test_a_learner_who_has_not_completed_gets_a_friendly_page_and_no_certificate(app):
    client = learner(app)
    token = api_token(client)
    sections = app.extensions["content"].course.resolve("en", SLUG).module.section_ids
    post_event(client, "section-read", SLUG, sections[0], token)
    take_quiz(client, app, correct=False)
    response = client.get(MODULE_PDF)
    assert response.status_code == 404 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "No certificate yet" in page and f"1 of {len(sections)}" in page
    assert "Not passed yet" in page
    assert f'href="/en/modules/{SLUG}/quiz"' in page
    polish = client.get(f"/pl/modules/{SLUG}/certificate.pdf")
    assert polish.status_code == 404 and "Jeszcze nie ma certyfikatu" in polish.get_data(
        as_text=True
    )
    assert certificates(app) == []


def test_the_course_certificate_needs_every_module(app):
    client = learner(app)
    complete(client, app)
    response = client.get("/en/certificate.pdf")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "every module" in page
    assert "Multichannel" in page and "Principles of omnichannel" not in page  # what is left
    assert certificates(app) == []


def test_a_guest_is_asked_to_log_in(app):
    response = app.test_client().get(MODULE_PDF)
    assert response.status_code == 302
    assert response.location.startswith("/auth/login?next=/en/modules/principles/certificate.pdf")


def test_another_learners_certificate_is_a_404_and_never_theirs(app):
    ada = learner(app)
    complete(ada, app)
    download(ada)
    [adas] = certificates(app)
    bob = learner(app, email="bob@example.com", name="Bob")
    refused = bob.get(MODULE_PDF)
    assert refused.status_code == 404
    assert adas.code not in refused.get_data(as_text=True)
    assert "Ada Lovelace" not in refused.get_data(as_text=True)
    complete(bob, app)
    text = pdf_text(download(bob).data)
    assert "Bob" in text and "Ada" not in text
    _, bobs = certificates(app)
    assert bobs.code != adas.code and squeeze(format_code(adas.code)) not in text


def test_unknown_module_or_locale_is_a_404(app):
    client = learner(app)
    assert client.get("/en/modules/no-such-module/certificate.pdf").status_code == 404
    assert client.get(f"/xx/modules/{SLUG}/certificate.pdf").status_code == 404
    assert client.get("/xx/certificate.pdf").status_code == 404


# --- the whole course ---------------------------------------------------------


def test_completing_every_module_gives_the_course_certificate(app):
    client = learner(app)
    slugs = [m.slug for m in app.extensions["content"].course.source_modules()]
    for slug in slugs:
        complete(client, app, slug)
    progress = client.get("/en/progress").get_data(as_text=True)
    assert 'href="/en/certificate.pdf"' in progress
    for slug in slugs:
        assert f'href="/en/modules/{slug}/certificate.pdf"' in progress
    response = download(client, "/yo/certificate.pdf")
    assert response.headers["Content-Disposition"].endswith(
        "omnichannel-strategy-certificate-yo.pdf"
    )
    text = pdf_text(response.data)
    assert squeeze("Ìlànà omnichannel") in text and "AdaLovelace" in text
    [certificate] = certificates(app)
    assert certificate.subject == WHOLE_COURSE and certificate.locale == "yo"
    verified = app.test_client().get(
        f"/verify/{certificate.code}", headers={"Accept-Language": "en"}
    )
    assert "For completing the course" in verified.get_data(as_text=True)


def test_the_progress_page_links_only_completed_modules(app):
    client = learner(app)
    page = client.get("/en/progress").get_data(as_text=True)
    assert "certificate.pdf" not in page
    complete(client, app)
    page = client.get("/en/progress").get_data(as_text=True)
    assert f'href="/en/modules/{SLUG}/certificate.pdf"' in page
    assert "Download your certificate (PDF)" in page
    assert 'href="/en/certificate.pdf"' not in page


def test_a_guest_who_completed_a_module_is_invited_to_log_in_for_it(app):
    guest = app.test_client()
    complete(guest, app)
    page = guest.get("/en/progress").get_data(as_text=True)
    assert "Log in to get your certificate" in page and "certificate.pdf" not in page
    add_user(app, "guest@example.com")
    login(guest, "guest@example.com")  # the browser's progress is merged into the account
    set_name(guest, "Guest Learner")
    assert download(guest).status_code == 200


# --- verification --------------------------------------------------------------


def test_anyone_can_verify_a_good_code_in_their_language(app):
    client = learner(app)
    complete(client, app)
    download(client)
    [certificate] = certificates(app)
    logout(client)
    visitor = app.test_client()
    response = visitor.get(f"/verify/{format_code(certificate.code)}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Valid certificate" in page and "Ada Lovelace" in page
    assert "Principles of omnichannel" in page
    assert format_date(certificate.completed_at.date(), "long", locale="en") in page
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert "Set-Cookie" not in response.headers
    typed = certificate.code.lower()  # as someone might type it from paper
    assert visitor.get(f"/verify/{typed}").status_code == 200
    polish = visitor.get(f"/verify/{certificate.code}", headers={"Accept-Language": "pl"})
    assert "Zasady omnikanałowości" in polish.get_data(as_text=True)
    form = visitor.get("/verify", query_string={"code": f" {typed} "})
    assert form.status_code == 302 and form.location == f"/verify/{format_code(certificate.code)}"


@pytest.mark.parametrize(
    "forged",
    [
        "FORGED",
        "0000-0000-0000-0000-0000",
        "<script>alert(1)</script>",
        "%F0%9F%92%A5",
        "a" * 5000,
        "..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_a_forged_code_is_not_valid(app, forged):
    client = learner(app)
    complete(client, app)
    download(client)
    response = app.test_client().get(f"/verify/{forged}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Certificate not valid" in page and "Ada" not in page
    assert "<script>alert(1)" not in page


def test_a_well_formed_but_unknown_code_is_not_valid_in_the_visitors_language(app):
    code = new_code()
    response = app.test_client().get(f"/verify/{code}", headers={"Accept-Language": "pl"})
    assert response.status_code == 404
    assert "Certyfikat nieważny" in response.get_data(as_text=True)
    typed = app.test_client().get("/verify", query_string={"code": code})
    assert typed.status_code == 404
    empty = app.test_client().get("/verify")
    assert empty.status_code == 200 and 'name="code"' in empty.get_data(as_text=True)


def test_deleting_the_account_invalidates_its_certificates(app):
    client = learner(app)
    complete(client, app)
    download(client)
    [certificate] = certificates(app)
    token = csrf_token(client.get("/auth/delete").data)
    client.post("/auth/delete", data={"csrf_token": token, "password": PASSWORD, "confirm": "y"})
    assert certificates(app) == []
    assert app.test_client().get(f"/verify/{certificate.code}").status_code == 404


def test_codes_are_random_and_read_back_as_typed():
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000 and all(len(c) == 20 for c in codes)
    code = next(iter(codes))
    assert normalize_code(format_code(code).lower()) == code
    assert normalize_code("oil0-" + code[4:]) == "0110" + code[4:]  # look-alike letters
    assert normalize_code("not a code") is None and normalize_code(code + "X") is None


def test_certificates_made_at_once_by_several_threads_each_carry_their_own_name():
    """The server's worker threads may make certificates at the same moment."""
    settings = PdfSettings(FONTS_CSS, translations_dir=PROJECT_ROOT / "translations")
    names = [f"Learner number {n}" for n in range(6)]
    made: dict[str, bytes] = {}
    start = threading.Barrier(len(names))

    def make(name: str) -> None:
        text = CertificateText(
            holder=name,
            course_title="Omnichannel strategy",
            title="Principles of omnichannel",
            title_locale="en",
            completed_on=date(2026, 11, 25),
            code=new_code(),
            verify_url="https://example.org/verify/x",
        )
        start.wait()
        made[name] = render_certificate(text, "en", settings)

    threads = [threading.Thread(target=make, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in names:
        text = pdf_text(made[name])
        assert squeeze(name) in text
        assert all(squeeze(other) not in text for other in names if other != name)


# --- the database ----------------------------------------------------------------


def test_two_requests_at_once_issue_one_certificate(tmp_path, database_url):
    app = make_app(tmp_path, DATABASE_URL=database_url)
    client = learner(app)
    complete(client, app)
    course = app.extensions["content"].course
    start = threading.Barrier(4)
    codes: list[str] = []

    def ask() -> None:
        with app.app_context():
            from app.db import get_session

            user = get_session().scalar(sa.select(User))
            entries = [progress_of(user, course)[SLUG]]
            start.wait()
            codes.append(issue(user, SLUG, "en", entries).code)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(codes) == 4 and len(set(codes)) == 1
    assert [c.code for c in certificates(app)] == codes[:1]


def test_the_migration_keeps_existing_accounts(tmp_path, database_url):
    from app import create_app

    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"), "DATABASE_URL": database_url}
    )
    upgrade(app, "0002")
    with app.extensions["db_engine"].begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (email, password_hash, role, session_token, created_at) "
                "VALUES ('old@example.com', 'x', 'learner', 'token', :now)"
            ),
            {"now": datetime(2026, 1, 1)},
        )
    upgrade(app)
    with app.extensions["db_sessionmaker"]() as session:
        user = session.scalar(sa.select(User))
        assert user.email == "old@example.com" and user.display_name is None
        assert user.email_verified  # accounts from before confirmation keep their certificates
        assert session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


# --- every language ------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["pl", "zh", "yo"])
def test_the_certificate_pages_show_no_english_interface_text(app, locale):
    from tests.app.test_i18n_pages import english_left, shown

    client = app.test_client()
    client.set_cookie("omnicourse_locale", locale)  # pages outside /<locale>/ use it
    assert register(client, f"{locale}@example.com").status_code == 302
    set_name(client, "Ada")
    pages = {
        "name form": client.get("/auth/name"),
        "name form, mistake": set_name(client, "x" * 101),
        "module not completed": client.get(f"/{locale}/modules/{SLUG}/certificate.pdf"),
        "course not completed": client.get(f"/{locale}/certificate.pdf"),
        "verify form": client.get("/verify"),
        "verify, not valid": client.get(f"/verify/{new_code()}"),
    }
    complete(client, app, locale=locale)
    assert client.get(f"/{locale}/modules/{SLUG}/certificate.pdf").status_code == 200
    [certificate] = certificates(app)
    pages["progress with a certificate"] = client.get(f"/{locale}/progress")
    pages["verify, valid"] = client.get(f"/verify/{certificate.code}")
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert f'<html lang="{locale}"' in html, name
        assert english_left(locale, html, shown(locale)) == [], name
