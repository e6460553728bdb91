"""A module's SCO in an LMS: scorm-again (tests/vendor/scorm-again) plays the LMS in Chromium.

The English package of each SCORM version is unpacked beside a test LMS page
(tests/browser/scorm_lms.html) and served by Python's `http.server`. A learner
opens the first module, reads a section, fails the self-test, passes it, starts
again, and leaves; the test reads what the LMS received, then launches the SCO
again with what the LMS kept and finds the learner's place and answers back.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.cli.export import export
from course import load_course
from tests.bench.server import free_port
from tests.browser.test_accessibility import axe_violations
from tests.conftest import REAL_CONTENT, make_app

pytestmark = pytest.mark.browser

COURSE = load_course(REAL_CONTENT)
MODULE = COURSE.source_modules()[0]
VENDOR = Path(__file__).parents[1] / "vendor" / "scorm-again"
LMS_PAGE = Path(__file__).with_name("scorm_lms.html")
LMS_FILES = {"/lms.html", "/scorm12.min.js", "/scorm2004.min.js"}
SESSION_TIME = {
    "scorm12": re.compile(r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$"),
    "scorm2004": re.compile(r"^PT(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?$"),
}
WRONG = {"scorm12": "wrong", "scorm2004": "incorrect"}


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """Both versions' English packages, unpacked under /scorm12/ and /scorm2004/, and the LMS."""
    root = tmp_path_factory.mktemp("lms")
    runner = make_app(root / "app").test_cli_runner()
    for version in ("scorm12", "scorm2004"):
        package = root / f"{version}.zip"
        done = runner.invoke(export, [version, "--locale", "en", "--out", str(package),
                                      "--no-build"])  # fmt: skip
        assert done.exit_code == 0, done.output
        with zipfile.ZipFile(package) as archive:
            archive.extractall(root / "site" / version)
            (root / f"{version}.files").write_text("\n".join(archive.namelist()))
        for name in ("scorm12.min.js", "scorm2004.min.js"):
            shutil.copyfile(VENDOR / name, root / "site" / version / name)
        shutil.copyfile(LMS_PAGE, root / "site" / version / "lms.html")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(root / "site")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert "Serving HTTP" in process.stdout.readline()  # written once it listens
        yield f"http://127.0.0.1:{port}", root
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


def sco(page):
    return page.frame_locator("#sco")


def launch(page, version: str, earlier: dict | None = None):
    page.evaluate(
        "([version, href, earlier]) => launch(version, href, earlier)",
        [version, f"en/modules/{MODULE.slug}/index.html", earlier],
    )
    # The SCO's script runs after its page is parsed: wait until it has opened the
    # attempt (it sets its first values in the same task), not just for the page.
    page.wait_for_function("() => (window.API_1484_11 || window.API).isInitialized()")
    frame = sco(page)
    frame.locator("form[data-static-quiz] button[type=submit]").wait_for()
    return frame


def received(page) -> dict:
    return page.evaluate("received()")


def answer_key(frame) -> dict:
    return json.loads(frame.locator("#quiz-key").text_content())


def answer(frame, key: dict, right: bool) -> None:
    """Answer every drawn question, all right or all wrong, as a learner does with the form."""
    for question in key["questions"]:
        order, keys, qid = question["order"], question["keys"], question["id"]
        if question["kind"] == "ordering":
            for place, option in enumerate(order, 1):
                position = keys.index(option) + 1 if right else place  # shown order: unsolved
                frame.locator(f'select[name="{qid}.{place}"]').select_option(str(position))
        elif question["kind"] == "matching":
            for number, left in enumerate(keys, 1):
                wanted = left if right else keys[number % len(keys)]
                place = order.index(wanted) + 1
                frame.locator(f'select[name="{qid}.{number}"]').select_option(str(place))
        else:
            wrong = [k for k in order if k not in question["correct"]][:1]
            for chosen in question["correct"] if right else wrong:
                frame.locator(f'input[name="{qid}"][value="{order.index(chosen) + 1}"]').check()


@pytest.mark.parametrize("version", ["scorm12", "scorm2004"])
def test_a_learner_fails_passes_leaves_and_comes_back_and_the_lms_hears_it_all(
    page, served, version
):
    host, root = served
    package = set((root / f"{version}.files").read_text().split("\n"))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{host}/{version}/lms.html")
    frame = launch(page, version)
    assert received(page)["status"] == "incomplete"

    section = MODULE.sections[1]
    frame.locator(f"details#{section.id} > summary").click()
    assert received(page)["location"] == section.id
    key = answer_key(frame)
    questions = len(key["questions"])

    answer(frame, key, right=False)
    frame.get_by_role("button", name="Check my answers").click()
    frame.get_by_text("Not passed yet").wait_for()
    failed = received(page)
    if version == "scorm12":
        assert failed["status"] == "failed"
    else:
        assert (failed["status"], failed["success"]) == ("completed", "failed")
    assert float(failed["score"]["raw"]) < 70 and failed["score"]["max"] == "100"
    assert [i["result"] for i in failed["interactions"]] == [WRONG[version]] * questions
    assert [i["id"] for i in failed["interactions"]] == [q["id"] for q in key["questions"]]

    frame.get_by_role("button", name="Take a new self-test").click()
    answer(frame, key, right=True)
    frame.get_by_role("button", name="Check my answers").click()
    frame.get_by_text("Well done, you passed this self-test.").wait_for()
    frame.get_by_role("button", name="Take a new self-test").click()
    first = next(q for q in key["questions"] if q["kind"] in ("single", "multiple"))
    answer(frame, {"questions": [first]}, right=True)  # then the learner leaves, mid-attempt
    page.evaluate("finish()")
    page.wait_for_function("received().terminated")

    data = received(page)
    print(f"\n{version} LMS received:", json.dumps(data, ensure_ascii=False, indent=1))
    if version == "scorm12":
        assert data["status"] == "passed"
    else:
        assert (data["status"], data["success"]) == ("completed", "passed")
        assert data["score"]["scaled"] == "1"
    assert (data["score"]["raw"], data["score"]["min"], data["score"]["max"]) == ("100", "0", "100")
    assert SESSION_TIME[version].match(data["session_time"]), data["session_time"]
    assert data["exit"] == "suspend" and data["location"] == "self-test"
    interactions = data["interactions"]
    assert len(interactions) == 2 * questions  # one per question in each graded attempt
    assert [i["result"] for i in interactions[questions:]] == ["correct"] * questions
    kinds = {q["id"]: q["kind"] for q in key["questions"]}
    expected_type = {"single": "choice", "multiple": "choice", "true-false": "choice",
                     "ordering": "sequencing", "matching": "matching"}  # fmt: skip
    for interaction in interactions:
        assert interaction["type"] == expected_type[kinds[interaction["id"]]]
        assert interaction["response"]
        if version == "scorm2004":
            assert interaction["description"]  # the question's own words

    # Every request came from the LMS page or the package: nothing from anywhere else.
    for url in requests:
        parts = urlsplit(url)
        assert url.startswith(f"{host}/{version}/"), url
        path = parts.path.removeprefix(f"/{version}")
        assert path in LMS_FILES or path.lstrip("/") in package, url

    # A new launch with what the LMS kept: the place, and the answer given before leaving.
    page.goto(f"{host}/{version}/lms.html")
    earlier = {
        "status": data["status"], "success": data["success"], "location": data["location"],
        "suspend_data": data["suspend_data"],
    }  # fmt: skip
    frame = launch(page, version, earlier)
    for chosen in first["correct"]:
        place = first["order"].index(chosen) + 1
        assert frame.locator(f'input[name="{first["id"]}"][value="{place}"]').is_checked()
    assert frame.locator("form[data-static-quiz] button[type=submit]").is_visible()  # not graded
    assert frame.locator("#self-test").evaluate(
        "element => element.getBoundingClientRect().top < window.innerHeight"
    )  # scrolled to the place the learner left
    assert received(page)["status"] == data["status"]  # a resumed attempt keeps its status


def test_a_sco_without_an_lms_is_accessible_and_grades_its_self_test(page, served):
    """Opened on its own (a preview, a file manager), the page is still the whole module."""
    host, _ = served
    page.goto(f"{host}/scorm2004/en/modules/{MODULE.slug}/index.html")
    for details in page.locator("details").all():
        details.evaluate("element => element.open = true")  # check the hidden text too
    assert axe_violations(page) == []
    answer(page, answer_key(page), right=True)
    page.get_by_role("button", name="Check my answers").click()
    page.get_by_text("Well done, you passed this self-test.").wait_for()
    assert page.locator(".feedback").count() == len(answer_key(page)["questions"])  # explained
