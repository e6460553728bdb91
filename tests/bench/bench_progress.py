"""Benchmark: progress events per second from 50 concurrent clients on `omnicourse serve`.

Run: python -m tests.bench.bench_progress [--seconds 10] [--clients 50] [--workers 4]

Each client behaves like a browser without an account: it fetches a CSRF
token, then posts every (module, section, event) of the course once, in its own
order, and starts again as a new guest. So every acknowledged event is exactly
one fact in the database, and after the run "acknowledged == stored" checks
that no answered write was lost. Runs on SQLite, and on PostgreSQL when the
test server is reachable (see tests/databases.py). Finally it counts the
queries a module page costs for a guest and for a signed-in learner.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import sqlalchemy as sa

from course import load_course
from tests.bench.server import running_server
from tests.conftest import REAL_CONTENT, make_app
from tests.databases import fresh_postgres_database, postgres_unavailable, sqlite_url
from tests.learners import add_user, counting_queries, login

KINDS = ("section-opened", "section-read", "audio-listened")
STORED_FACTS = "SELECT count(opened_at) + count(read_at) + count(listened_at) FROM section_reads"


def course_facts() -> list[tuple[str, str, str]]:
    course = load_course(REAL_CONTENT)
    return [
        (kind, module.slug, section)
        for module in course.source_modules()
        for section in module.section_ids
        for kind in KINDS
    ]


@dataclass
class Tally:
    acknowledged: int = 0
    failed: int = 0
    guests: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Browser:
    """A guest with its cookies, on one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return 0, b""
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, data

    def close(self) -> None:
        self.connection.close()


def client_loop(port: int, facts: list, deadline: float, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    browser = Browser(port)
    acknowledged = failed = guests = 0
    latencies: list[float] = []
    while time.monotonic() < deadline:
        browser.cookies.clear()  # a new guest
        guests += 1
        status, data = browser.request("GET", "/api/token")
        if status != 200:
            failed += 1
            continue
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": json.loads(data)["csrf_token"],
        }
        order = facts[:]
        rng.shuffle(order)
        for kind, module, section in order:
            if time.monotonic() >= deadline:
                break
            body = json.dumps({"event": kind, "module": module, "section": section}).encode()
            started = time.perf_counter()
            status, data = browser.request("POST", "/api/progress", body, headers)
            latencies.append(time.perf_counter() - started)
            if status == 200 and json.loads(data)["recorded"] == 1:
                acknowledged += 1
            else:
                failed += 1
    browser.close()
    with tally.lock:
        tally.acknowledged += acknowledged
        tally.failed += failed
        tally.guests += guests
        tally.latencies.extend(latencies)


def run(name: str, database_url: str, clients: int, seconds: float, workers: int) -> None:
    facts = course_facts()
    env = {
        "OMNICOURSE_BUILD_ON_START": "false",
        "OMNICOURSE_DATABASE_URL": database_url,
        # Every client comes from 127.0.0.1: the limiter runs (and costs what it
        # costs) but lets them all write.
        "OMNICOURSE_NEW_GUESTS_PER_ADDRESS": "1000000",
        "OMNICOURSE_API_WRITES_PER_ADDRESS": "1000000",
        "OMNICOURSE_API_WRITES_PER_LEARNER": "1000000",
    }
    tally = Tally()
    with running_server(workers=workers, env=env) as port:
        warm = Browser(port)
        warm.request("GET", "/healthz")
        warm.close()
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(target=client_loop, args=(port, facts, deadline, tally, n))
            for n in range(clients)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.exec_driver_sql(STORED_FACTS).scalar()
        learners = connection.exec_driver_sql("SELECT count(*) FROM learners").scalar()
    engine.dispose()
    latencies = sorted(tally.latencies)
    p50 = statistics.median(latencies) * 1000 if latencies else 0.0
    p95 = latencies[int(len(latencies) * 0.95)] * 1000 if latencies else 0.0
    print(
        f"{name:<11} {clients} clients, {workers} workers, {elapsed:.1f} s: "
        f"{tally.acknowledged / elapsed:7.0f} events/s  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
    )
    verdict = "OK" if tally.acknowledged == stored else "MISMATCH"
    print(
        f"{'':<11} acknowledged {tally.acknowledged}, stored {stored} ({verdict}); "
        f"failed {tally.failed}; guests {tally.guests}, learners stored {learners}"
    )


def module_page_queries() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        slug = app.extensions["content"].course.source_modules()[0].slug
        url = f"/en/modules/{slug}/"
        guest = app.test_client()
        guest.get(url)
        with counting_queries(app) as anonymous:
            guest.get(url)
        add_user(app, "bench@example.com")
        learner = app.test_client()
        login(learner, "bench@example.com")
        with counting_queries(app) as signed_in:
            learner.get(url)
        app.extensions["db_engine"].dispose()
    print(f"module page queries: guest {len(anonymous)}, signed-in learner {len(signed_in)}")
    for statement, _ in signed_in:
        print("   ", " ".join(statement.split()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", sqlite_url(Path(folder)), options.clients, options.seconds, options.workers)
    reason = postgres_unavailable()
    if reason:
        print(f"PostgreSQL  skipped: {reason}")
    else:
        with contextlib.ExitStack() as stack:
            url = stack.enter_context(fresh_postgres_database())
            run("PostgreSQL", url, options.clients, options.seconds, options.workers)
    module_page_queries()


if __name__ == "__main__":
    main()
