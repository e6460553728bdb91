"""The podcast feed per locale, its chapters and transcripts (app/learn/podcast.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from tests.audio_helpers import build_audio, manifest
from tests.conftest import ContentFactory, make_app

SITE = "https://course.example.org"
OMNICOURSE = str(Path(sys.executable).with_name("omnicourse"))
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
PL_SECTIONS = (
    "## What it means {#what-it-means}",
    "## Co to znaczy {#what-it-means}",
    "## Why it matters {#why-it-matters}",
    "## Dlaczego to ważne {#why-it-matters}",
)


def _course(root: Path) -> ContentFactory:
    content = ContentFactory(root / "content")
    content.module()
    content.module(slug="journey", order=2, title="Journeys")
    polish = content.module(locale="pl", title="Podstawy", extra="source_hash: abc\n")
    text = polish.read_text(encoding="utf-8")
    for old, new in zip(PL_SECTIONS[::2], PL_SECTIONS[1::2], strict=True):
        text = text.replace(old, new)
    polish.write_text(text, encoding="utf-8")
    content.module(locale="yo", title="Ìpìlẹ̀", extra="source_hash: abc\n")
    return content


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A small course in en (two modules), pl and yo with its audio built once."""
    root = tmp_path_factory.mktemp("podcast")
    content = _course(root)
    assert build_audio(content.root, root / "instance").failed == []
    return root


@pytest.fixture
def app(built):
    return make_app(built, built / "content", SERVER_NAME=SITE, TRUSTED_HOSTS="odd.example")


@pytest.fixture
def client(app):
    return app.test_client()


def parsed(client, locale: str = "en", **headers):
    response = client.get(f"/{locale}/podcast.xml", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    return response, feed


def test_feed_is_well_formed_rss_with_the_itunes_and_podcast_namespaces(client):
    response, _feed = parsed(client)
    root = etree.fromstring(response.data)
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert root.nsmap["itunes"] == ITUNES and root.nsmap["podcast"] == PODCAST
    channel = root.find("channel")
    assert channel.find(f"{{{ITUNES}}}category").get("text") == "Education"
    assert channel.find(f"{{{ITUNES}}}explicit").text == "false"
    assert channel.find(f"{{{ITUNES}}}type").text == "serial"
    assert channel.find(f"{{{ITUNES}}}author").text == "Test course"
    assert channel.find(f"{{{PODCAST}}}locked").text == "no"
    expected = uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"),
                          "course.example.org/en/podcast.xml")  # fmt: skip
    assert channel.find(f"{{{PODCAST}}}guid").text == str(expected)
    items = channel.findall("item")
    assert [item.find(f"{{{ITUNES}}}episode").text for item in items] == ["1", "2"]
    for item in items:
        assert item.find(f"{{{PODCAST}}}chapters").get("type") == "application/json+chapters"
        transcripts = item.findall(f"{{{PODCAST}}}transcript")
        assert [t.get("type") for t in transcripts] == ["text/vtt", "text/plain"]
        assert item.find("guid").get("isPermaLink") == "false"


def test_channel_has_title_link_language_description_and_image(client):
    _response, feed = parsed(client)
    channel = feed.feed
    assert channel.title == "Test course"
    assert channel.link == f"{SITE}/en/"
    assert channel.language == "en"
    assert "one episode per module" in channel.description
    assert channel.image.href == f"{SITE}/static/img/icon-512.png"


def test_each_item_describes_its_module_and_its_audio(client, built):
    _response, feed = parsed(client)
    found = manifest(built / "instance")
    assert [item.title for item in feed.entries] == ["Basics", "Journeys"]
    for item, slug in zip(feed.entries, ["basics", "journey"], strict=True):
        entry = found.get("en", slug)
        assert item.description == "A short module used by the tests."
        assert item.link == f"{SITE}/en/modules/{slug}/"
        assert int(item.itunes_duration) == round(entry.duration)
        published = parsedate_to_datetime(item.published)
        assert abs(published.timestamp() - found.path(entry).stat().st_mtime) < 1
        (enclosure,) = item.enclosures
        assert enclosure.href == f"{SITE}/en/modules/{slug}/audio.mp3?v={entry.key}"
        assert enclosure.type == "audio/mpeg"
        assert int(enclosure.length) == entry.size
        with client.get(enclosure.href.removeprefix(SITE)) as audio:
            assert audio.status_code == 200
            assert audio.mimetype == "audio/mpeg"
            assert len(audio.data) == int(enclosure.length)


def test_guid_is_stable_and_changes_when_the_audio_is_rebuilt(tmp_path):
    content = _course(tmp_path)
    build_audio(content.root, tmp_path / "instance")
    client = make_app(tmp_path, content.root, SERVER_NAME=SITE).test_client()
    first, feed = parsed(client)
    _again, same = parsed(client)
    guids = [item.id for item in feed.entries]
    assert guids == [item.id for item in same.entries] and len(set(guids)) == 2
    unchanged = client.get("/en/podcast.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304

    basics = content.root / "en" / "01-basics.md"
    basics.write_text(basics.read_text().replace("every", "each"), encoding="utf-8")
    time.sleep(0.01)
    build_audio(content.root, tmp_path / "instance")
    client = make_app(tmp_path, content.root, SERVER_NAME=SITE).test_client()
    rebuilt, feed = parsed(client, **{"If-None-Match": first.headers["ETag"]})
    assert rebuilt.headers["ETag"] != first.headers["ETag"]
    changed = [item.id for item in feed.entries]
    assert changed[0] != guids[0]  # basics was rebuilt
    assert changed[1] == guids[1]  # journey was not


def test_chapters_are_podcasting_json_titled_in_the_feeds_language(client, built):
    _response, feed = parsed(client, "pl")
    assert feed.feed.language == "pl"
    assert len(feed.entries) == 1
    chapters = etree.fromstring(client.get("/pl/podcast.xml").data).find(
        f"channel/item/{{{PODCAST}}}chapters"
    )
    assert chapters.get("url") == f"{SITE}/pl/modules/basics/chapters.json"
    response = client.get("/pl/modules/basics/chapters.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json+chapters")
    data = json.loads(response.data)
    assert data["version"] == "1.2.0"
    entry = manifest(built / "instance").get("pl", "basics")
    titles = [chapter["title"] for chapter in data["chapters"]]
    assert titles[0] == "Podstawy"  # the title (and outcomes) before the sections
    sections = [title for title in titles if title in ("Co to znaczy", "Dlaczego to ważne")]
    assert sections == ["Co to znaczy", "Dlaczego to ważne"]
    assert set(titles) <= {"Podstawy", *sections, "Najważniejsze punkty"}
    assert len(titles) == len(entry.parts)
    starts = [chapter["startTime"] for chapter in data["chapters"]]
    assert starts[0] == 0 and starts == sorted(starts)
    assert starts[1] == pytest.approx(entry.parts[0][2], abs=0.001)
    assert data["chapters"][-1]["endTime"] == pytest.approx(entry.duration, abs=0.01)
    assert all(isinstance(start, int | float) for start in starts)


def test_transcript_is_the_spoken_text_with_the_section_titles(client):
    root = etree.fromstring(client.get("/pl/podcast.xml").data)
    timed, transcript = root.findall(f"channel/item/{{{PODCAST}}}transcript")
    assert (timed.get("url"), timed.get("type")) == (
        f"{SITE}/pl/modules/basics/audio.vtt", "text/vtt"
    )  # fmt: skip
    assert transcript.get("url") == f"{SITE}/pl/modules/basics/transcript.txt"
    assert transcript.get("language") == "pl"
    response = client.get("/pl/modules/basics/transcript.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith("Podstawy")
    assert "Co to znaczy" in text and "Dlaczego to ważne" in text
    assert "Omnichannel joins up every channel." in text


def test_yoruba_without_audio_answers_a_valid_empty_feed(client):
    response, feed = parsed(client, "yo")
    assert feed.entries == []
    assert feed.feed.language == "yo"
    assert feed.feed.title
    assert feed.feed.description.startswith("Kò sí ìṣẹ̀lẹ̀ kankan síbẹ̀")  # "No episodes yet"
    root = etree.fromstring(response.data)
    assert root.find("channel/item") is None
    assert client.get("/yo/modules/basics/chapters.json").status_code == 404


def test_absolute_urls_use_the_server_name_whatever_the_host(client):
    response, feed = parsed(client, HOST="odd.example")
    assert "odd.example" not in response.get_data(as_text=True)
    assert feed.feed.link == f"{SITE}/en/"
    assert all(item.enclosures[0].href.startswith(SITE + "/") for item in feed.entries)
    localhost, _ = parsed(client, HOST="localhost:5000")
    assert localhost.data == response.data


def test_feed_is_shared_and_cached_like_module_pages(client):
    response, _feed = parsed(client)
    assert "public" in response.headers["Cache-Control"]
    again = client.get("/en/podcast.xml", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def _export(built: Path, tmp_path: Path, *options: str) -> Path:
    shutil.copytree(built / "instance" / "build", tmp_path / "instance" / "build")
    env = {**os.environ, "OMNICOURSE_INSTANCE_PATH": str(tmp_path / "instance"),
           "OMNICOURSE_CONTENT_DIR": str(built / "content")}  # fmt: skip
    out = tmp_path / "site"
    command = [OMNICOURSE, "export", "site", "--out", str(out), "--no-build", *options]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_the_export_writes_the_feeds_chapters_and_transcripts_with_a_base_url(built, tmp_path):
    base = "https://static.example.net/course"
    out = _export(built, tmp_path, "--base-url", f"{base}/")
    feed = feedparser.parse((out / "en" / "podcast.xml").read_bytes())
    assert not feed.bozo and feed.feed.link == f"{base}/en/"
    key = manifest(built / "instance").get("en", "basics").key
    assert feed.entries[0].enclosures[0].href == f"{base}/en/modules/basics/audio.mp3?v={key}"
    assert (out / "en" / "modules" / "basics" / "audio.mp3").is_file()
    chapters = json.loads((out / "en" / "modules" / "basics" / "chapters.json").read_text())
    assert chapters["version"] == "1.2.0"
    assert "Why it matters" in (out / "en" / "modules" / "journey" / "transcript.txt").read_text()
    cues = (out / "en" / "modules" / "journey" / "audio.vtt").read_text()
    assert cues.startswith("WEBVTT") and "\nJourneys.\n" in cues
    assert feedparser.parse((out / "yo" / "podcast.xml").read_bytes()).entries == []
    root = (out / "index.html").read_text()
    assert '<link rel="alternate" type="application/rss+xml" href="en/podcast.xml"' in root


@pytest.mark.slow
def test_the_export_writes_no_feed_without_a_base_url(built, tmp_path):
    out = _export(built, tmp_path)
    assert not (out / "en" / "podcast.xml").exists()
    assert "podcast.xml" not in (out / "index.html").read_text()


def test_read_along_cues_are_served_as_webvtt_and_linked_from_the_player(client, built):
    from course.readalong import parse_webvtt

    entry = manifest(built / "instance").get("en", "basics")
    page = client.get("/en/modules/basics/").get_data(as_text=True)
    url = f"/en/modules/basics/audio.vtt?v={entry.key}"
    assert f'<track kind="metadata" src="{url}" srclang="en" default>' in page
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/vtt"
    assert "immutable" in response.headers["Cache-Control"]
    cues = parse_webvtt(response.get_data(as_text=True))
    response.close()
    assert cues[0].text == "Basics." and cues[0].part == "_intro"
    assert {c.part for c in cues} == {"_intro", "what-it-means", "why-it-matters", "_key-points"}
    assert cues[-1].end <= entry.duration
    assert client.get("/yo/modules/basics/audio.vtt").status_code == 404  # no audio in Yoruba
    assert client.get("/en/modules/nope/audio.vtt").status_code == 404
