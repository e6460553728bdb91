"""Pages for everyone come from memory, compressed once, until what they show changes."""

from __future__ import annotations

import gzip

import brotli
from flask import template_rendered

from tests.learners import add_user, login

MODULE = "/en/modules/principles/"


def renders(app) -> list[str]:
    """The templates rendered from now on (a kept page renders none)."""
    rendered: list[str] = []
    template_rendered.connect(
        lambda sender, template, context, **kw: rendered.append(template.name), app, weak=False
    )
    return rendered


def test_the_second_anonymous_request_renders_nothing(app, client):
    first = client.get(MODULE, headers={"Accept-Encoding": "br"})
    rendered = renders(app)
    again = client.get(MODULE, headers={"Accept-Encoding": "br"})
    assert rendered == []
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]


def test_every_encoding_is_the_same_page_with_its_own_etag(client):
    answers = {enc: client.get(MODULE, headers={"Accept-Encoding": enc})
               for enc in ("br", "gzip", "identity")}  # fmt: skip
    plain = answers["identity"].data
    assert brotli.decompress(answers["br"].data) == plain
    assert gzip.decompress(answers["gzip"].data) == plain
    assert b"Principles of omnichannel" in plain
    assert answers["br"].headers["Content-Encoding"] == "br"
    assert "Content-Encoding" not in answers["identity"].headers
    assert len(answers["br"].data) < len(plain) / 3
    etags = {answer.headers["ETag"] for answer in answers.values()}
    assert len(etags) == 3
    for answer in answers.values():
        assert answer.headers["Vary"] == "Accept-Encoding, Cookie"
        assert answer.headers["Cache-Control"].startswith("public, max-age=")
        assert answer.headers["Content-Security-Policy"]  # the safe headers are kept too
        assert int(answer.headers["Content-Length"]) == len(answer.data)
    revalidated = client.get(MODULE, headers={"If-None-Match": answers["gzip"].headers["ETag"],
                                              "Accept-Encoding": "br"})  # fmt: skip
    assert revalidated.status_code == 304 and revalidated.data == b""


def test_a_head_request_gets_the_headers_only(client):
    first = client.head(MODULE)  # before any GET: nothing (empty) may be kept from it
    assert first.status_code == 200 and first.data == b""
    assert "X-Omnicourse-Shared" not in first.headers
    assert b"Principles of omnichannel" in client.get(MODULE).data
    head = client.head(MODULE, headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.data == b""
    assert int(head.headers["Content-Length"]) > 1000


def test_a_signed_in_learner_gets_a_page_of_their_own(app, client):
    client.get(MODULE)
    add_user(app, "ada@example.com")
    login(client, "ada@example.com")
    page = client.get(MODULE)
    assert page.headers["Cache-Control"] == "private, no-cache"
    assert 'href="/auth/logout?lang=en"' in page.text


def test_a_content_change_shows_at_once(tmp_path, content):
    from tests.conftest import make_app

    path = content.module()
    app = make_app(tmp_path, content.root)
    client = app.test_client()
    assert "Basics" in client.get("/en/modules/basics/").text
    path.write_text(path.read_text().replace("title: Basics", "title: Renamed"))
    app.extensions["content"].refresh()
    assert "Renamed" in client.get("/en/modules/basics/").text


def test_pages_for_one_person_are_never_kept(client):
    client.get("/en/modules/principles/quiz")
    again = client.get("/en/modules/principles/quiz")
    assert again.headers["Cache-Control"] == "private, no-store"
    assert "Content-Encoding" not in again.headers


def test_a_query_string_names_the_same_kept_page(app, client):
    client.get(MODULE, headers={"Accept-Encoding": "br"})
    rendered = renders(app)
    pages = app.wsgi_app
    while type(pages).__name__ != "PageCache":
        pages = pages.wsgi_app
    for number in range(20):  # no new copy, no new compression
        client.get(f"{MODULE}?{number}", headers={"Accept-Encoding": "br"})
    assert rendered == [] and len(pages.pages) == 1


def test_styles_and_scripts_under_their_hashed_url_are_sent_compressed_to_everyone(app, client):
    from app.security import static_url

    with app.test_request_context():
        names = ("css/fonts.css", "js/read-along.js", "fonts/NotoSans-Regular.woff2")
        css, js, font = (static_url(name) for name in names)
    plain = client.get(css)
    packed = client.get(css, headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 5  # the Chinese faces' long unicode-ranges
    assert packed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert "X-Omnicourse-Shared" not in packed.headers
    again = client.get(css, headers={"If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304
    assert gzip.decompress(client.get(js, headers={"Accept-Encoding": "gzip"}).data).startswith(
        b"// Read-along"
    )
    woff2 = client.get(font, headers={"Accept-Encoding": "br"})  # compressed already
    assert "Content-Encoding" not in woff2.headers
    woff2.close()
    made_up = client.get(css.replace("?v=", "?v=0"), headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in made_up.headers  # not kept: versions cannot be invented
    made_up.close()
    add_user(app, "ada@example.com")
    login(client, "ada@example.com")  # signed in: the same shared, compressed file
    mine = client.get(css, headers={"Accept-Encoding": "br"})
    assert mine.headers["Content-Encoding"] == "br" and "Set-Cookie" not in mine.headers
