"""A module's AU launched as a cmi5 LMS does, its statements stored by a real LRS (Ralph).

The English cmi5 package is unpacked and served by a small LMS in the test
(Python's `http.server`, in a thread) that does what a cmi5 LMS does around a
launch: it answers the fetch URL with an auth token (HTTP Basic credentials of the
LRS, base64), serves the LMS.LaunchData state document, and passes the AU's
statements on to Ralph. Ralph 5.1 has no State API (only statements), so the
state document is the test LMS's own; everything goes through one origin, as an
LMS that proxies its LRS does. A learner reads every section, fails the self-test,
passes it and leaves; the test reads back from Ralph what the AU sent.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from app.cli.export import export
from course import load_course
from tests.browser.test_scorm import answer, answer_key
from tests.conftest import REAL_CONTENT, make_app
from tests.lrs import KEY, SECRET, XAPI_HEADERS, Ralph

pytestmark = pytest.mark.browser

COURSE = load_course(REAL_CONTENT)
MODULE = COURSE.source_modules()[0]
SITE = "http://course.example.org"
AU_ID = f"{SITE}/modules/{MODULE.slug}"
CMI5 = "https://w3id.org/xapi/cmi5/"
CATEGORY = CMI5 + "context/categories/cmi5"
MOVE_ON = CMI5 + "context/categories/moveon"
SESSION_ID = CMI5 + "context/extensions/sessionid"
MASTERY_SCORE = CMI5 + "context/extensions/masteryscore"
ACTOR = {"objectType": "Agent", "name": "Ada Learner",
         "account": {"homePage": "https://lms.example.org", "name": "learner-7"}}  # fmt: skip
TOKEN = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
DEADLINE_SECONDS = 30


class LaunchedSession:
    """What the test LMS gives one launch: its registration, session and launch data."""

    def __init__(self) -> None:
        self.registration = str(uuid.uuid4())
        self.session_id = str(uuid.uuid4())
        self.launch_data = {
            "contextTemplate": {
                "contextActivities": {"grouping": [{"id": f"{SITE}/"}]},
                "extensions": {SESSION_ID: self.session_id},
            },
            "launchMode": "Normal",
            "masteryScore": 0.7,
            "moveOn": "CompletedAndPassed",
        }
        self.state_requests: list[dict] = []


def lms_handler(folder: Path, ralph: Ralph, session: LaunchedSession):
    class Lms(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _json(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urlsplit(self.path).path
            if path == "/lms/fetch":
                return self._json(200, {"auth-token": TOKEN})
            if path == "/lms/xapi/statements":
                forwarded = requests.post(
                    f"{ralph.endpoint}/statements", data=body, timeout=10,
                    headers={**XAPI_HEADERS, "Content-Type": "application/json",
                             "Authorization": self.headers.get("Authorization", "")},
                )  # fmt: skip
                return self._json(forwarded.status_code, forwarded.json())
            return self._json(404, {})

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/lms/xapi/activities/state":
                query = {name: values[0] for name, values in parse_qs(parts.query).items()}
                session.state_requests.append(
                    {**query, "authorization": self.headers.get("Authorization")}
                )
                return self._json(200, session.launch_data)
            return super().do_GET()

    return partial(Lms, directory=str(folder))


@pytest.fixture
def lms(tmp_path) -> Iterator[tuple[str, Ralph, LaunchedSession]]:
    """The English package unpacked and served by the test LMS, in front of a running Ralph."""
    runner = make_app(tmp_path / "app", SERVER_NAME="course.example.org").test_cli_runner()
    package = tmp_path / "cmi5.zip"
    done = runner.invoke(export, ["cmi5", "--locale", "en", "--out", str(package), "--no-build"])
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tmp_path / "package")
    ralph = Ralph(tmp_path / "ralph")
    ralph.start()
    session = LaunchedSession()
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), lms_handler(tmp_path / "package", ralph, session)
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", ralph, session
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        ralph.stop()


def stored(ralph: Ralph, registration: str) -> list[dict]:
    """The statements Ralph holds for the registration, oldest first."""
    answer = requests.get(
        f"{ralph.endpoint}/statements", params={"registration": registration, "limit": 100},
        auth=(KEY, SECRET), headers=XAPI_HEADERS, timeout=10,
    )  # fmt: skip
    answer.raise_for_status()
    return sorted(answer.json()["statements"], key=lambda s: s["timestamp"])


def verbs(statements: list[dict]) -> list[str]:
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements]


def wait_for_verbs(ralph: Ralph, registration: str, wanted: list[str]) -> list[dict]:
    """Poll Ralph until the verbs stored are `wanted`, in order (or fail at the deadline)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    found: list[dict] = []
    while time.monotonic() < deadline:
        found = stored(ralph, registration)
        if verbs(found) == wanted:
            return found
        time.sleep(0.2)
    raise AssertionError(f"Ralph holds {verbs(found)}, not {wanted}")


def launch(page, host: str, session: LaunchedSession) -> None:
    """Open the AU as the LMS does: its address with the cmi5 launch parameters."""
    query = urlencode({
        "endpoint": f"{host}/lms/xapi/", "fetch": f"{host}/lms/fetch",
        "actor": json.dumps(ACTOR), "registration": session.registration, "activityId": AU_ID,
    })  # fmt: skip
    page.goto(f"{host}/en/modules/{MODULE.slug}/index.html?{query}")


def test_a_learner_reads_fails_passes_and_leaves_and_the_lrs_holds_the_cmi5_session(page, lms):
    host, ralph, session = lms
    launch(page, host, session)
    wait_for_verbs(ralph, session.registration, ["initialized"])
    assert session.state_requests == [{
        "activityId": AU_ID, "agent": json.dumps(ACTOR, separators=(",", ":")),
        "registration": session.registration, "stateId": "LMS.LaunchData",
        "authorization": f"Basic {TOKEN}",
    }]  # fmt: skip

    for section in MODULE.sections[1:]:  # the first is open already
        page.locator(f"details#{section.id} > summary").click()
    wait_for_verbs(ralph, session.registration, ["initialized", "completed"])

    key = answer_key(page)
    answer(page, key, right=False)
    page.get_by_role("button", name="Check my answers").click()
    page.get_by_text("Not passed yet").wait_for()
    wait_for_verbs(ralph, session.registration, ["initialized", "completed", "failed"])
    page.get_by_role("button", name="Take a new self-test").click()
    answer(page, key, right=True)
    page.get_by_role("button", name="Check my answers").click()
    page.get_by_text("Well done, you passed this self-test.").wait_for()
    wait_for_verbs(ralph, session.registration, ["initialized", "completed", "failed", "passed"])
    page.goto("about:blank")  # the learner leaves: pagehide

    statements = wait_for_verbs(
        ralph, session.registration, ["initialized", "completed", "failed", "passed", "terminated"]
    )
    print("\nRalph stored:", json.dumps(statements, ensure_ascii=False, indent=1))
    for statement in statements:
        uuid.UUID(statement["id"])  # made in the AU
        assert statement["actor"]["account"] == ACTOR["account"]
        assert statement["object"]["id"] == AU_ID
        context = statement["context"]
        assert context["registration"] == session.registration
        assert context["extensions"][SESSION_ID] == session.session_id
        assert context["contextActivities"]["grouping"] == [{"id": f"{SITE}/"}]  # the template
        categories = [c["id"] for c in context["contextActivities"]["category"]]
        moves_on = statement["verb"]["id"].rsplit("/", 1)[-1] in ("completed", "passed", "failed")
        assert categories == [CATEGORY, MOVE_ON] if moves_on else [CATEGORY]
    _, completed, failed, passed, terminated = statements
    assert completed["result"]["completion"] is True
    assert failed["result"]["success"] is False and failed["result"]["score"]["scaled"] < 0.7
    assert passed["result"]["success"] is True and passed["result"]["score"]["scaled"] == 1
    for graded in (failed, passed):  # judged against the LMS's mastery score
        assert graded["context"]["extensions"][MASTERY_SCORE] == 0.7
    for statement in (completed, failed, passed, terminated):
        assert statement["result"]["duration"].startswith("PT")
    assert max(s["stored"] for s in statements) == terminated["stored"]  # nothing after it
    time.sleep(1)  # nothing else arrives once the learner is gone
    assert verbs(stored(ralph, session.registration))[-1] == "terminated"


def test_a_launch_in_browse_mode_records_only_its_start_and_end(page, lms):
    """An LMS that lets a learner look without counting it: no completed, passed or failed."""
    host, ralph, session = lms
    session.launch_data["launchMode"] = "Browse"
    launch(page, host, session)
    wait_for_verbs(ralph, session.registration, ["initialized"])
    for section in MODULE.sections[1:]:
        page.locator(f"details#{section.id} > summary").click()
    answer(page, answer_key(page), right=True)
    page.get_by_role("button", name="Check my answers").click()
    page.get_by_text("Well done, you passed this self-test.").wait_for()
    page.goto("about:blank")
    statements = wait_for_verbs(ralph, session.registration, ["initialized", "terminated"])
    assert statements[-1]["context"]["extensions"][SESSION_ID] == session.session_id
