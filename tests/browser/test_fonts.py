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


def test_chinese_text_keeps_its_place_while_its_font_arrives(page, live_server):
    """On a phone with no Chinese font, nothing moves when Noto Sans SC comes in."""
    held = []
    page.route("**/static/fonts/NotoSansSC-*", lambda route: held.append(route)
               if "Placeholder" not in route.request.url else route.continue_())  # fmt: skip
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/zh/modules/principles/quiz", wait_until="domcontentloaded")
    places = "[...document.querySelectorAll('main *')].map(e => [e.offsetTop, e.offsetHeight])"
    placeholder_ready = "() => document.fonts.check('16px \"Noto Sans SC Placeholder\"', '全渠道')"
    page.wait_for_function(placeholder_ready)
    page.wait_for_function("() => [...document.fonts].some(f => f.family === 'Noto Sans SC' "
                           "&& f.status === 'loading')")  # fmt: skip
    before = page.evaluate(places)
    assert held, "the page asked for no Chinese font"
    for route in held:
        route.continue_()
    page.wait_for_function("() => [...document.fonts].filter(f => f.family === 'Noto Sans SC')"
                           ".every(f => f.status !== 'loading')")  # fmt: skip
    assert page.evaluate(places) == before
    assert "Course" in held[0].request.url  # the course's slice, not the 1 MB full face


def test_latin_text_barely_moves_when_noto_sans_replaces_the_system_font(page, live_server):
    """The system font stands in at Noto Sans's width (size-adjust): lines keep their breaks."""
    held = []
    page.route("**/static/fonts/NotoSans-*", lambda route: held.append(route))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/en/modules/principles/", wait_until="domcontentloaded")
    page.wait_for_function("() => document.querySelector('main details.section')")
    blocks = "[...document.querySelectorAll('main p, main h1, main h2, main li')]"
    measure = (
        f"() => [document.querySelector('main').scrollHeight, {blocks}.map(e => e.offsetHeight)]"
    )
    page.wait_for_function(f"() => {blocks}.length > 50")
    height, before = page.evaluate(measure)
    assert held, "the page asked for no Latin font"
    for route in held:
        route.continue_()
    page.wait_for_function("() => [...document.fonts].filter(f => f.family === 'Noto Sans')"
                           ".every(f => f.status !== 'loading')")  # fmt: skip
    new_height, after = page.evaluate(measure)
    rewrapped = sum(1 for old, new in zip(before, after, strict=True) if old != new)
    assert rewrapped <= len(before) // 10, (rewrapped, len(before))  # unscaled: a third
    assert abs(new_height - height) / height < 0.015  # unscaled: 4.6 % shorter


@pytest.mark.parametrize("javascript", [True, False])
def test_chinese_glyphs_are_fetched_after_the_first_paint(browser, live_server, javascript):
    """The page paints (with the placeholder holding the Chinese text's place) before it asks
    for the 340 KB Chinese faces, so its first paint never waits for them; without
    JavaScript the <noscript> stylesheet asks for them at once."""
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server}/zh/modules/principles/", wait_until="load")
    if javascript:
        faces = "performance.getEntriesByType('resource').filter(r => r.name.includes("
        faces += "'NotoSansSC-Course')).map(r => r.startTime)"
        page.wait_for_function(f"() => {faces}.length > 0")  # the glyphs were asked for
        timing = page.evaluate(
            f"""() => ({{faces: {faces},
                paint: performance.getEntriesByName('first-contentful-paint')[0].startTime}})"""
        )
        assert min(timing["faces"]) > timing["paint"], timing
    chinese = [url for url in requests if "NotoSansSC-Course" in url]
    assert chinese, requests  # with or without JavaScript, the glyphs arrive
    assert any("fonts-cjk.css" in url for url in requests)
    context.close()
