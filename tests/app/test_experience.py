"""What every learner meets first: the home's module cards, the module page's order and
neighbours, and the finish of each page (icon, app manifest, description, sharing tags)."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

import pytest

from course import load_course
from tests.conftest import REAL_CONTENT

COURSE = load_course(REAL_CONTENT)
SLUGS = [m.slug for m in COURSE.source_modules()]


@pytest.mark.parametrize("locale", COURSE.locales)
def test_home_shows_each_module_as_a_card_in_order(client, locale):
    html = client.get(f"/{locale}/").get_data(as_text=True)
    cards = re.findall(r'<li class="card module-card" data-module="([\w-]+)"', html)
    assert cards == SLUGS
    for resolved in COURSE.modules_for(locale):
        assert resolved.module.title in html
    assert html.count('class="module-card__art"') == len(SLUGS)  # an illustration each
    assert "data-continue" in html and "data-course-progress" in html  # filled in by progress.js


@pytest.mark.parametrize("locale", COURSE.locales)
def test_the_lesson_starts_open_and_headers_do_not_say_click(client, locale):
    html = client.get(f"/{locale}/modules/{SLUGS[0]}/").get_data(as_text=True)
    sections = re.findall(r'<details class="section" id="([\w-]+)"[^>]*?( open)?>', html)
    assert sections[0][1] == " open" and all(not opened for _, opened in sections[1:])
    assert "Click to read" not in html
    assert "Play audio version" not in html  # audio plays in the page's own bar


@pytest.mark.parametrize("locale", COURSE.locales)
def test_each_module_links_to_the_one_before_and_after(client, locale):
    for place, slug in enumerate(SLUGS):
        html = client.get(f"/{locale}/modules/{slug}/").get_data(as_text=True)
        previous = re.search(r'href="([^"]+)" rel="prev"', html)
        following = re.search(r'href="([^"]+)" rel="next"', html)
        if place == 0:
            assert previous is None
        else:
            assert previous[1] == f"/{locale}/modules/{SLUGS[place - 1]}/"
        if place == len(SLUGS) - 1:
            assert following is None
        else:
            assert following[1] == f"/{locale}/modules/{SLUGS[place + 1]}/"


def test_a_module_page_can_be_shared_with_its_title_and_description(client):
    module = COURSE.resolve("zh", SLUGS[1]).module
    html = client.get(f"/zh/modules/{SLUGS[1]}/").get_data(as_text=True)

    def meta(attribute: str, name: str) -> str:
        found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', html)
        assert found, name
        return found[1]

    assert meta("name", "description") == module.description
    assert meta("property", "og:title") == module.title
    assert meta("property", "og:locale") == "zh"
    assert meta("property", "og:url").endswith(f"/zh/modules/{SLUGS[1]}/")
    assert meta("property", "og:image").endswith(".png")


@pytest.mark.parametrize("path", ["/en/", "/pl/progress", "/auth/login?lang=yo", "/verify?lang=zh"])
def test_every_page_has_a_description(client, path):
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'<meta name="description" content="([^"]+)"', html)
    assert found and len(found[1]) > 20


def test_the_browser_finds_an_icon_and_an_app_manifest(client):
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    for locale in COURSE.locales:
        html = client.get(f"/{locale}/").get_data(as_text=True)
        href = re.search(r'<link rel="manifest" href="([^"]+)"', html)[1]
        manifest = json.loads(client.get(href).data)
        assert manifest["name"] == COURSE.title(locale) and manifest["lang"] == locale
        assert manifest["start_url"] == "./" and href.startswith(f"/{locale}/")
        for icon in manifest["icons"]:  # relative to the manifest, as on a static copy
            with client.get(urljoin(href, icon["src"])) as image:
                assert image.status_code == 200
