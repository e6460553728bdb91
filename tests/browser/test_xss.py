"""An XSS corpus pushed through module Markdown never runs in the browser."""

from __future__ import annotations

import pytest

from tests.bench.server import running_server
from tests.conftest import ContentFactory

XSS_CORPUS = [
    "<script>alert('script')</script>",
    '<img src="x" onerror="alert(\'onerror\')">',
    "[link](javascript:alert('link'))",
    "<a href=\"javascript:alert('href')\">click</a>",
    '<svg onload="alert(\'svg\')"><circle r="5"/></svg>',
    '<svg><script>alert("svg-script")</script></svg>',
    "<iframe src=\"javascript:alert('iframe')\"></iframe>",
    "<details open ontoggle=\"alert('toggle')\">x</details>",
    "<body onload=\"alert('body')\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')>",
    '"><script>alert("attr")</script>',
]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    factory = ContentFactory(tmp_path_factory.mktemp("xss") / "content")
    payload = "\n\n".join(XSS_CORPUS)
    path = factory.module(slug="hostile", title="Hostile <script>alert('title')</script>")
    text = path.read_text(encoding="utf-8")
    text = text.replace("Omnichannel joins up", f"{payload}\n\nOmnichannel joins up")
    text = text.replace("- [ ] Only online sales.", f"- [ ] {XSS_CORPUS[1]}")
    text = text.replace(
        "> Omnichannel joins channels", f"> {XSS_CORPUS[0]} Omnichannel joins channels"
    )
    path.write_text(text, encoding="utf-8")
    env = {"OMNICOURSE_CONTENT_DIR": str(factory.root), "OMNICOURSE_BUILD_ON_START": "false"}
    with running_server(workers=1, env=env) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("path", ["/en/", "/en/modules/hostile/", "/en/modules/hostile/quiz"])
def test_no_payload_ever_fires(page, hostile_server, path):
    page.goto(hostile_server + path)
    for details in page.locator("details").all():
        details.evaluate("element => element.open = true")
    for link in page.locator("main a").all():
        href = link.get_attribute("href") or ""
        assert not href.lower().startswith("javascript:")
    if path.endswith("quiz"):
        for fieldset in page.locator("form.quiz fieldset").all():
            fieldset.locator("input").first.check()
        page.get_by_role("button").last.click()
        page.wait_for_selector(".result")
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert "Hostile <script>" in page.inner_text("body")  # shown as text, not run


@pytest.mark.parametrize("payload", XSS_CORPUS[:6])
def test_a_hostile_display_name_is_shown_as_text(page, live_server, mailbox, payload):
    from tests.browser.conftest import sign_up
    from tests.learners import PASSWORD

    email = f"name-{abs(hash(payload))}@example.org"
    sign_up(page, live_server, mailbox, email, PASSWORD)
    page.goto(f"{live_server}/auth/name")
    page.locator("form input[type=text]").first.fill(payload)
    page.locator("form [type=submit]").last.click()
    page.wait_for_url(lambda url: "/auth/name" not in url)  # the name is saved
    page.goto(f"{live_server}/auth/account")
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert payload[:20] in page.locator("main").inner_text()  # shown, as text
