"""Certificates in Chromium against `omnicourse serve`: earn, download, verify; axe on each page."""

from __future__ import annotations

import re
import uuid

import pypdf

from tests.browser.conftest import sign_up
from tests.browser.test_accessibility import COURSE, FIRST, axe_violations
from tests.quizzes import answer_in_browser

PASSWORD = "correct horse battery"
VERIFY_URL = re.compile(r"https?://[^\s]+/verify/([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})")


def sign_up_with_name(page, live_server: str, mailbox, name: str) -> None:
    sign_up(page, live_server, mailbox, f"{uuid.uuid4().hex[:10]}@example.com", PASSWORD)
    page.goto(f"{live_server}/auth/name")
    assert axe_violations(page) == []
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server}/auth/account")


def complete_first_module(page, live_server: str) -> None:
    """Every section read through the API, then the self-test passed through its form."""
    module = COURSE.resolve("en", FIRST).module
    token = page.request.get(f"{live_server}/api/token").json()["csrf_token"]
    events = [{"event": "section-read", "module": FIRST, "section": s} for s in module.section_ids]
    recorded = page.request.post(
        f"{live_server}/api/progress", data={"events": events}, headers={"X-CSRFToken": token}
    )
    assert recorded.ok, recorded.text()
    page.goto(f"{live_server}/en/modules/{FIRST}/quiz")
    answer_in_browser(page, module.quiz)
    page.locator("form.quiz button[type=submit]").click()
    page.wait_for_selector(".result--passed")


def test_earn_download_and_verify_a_certificate(page, live_server, mailbox, tmp_path):
    refused = page.goto(f"{live_server}/en/modules/{FIRST}/certificate.pdf")
    assert "/auth/login" in page.url and refused.ok  # a guest is asked to log in
    sign_up_with_name(page, live_server, mailbox, "Ada <b>Lovelace</b>")

    response = page.goto(f"{live_server}/en/certificate.pdf")
    assert response.status == 404
    assert page.get_by_role("heading", name="No certificate yet").is_visible()
    assert axe_violations(page) == []

    complete_first_module(page, live_server)
    page.goto(f"{live_server}/en/progress")
    assert axe_violations(page) == []
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "omnichannel-strategy-certificate-principles-en.pdf"
    path = tmp_path / "certificate.pdf"
    download.save_as(path)
    text = pypdf.PdfReader(path).pages[0].extract_text()
    assert "Ada <b>Lovelace</b>" in text and "Principles of omnichannel" in text
    code = VERIFY_URL.search(text.replace("\n", " ")).group(1)

    visitor = page.context.browser.new_context().new_page()  # someone else, not logged in
    visitor.goto(f"{live_server}/verify")
    visitor.get_by_label("Verification code").fill(code.lower())
    visitor.get_by_role("button", name="Check").click()
    visitor.wait_for_url(f"{live_server}/verify/{code}")
    assert visitor.get_by_role("heading", name="Valid certificate").is_visible()
    assert "Ada <b>Lovelace</b>" in visitor.locator(".certificate-check__holder").inner_text()
    assert axe_violations(visitor) == []

    forged_code = code[:-1] + ("0" if code[-1] != "0" else "1")
    forged = visitor.goto(f"{live_server}/verify/{forged_code}")
    assert forged.status == 404
    assert visitor.get_by_role("heading", name="Certificate not valid").is_visible()
    assert axe_violations(visitor) == []
    visitor.context.close()
