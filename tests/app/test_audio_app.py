"""Serving audio and the player: MIME type, ranges, caching, 404 pages, the Yoruba path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.audio_helpers import build_audio, manifest
from tests.conftest import ContentFactory, make_app

MODULE = "/en/modules/basics/audio.mp3"
SECTION = "/en/modules/basics/sections/why-it-matters/audio.mp3"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A small course in en, pl and yo with its audio built once for all tests here."""
    root = tmp_path_factory.mktemp("audio-app")
    content = ContentFactory(root / "content")
    content.module()
    content.module(locale="pl", title="Podstawy", extra="source_hash: abc\n")
    content.module(locale="yo", title="Ìpìlẹ̀", extra="source_hash: abc\n")
    assert build_audio(content.root, root / "instance").failed == []
    return root


@pytest.fixture
def client(built):
    return make_app(built, built / "content").test_client()


def module_file(built: Path, locale: str = "en", section: str | None = None) -> Path:
    found = manifest(built / "instance")
    return found.path(found.get(locale, "basics", section))


def key(built: Path, locale: str = "en", section: str | None = None) -> str:
    return manifest(built / "instance").get(locale, "basics", section).key


def test_module_audio_is_an_mpeg_file_with_an_etag(client, built):
    with client.get(MODULE) as response:
        assert response.status_code == 200
        assert response.mimetype == "audio/mpeg"
        assert response.headers["Accept-Ranges"] == "bytes"
        assert response.get_etag()[0] == key(built)
        assert response.data == module_file(built).read_bytes()
        assert "immutable" not in response.headers["Cache-Control"]  # the plain URL may change
    with client.get(MODULE, headers={"If-None-Match": f'"{key(built)}"'}) as response:
        assert response.status_code == 304


def test_hashed_audio_url_is_cached_for_a_year(client, built):
    with client.get(f"{MODULE}?v={key(built)}") as response:
        assert response.status_code == 200
        cache = response.cache_control
        assert cache.public and cache.immutable and cache.max_age == 365 * 24 * 3600


def test_range_request_returns_only_the_requested_bytes(client, built):
    data = module_file(built).read_bytes()
    with client.get(MODULE, headers={"Range": "bytes=1000-2999"}) as response:
        assert response.status_code == 206
        assert response.headers["Content-Range"] == f"bytes 1000-2999/{len(data)}"
        assert response.data == data[1000:3000]
    with client.get(MODULE, headers={"Range": "bytes=-500"}) as response:
        assert response.status_code == 206
        assert response.data == data[-500:]
    with client.get(MODULE, headers={"Range": f"bytes={len(data) + 10}-"}) as response:
        assert response.status_code == 416


def test_audio_is_streamed_in_small_chunks(client, built):
    with client.get(MODULE, buffered=False) as response:
        sizes = [len(chunk) for chunk in response.response]
    assert sum(sizes) == module_file(built).stat().st_size
    assert len(sizes) > 1 and max(sizes) <= 64 * 1024  # never the whole file at once


def test_section_audio_is_served(client, built):
    with client.get(SECTION, headers={"Range": "bytes=0-99"}) as response:
        assert response.status_code == 206
        assert response.data == module_file(built, section="why-it-matters").read_bytes()[:100]


def test_fallback_locale_serves_the_source_audio(client, built):
    # zh has no translation of the module: its page shows English, and so does the audio.
    content = ContentFactory(built / "content")
    (content.root / "zh").mkdir(exist_ok=True)
    app = make_app(built, content.root)
    with app.test_client().get("/zh/modules/basics/audio.mp3") as response:
        assert response.status_code == 200
        assert response.data == module_file(built).read_bytes()
    (content.root / "zh").rmdir()


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/en/modules/no-such-module/audio.mp3", "Page not found"),
        ("/en/modules/basics/sections/no-such-part/audio.mp3", "Page not found"),
        ("/xx/modules/basics/audio.mp3", "Page not found"),
        ("/en/modules/basics/sections/../audio.mp3", None),
        # Yoruba has no voice: the page (in Yoruba) links to the audio in other languages.
        ("/yo/modules/basics/audio.mp3", 'href="/en/modules/basics/audio.mp3?v='),
        ("/yo/modules/basics/sections/why-it-matters/audio.mp3", 'hreflang="pl"'),
    ],
)
def test_missing_audio_is_a_friendly_404(client, path, text):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    if text:
        assert text in response.get_data(as_text=True)


def test_yoruba_audio_404_links_to_the_module_in_other_languages(client, built):
    html = client.get("/yo/modules/basics/audio.mp3").get_data(as_text=True)
    assert f'href="/en/modules/basics/audio.mp3?v={key(built)}"' in html
    assert f'href="/pl/modules/basics/audio.mp3?v={key(built, "pl")}"' in html
    assert 'href="/yo/modules/basics/"' in html


def test_module_page_has_the_player_with_its_source_and_parts(client, built):
    html = client.get("/en/modules/basics/").get_data(as_text=True)
    assert re.search(rf'<audio [^>]*controls[^>]*src="{MODULE}\?v={key(built)}"', html)
    assert "Synthetic voice (eSpeak NG)" in html
    section_url = f"{SECTION}?v={key(built, section='why-it-matters')}"
    assert f'<a href="{section_url}" type="audio/mpeg">Why it matters</a>' in html
    assert '<a href="#why-it-matters">' in html  # the section's text is its transcript
    assert re.search(r'<label class="audio-bar__speed"><span class="visually-hidden">Speed</span>\s*<select', html)
    assert "js/audio.js" in html


def test_yoruba_page_offers_the_devices_voice_and_a_notice(client, built):
    html = client.get("/yo/modules/basics/").get_data(as_text=True)
    assert "<audio" not in html
    assert 'data-lang="yo"' in html and "data-speech hidden" in html
    speech = '<template data-speech-part="what-it-means" data-title="What it means">'
    assert speech + "What it means.\nOmnichannel joins up every channel." in html
    notice = html[html.index("data-audio-notice") :]
    assert f'href="/en/modules/basics/audio.mp3?v={key(built)}"' in notice
    assert 'lang="pl"' in notice


def test_module_page_etag_changes_when_audio_is_built(tmp_path, content):
    content.module()
    app = make_app(tmp_path, content.root)
    client = app.test_client()
    before = client.get("/en/modules/basics/")
    assert "<audio" not in before.get_data(as_text=True)

    build_audio(content.root, tmp_path / "instance")

    after = client.get("/en/modules/basics/", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert "<audio" in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]
