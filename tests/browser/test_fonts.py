"""Chromium draws Chinese and Yoruba with the fonts the project ships, not with system fonts."""

from __future__ import annotations

import pytest


def fonts_drawing(page, selector: str) -> dict[str, bool]:
    """The fonts Chromium used for the text of `selector`: name → is it a web font."""
    page.evaluate("document.fonts.ready")
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {font["familyName"]: font["isCustomFont"] for font in fonts}


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("zh", "Noto Sans CJK SC"), ("yo", "Noto Sans"), ("pl", "Noto Sans")],
)
def test_module_title_is_drawn_with_a_shipped_font(page, live_server, locale, expected):
    page.goto(f"{live_server}/{locale}/modules/principles/")
    used = fonts_drawing(page, "h1")
    assert used.get(expected) is True, used  # True: a web font from static/fonts/
    assert all(used.values()), used  # no character fell back to a system font
