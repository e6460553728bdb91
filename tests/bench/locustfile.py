"""Simulated learners for the load test, run by tests/bench/load.py with `locust --headless`.

Each user is a guest browser with its own cookies. It reads the course home and
module pages, reports sections opened and read and audio listened to
/api/progress the way static/js/progress.js does (token from /api/token in the
X-CSRFToken header), takes self-tests (the quiz page's form and its CSRF token)
and sends feedback. Every write the server acknowledged is written to the
report file with the learner's key, so the harness can check afterwards that
each one is stored. Against a server you started yourself, with locust's web UI:

    locust -f tests/bench/locustfile.py --host http://127.0.0.1:8000
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task

from app.config import PROJECT_ROOT
from course import load_course
from tests.bench.nginx import HOST as SITE_NAME
from tests.quizzes import answer_form, shown_questions

COURSE = load_course(PROJECT_ROOT / "content")
SOURCE_MODULES = {module.slug: module for module in COURSE.source_modules()}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
LEARNER_COOKIE = "omnicourse_learner"

# What the whole run saw, dumped to --report-file when locust quits.
REQUESTS: list[list] = []  # [name, started (epoch s), milliseconds, status, error, port]
ACKNOWLEDGED: dict[str, list[list]] = {"progress": [], "attempts": [], "feedback": []}


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--report-file", default="", help="JSON file for requests and writes")
    parser.add_argument(
        "--learner-hosts", default="", help="comma-separated servers to spread requests over"
    )
    parser.add_argument("--skip-feedback", action="store_true", help="never send feedback")
    parser.add_argument(
        "--stop-file", default="", help="end the run as --run-time does once this file exists"
    )


@events.request.add_listener
def _record(name, response_time, response, exception, start_time=None, url="", **_) -> None:
    status = getattr(response, "status_code", 0) or 0
    error = None if exception is None else f"{type(exception).__name__}: {exception}"[:300]
    port = urlsplit(url or "").port
    REQUESTS.append([name, start_time or time.time(), response_time, status, error, port])


@events.test_start.add_listener
def _started(environment, **_) -> None:
    report = environment.parsed_options.report_file
    if report:  # tells the harness when the users start, to time a fault
        Path(report + ".started").write_text(str(time.time()))
    stop_file = environment.parsed_options.stop_file
    if stop_file:
        gevent.spawn(_stop_when_asked, environment, Path(stop_file))


def _stop_when_asked(environment, stop_file: Path) -> None:
    """The harness's end of the run: what --run-time does (the users stop between
    requests, each request in flight is answered and recorded), at a moment it chooses."""
    while not stop_file.exists():
        gevent.sleep(0.2)
    environment.runner.quit()


@events.quitting.add_listener
def _dump(environment, **_) -> None:
    report = environment.parsed_options.report_file
    if report:
        Path(report).write_text(json.dumps({"requests": REQUESTS, "acknowledged": ACKNOWLEDGED}))


class Learner(HttpUser):
    """A guest learner: reads, reports progress, takes self-tests, sends feedback."""

    wait_time = between(0.5, 2)  # think time between two actions

    def on_start(self) -> None:
        options = self.environment.parsed_options
        hosts = [h for h in (options.learner_hosts or "").split(",") if h] or [self.host]
        # No sticky sessions: every request may go to another server, so the
        # servers must share all state through the database.
        self.hosts = itertools.cycle(random.sample(hosts, len(hosts)))
        # A new connection for every request: reusing a kept-alive one races the
        # server closing it after 2 idle seconds, a failure browsers hide by
        # resending and that would blur which requests a killed worker dropped.
        self.client.headers["Connection"] = "close"
        # Through deploy/nginx.conf: its self-signed certificate, and the site's name,
        # which a browser also sends as the Referer of its forms (checked over HTTPS).
        if os.environ.get("OMNICOURSE_LOAD_CA"):
            self.client.verify = os.environ["OMNICOURSE_LOAD_CA"]
            self.client.headers["Host"] = SITE_NAME
            self.client.headers["Referer"] = f"https://{SITE_NAME}/"
        self.locale = random.choice(COURSE.locales)
        self.token: str | None = None
        self.home()

    # --- helpers ------------------------------------------------------------

    def url(self, path: str) -> str:
        return next(self.hosts) + path

    def get(self, path: str, name: str):
        return self.client.get(self.url(path), name=name)

    def learner_key(self) -> str | None:
        return next((c.value for c in self.client.cookies if c.name == LEARNER_COOKIE), None)

    def form_token(self, response) -> str | None:
        match = CSRF_FIELD.search(response.text) if response.ok else None
        return match.group(1) if match else None

    def post_event(self, kind: str, slug: str, section: str | None) -> None:
        if self.token is None:
            answer = self.get("/api/token", "GET /api/token")
            if not answer.ok:
                return
            self.token = answer.json()["csrf_token"]
        event = {"event": kind, "module": slug, "section": section}
        with self.client.post(
            self.url("/api/progress"),
            json=event,
            headers={"X-CSRFToken": self.token, "Accept": "application/json"},
            name="POST /api/progress",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and response.json().get("recorded") == 1:
                ACKNOWLEDGED["progress"].append([self.learner_key(), kind, slug, section])
            elif response.status_code:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")

    # --- what learners do ---------------------------------------------------

    @task(1)
    def home(self) -> None:
        self.get(f"/{self.locale}/", "GET /<locale>/ (home)")

    @task(4)
    def read_module(self) -> None:
        slug = random.choice(list(SOURCE_MODULES))
        self.get(f"/{self.locale}/modules/{slug}/", "GET module page")
        # The page's script asks for the learner's progress, then reports reading.
        self.get("/api/progress", "GET /api/progress")
        sections = SOURCE_MODULES[slug].section_ids
        for section in random.sample(sections, k=random.randint(1, 3)):
            self.post_event("section-opened", slug, section)
            self.wait()  # reading it (a stopping user stops here, between requests)
            self.post_event("section-read", slug, section)
        if random.random() < 0.3:
            self.post_event("audio-listened", slug, random.choice([None, *sections]))

    @task(2)
    def take_self_test(self) -> None:
        slug = random.choice(list(SOURCE_MODULES))
        module = COURSE.resolve(self.locale, slug).module
        page = self.get(f"/{self.locale}/modules/{slug}/quiz", "GET self-test")
        if self.form_token(page) is None or module.quiz is None:
            return
        # Mostly right, sometimes wrong: like learners. A wrong answer earns nothing.
        rights = [random.random() < 0.7 for _ in shown_questions(page.text, module.quiz)]
        with self.client.post(
            self.url(f"/{self.locale}/modules/{slug}/quiz"),
            data=answer_form(page.text, module.quiz, rights),
            name="POST self-test",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and 'class="result' in response.text:
                score = sum(rights)
                ACKNOWLEDGED["attempts"].append([self.learner_key(), slug, module.locale, score])
            elif response.status_code:
                response.failure(f"HTTP {response.status_code}: no graded result")

    @task(2)  # more than real learners send, so even a short run sends some
    def send_feedback(self) -> None:
        if self.environment.parsed_options.skip_feedback:
            return
        slug = random.choice(list(SOURCE_MODULES))
        path = f"/{self.locale}/modules/{slug}/feedback"
        token = self.form_token(self.get(path, "GET feedback form"))
        if token is None:
            return
        marker = f"load-test {uuid.uuid4().hex}"  # finds this very feedback in the database
        rating = random.randint(1, 5)
        form = {
            "csrf_token": token,
            "rating": str(rating),
            "clarity": str(random.randint(1, 5)),
            "improve": random.choice(["", "More examples, please.", "Shorter sections."]),
            "comment": marker,
            "email": "",
            "website": "",
        }
        with self.client.post(
            self.url(path),
            data=form,
            allow_redirects=False,
            name="POST feedback",
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            sent = response.status_code in (302, 303) and location.endswith(f"{path}/thanks")
            if sent:
                ACKNOWLEDGED["feedback"].append([marker, slug, self.locale, rating])
            elif response.status_code:
                response.failure(f"HTTP {response.status_code}: not sent")
        if sent:
            self.get(f"{path}/thanks", "GET feedback thanks")

    @task(1)
    def switch_language(self) -> None:
        self.locale = random.choice(COURSE.locales)
        self.home()
