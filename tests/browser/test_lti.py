"""LTI 1.3 in Chromium: a test LMS (tests/lti_platform.py) opens the running server.

The teacher picks a module (deep linking) and the LMS receives it; a learner opens it
in the LMS's language. The protocol's refusals and grades are in tests/app/test_lti.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.test_accessibility import COURSE, axe_violations
from tests.lti_platform import STUDENT, TEACHER, Launch, TestPlatform


@pytest.fixture(scope="module")
def lms(live_server, live_database, tmp_path_factory):
    platform = TestPlatform(live_server).start()
    command = [str(Path(sys.executable).with_name("omnicourse")), "lti",
               *platform.add_platform_args()]  # fmt: skip
    env = {**os.environ, "OMNICOURSE_DATABASE_URL": live_database,
           "OMNICOURSE_INSTANCE_PATH": str(tmp_path_factory.mktemp("lti-cli"))}  # fmt: skip
    subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    yield platform
    platform.stop()


def open_from_the_lms(page, lms: TestPlatform, launch: Launch) -> None:
    """The LMS's login initiation, its authorisation, then its form posting the id_token."""
    page.goto(lms.login_url(launch))
    page.locator("form").wait_for(state="attached")
    with page.expect_navigation():
        page.evaluate("document.forms[0].submit()")


def test_the_teacher_picks_a_module_and_the_lms_receives_it(page, live_server, lms):
    module = COURSE.resolve("pl", COURSE.source_modules()[1].slug).module
    open_from_the_lms(page, lms, Launch(sub="teacher-1", roles=[TEACHER], locale="pl-PL",
                                        deep_linking=True))  # fmt: skip
    assert page.locator("html").get_attribute("lang") == "pl"
    assert page.get_by_role("heading", level=1).inner_text() == "Wybierz moduł do swojego kursu"
    assert axe_violations(page) == []
    page.get_by_label(module.title).check()
    # The answer page sends itself at once; held back here to check it too.
    page.route(re.compile(r"/js/lti-return\.js"), lambda route: route.abort())
    page.get_by_role("button", name="Dodaj ten moduł").click()
    assert module.title in page.locator("main").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Wyślij do platformy e-learningowej").click()
    page.get_by_text("Activity added").wait_for()
    [item] = lms.deep_link_items[-1]
    assert item["type"] == "ltiResourceLink" and item["custom"]["module"] == module.slug
    assert item["lineItem"]["scoreMaximum"] == 100


def test_the_answer_goes_back_to_the_lms_by_itself(page, lms):
    slug = COURSE.source_modules()[0].slug
    open_from_the_lms(page, lms, Launch(sub="teacher-2", roles=[TEACHER], deep_linking=True))
    page.locator(f"input[value='{slug}']").check()
    before = len(lms.deep_link_items)
    page.get_by_role("button", name="Add this module").click()
    page.get_by_text("Activity added").wait_for()
    assert len(lms.deep_link_items) == before + 1
    assert lms.deep_link_items[-1][0]["custom"]["module"] == slug


def test_a_learner_opens_the_module_in_the_lms_language(page, live_server, lms):
    slug = COURSE.source_modules()[0].slug
    open_from_the_lms(page, lms, Launch(sub="student-7", roles=[STUDENT], locale="zh-CN",
                                        custom={"module": slug}))  # fmt: skip
    assert page.url == f"{live_server}/zh/modules/{slug}/"
    title = COURSE.resolve("zh", slug).module.title
    assert title in page.get_by_role("heading", level=1).inner_text()
    assert page.context.cookies(live_server)  # the learner is known to this browser
