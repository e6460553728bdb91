"""A right-to-left locale lays out mirrored in Chromium (a small Arabic test course)."""

from __future__ import annotations

import pytest

from course.loader import git_blob_hash
from tests.bench.server import running_server
from tests.conftest import MODULE_TEMPLATE

NOTE = '\n!!! note "ملاحظة"\n    نص الملاحظة.\n'


@pytest.fixture
def rtl_server(content):
    source = content.module()
    text = MODULE_TEMPLATE.format(
        slug="basics",
        title="الأساسيات",
        order=1,
        extra=f"source_hash: {git_blob_hash(source.read_bytes())}\n",
    )
    text = text.replace("for more.\n", "for more.\n" + NOTE, 1)
    content.module(locale="ar", text=text)
    env = {"OMNICOURSE_CONTENT_DIR": str(content.root), "OMNICOURSE_BUILD_ON_START": "false"}
    with running_server(workers=1, env=env) as port:
        yield f"http://127.0.0.1:{port}"


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_an_arabic_page_is_mirrored(page, rtl_server):
    page.goto(f"{rtl_server}/ar/modules/basics/")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "ar",
        "rtl",
    ]
    # The course name starts the header on the right, the languages end it on the left.
    assert box(page, ".brand")["x"] > box(page, ".languages")["x"]
    page.locator("details.section").first.evaluate("d => d.open = true")
    sides = page.locator(".admonition").first.evaluate(
        "e => { const s = getComputedStyle(e); return [s.borderRightWidth, s.borderLeftWidth]; }"
    )
    assert sides == ["4px", "0px"]  # the accent bar sits where the text starts

    page.goto(f"{rtl_server}/en/modules/basics/")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    assert box(page, ".brand")["x"] < box(page, ".languages")["x"]
