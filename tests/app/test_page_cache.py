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
