"""The learner experience on a phone and a desktop: every page type fits its screen, the
lesson starts in the first phone screen, the audio plays in the page, menus stay compact,
and the language follows the learner to accounts and staff pages."""

from __future__ import annotations

import pytest

from tests.browser.test_accessibility import COURSE, FIRST, axe_violations
from tests.conftest import make_app
from tests.learners import PASSWORD, add_user

WIDTHS = {320: 640, 390: 844, 768: 1024, 1280: 800}
PAGES = [
    "/{locale}/",
    "/{locale}/modules/{slug}/",
    "/{locale}/modules/{slug}/quiz",
    "/{locale}/modules/{slug}/feedback",
    "/{locale}/progress",
    "/{locale}/glossary/",
    "/{locale}/modules/no-such-module/",
    "/auth/login?lang={locale}",
    "/auth/register?lang={locale}",
    "/verify?lang={locale}",
]
STAFF_PAGES = ["/auth/account?lang={locale}", "/translate/?lang={locale}", "/admin/feedback?lang={locale}",
               "/admin/analytics?lang={locale}"]  # fmt: skip
STAFF = "layout-admin@example.org"


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture
def sized(browser):
    contexts = []

    def open_page(width: int, **options):
        context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]}, **options)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("locale", COURSE.locales)
def test_every_page_type_fits_the_screen(sized, live_server, locale, width):
    page = sized(width)
    wide = []
    for template in PAGES:
        page.goto(live_server + template.format(locale=locale, slug=FIRST))
        if _overflow(page) > 0:
            wide.append(f"{template}: {_overflow(page)} px too wide")
    assert wide == []


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_pages_fit_the_screen(sized, live_server, live_database, tmp_path, width):
    add_user(make_app(tmp_path, DATABASE_URL=live_database), f"{width}-{STAFF}", "admin")
    page = sized(width)
    page.goto(f"{live_server}/auth/login?lang=pl")
    page.fill("#email", f"{width}-{STAFF}")
    page.fill("#password", PASSWORD)
    page.locator("form.form [type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
    wide = []
    for template in STAFF_PAGES:
        page.goto(live_server + template.format(locale="pl"))
        assert page.locator("html").get_attribute("lang") == "pl"
        if _overflow(page) > 0:
            wide.append(f"{template}: {_overflow(page)} px too wide")
    assert wide == []
    # An admin's header in Polish, the longest labels, stays on one line at 1280 px.
    page.goto(f"{live_server}/pl/")
    header = page.locator(".site-header").bounding_box()
    brand = page.locator(".brand").bounding_box()
    assert header["height"] < brand["height"] * 2.5


@pytest.mark.parametrize("locale", COURSE.locales)
def test_the_lesson_starts_in_the_first_phone_screen(sized, live_server, locale):
    page = sized(390)
    page.goto(f"{live_server}/{locale}/modules/{FIRST}/")
    first = page.locator("details.section").first
    assert first.get_attribute("open") is not None
    title = page.locator("h1").bounding_box()
    text = first.locator(".section__body p").first.bounding_box()
    assert title["y"] + title["height"] <= 844
    assert text["y"] + 20 <= 844, "no lesson text in the first screen"
    # Touch screens are not told to "click".
    assert "Click" not in first.locator("summary").inner_text()


def test_the_audio_bar_plays_in_the_page_and_stays_reachable(sized, live_server):
    page = sized(390)
    page.goto(f"{live_server}/en/modules/{FIRST}/")
    address = page.url
    page.evaluate(
        "window.listened = []; document.addEventListener('omnicourse:audio-listened',"
        " e => window.listened.push(e.detail))"
    )
    bar = page.locator("#audio")
    play = bar.get_by_role("button", name="Play", exact=True)
    play.click()
    page.wait_for_function("() => document.querySelector('#audio audio').currentTime > 0.3")
    assert page.url == address  # played here, not in the browser's bare media viewer
    assert bar.get_by_role("button", name="Pause", exact=True).is_visible()
    bar.get_by_role("button", name="Forward 15 seconds").click()
    assert page.evaluate("document.querySelector('#audio audio').currentTime") >= 15
    page.mouse.wheel(0, 3000)
    page.wait_for_function("() => window.scrollY > 2000")
    box = bar.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 844, "the bar scrolled away"
    bar.get_by_role("button", name="Pause", exact=True).click()
    assert page.evaluate("document.querySelector('#audio audio').paused")


def test_login_from_a_chinese_page_is_in_chinese(sized, live_server):
    page = sized(1280)
    page.goto(f"{live_server}/zh/")
    page.locator(".site-nav--wide").get_by_role("link", name="登录").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh"
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#email", "nobody@example.org")
    page.fill("#password", "not the password at all")
    page.locator("form.form [type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh"  # the answer too
    assert page.locator("[role=alert]").count() >= 1


def test_on_a_phone_the_links_are_in_a_menu(sized, live_server):
    page = sized(390)
    page.goto(f"{live_server}/pl/")
    assert not page.locator(".site-nav--wide").is_visible()
    menu = page.locator(".menu--nav")
    menu.locator("summary").click()
    link = menu.get_by_role("link", name="Zaloguj się")
    assert link.is_visible()
    page.keyboard.press("Escape")
    assert not link.is_visible()
    languages = page.locator(".menu--languages")
    languages.locator("summary").click()
    languages.get_by_role("link", name="中文").click()
    page.wait_for_url(lambda url: "/zh/" in url)
    assert page.locator("html").get_attribute("lang") == "zh"


def test_home_shows_progress_and_where_to_continue(sized, live_server):
    page = sized(390)
    page.goto(f"{live_server}/en/")
    assert page.locator("[data-continue]").is_hidden()  # nothing started yet
    module = COURSE.resolve("en", FIRST).module
    first, second = module.sections[0].id, module.sections[1].id
    page.goto(f"{live_server}/en/modules/{FIRST}/#{first}")
    page.locator(f"#{first} [data-mark-read]").click()
    page.wait_for_selector(f"#{first}.section--read")
    page.goto(f"{live_server}/en/")
    box = page.locator("[data-continue]")
    box.wait_for()
    assert module.title in box.inner_text()
    assert box.get_by_role("link").get_attribute("href").endswith(f"#{second}")
    card = page.locator(f".module-card[data-module='{FIRST}']")
    assert card.locator(".ring").count() == 1
    assert "1 of" in card.locator(".module-card__progress").inner_text()
    page.locator("[data-course-progress]").wait_for()
    # Back on the module, the next section to read is the open one.
    box.get_by_role("link").click()
    page.wait_for_selector(f"#{second}[open]")


def test_next_and_previous_module_at_the_end(sized, live_server):
    page = sized(390)
    slugs = [m.slug for m in COURSE.source_modules()]
    page.goto(f"{live_server}/pl/modules/{slugs[1]}/")
    pager = page.locator("nav.pager")
    assert pager.locator("a[rel=prev]").get_attribute("href").endswith(f"/pl/modules/{slugs[0]}/")
    pager.locator("a[rel=next]").click()
    page.wait_for_url(lambda url: url.endswith(f"/pl/modules/{slugs[2]}/"))


@pytest.mark.parametrize("path", ["/en/", f"/en/modules/{FIRST}/", f"/zh/modules/{FIRST}/quiz"])
def test_the_dark_theme_keeps_contrast(sized, live_server, path):
    page = sized(390, color_scheme="dark")
    page.goto(live_server + path)
    for details in page.locator("details:not([data-menu])").all():
        details.evaluate("element => element.open = true")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(243, 245, 250)"  # the dark tokens apply
    assert axe_violations(page) == []


def test_favicon_manifest_and_sharing_tags(sized, live_server):
    page = sized(1280)
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{live_server}/yo/modules/{FIRST}/")
    assert page.request.get(f"{live_server}/favicon.ico").status == 200
    manifest = page.request.get(live_server + page.locator("link[rel=manifest]").get_attribute("href"))
    assert manifest.json()["lang"] == "yo"
    module = COURSE.resolve("yo", FIRST).module
    assert page.locator("meta[property='og:title']").get_attribute("content") == module.title
    assert page.locator("meta[name=description]").get_attribute("content") == module.description
    assert errors == []
