"""The load test: simulated learners against `omnicourse serve`, then an audit of the database.

run_load() starts the server(s) with tests/bench/server.py, runs
tests/bench/locustfile.py with `locust --headless`, optionally SIGKILLs one
server worker half-way, stops the servers and compares every write the
clients were told was saved with what the database holds. bench_load.py (the
full run) and tests/app/test_load.py (a short one in CI) use it.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.config import PROJECT_ROOT
from course import load_course
from tests.bench.nginx import certificate, nginx, site_config
from tests.bench.server import SERVERS, free_port, running_server
from tests.databases import fresh_postgres_database, sqlite_url

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
SERVER_ENV = {
    "OMNICOURSE_BUILD_ON_START": "false",
    "OMNICOURSE_TTS_ENGINES": "recording,espeak",
    # Every simulated learner comes from 127.0.0.1, and the feedback form's
    # spam limit counts submissions per network address, as do the limits on new
    # guests, progress writes and self-test forms.
    "OMNICOURSE_FEEDBACK_LIMIT": "1000000",
    "OMNICOURSE_NEW_GUESTS_PER_ADDRESS": "1000000",
    "OMNICOURSE_API_WRITES_PER_ADDRESS": "1000000",
    "OMNICOURSE_QUIZ_POSTS_PER_ADDRESS": "1000000",
    # and simulated learners take self-tests and read far faster than people.
    "OMNICOURSE_QUIZ_ATTEMPTS_PER_MINUTE": "1000000",
    "OMNICOURSE_QUIZ_ATTEMPTS_PER_DAY": "1000000",
    "OMNICOURSE_QUIZ_GUEST_ATTEMPTS_PER_ADDRESS": "1000000",
    "OMNICOURSE_READING_WORDS_PER_MINUTE": "1000000000",
}
# Behind the nginx recipe, the servers read the learner's address and HTTPS from it.
BEHIND_NGINX = {
    "OMNICOURSE_PROXY_FIX_X_FOR": "1",
    "OMNICOURSE_PROXY_FIX_X_PROTO": "1",
    "OMNICOURSE_PROXY_FIX_X_HOST": "1",
    "OMNICOURSE_ACCESS_LOG": "",
}
# Which request acknowledges which kind of write.
WRITES = {
    "progress": "POST /api/progress",
    "attempts": "POST self-test",
    "feedback": "POST feedback",
}


@dataclass(frozen=True)
class Scenario:
    name: str
    users: int
    seconds: int
    database: str = "sqlite"  # or "postgresql"
    servers: int = 1
    workers: int = 2
    kill_worker: bool = False
    behind_nginx: bool = False  # learners reach the servers through deploy/nginx.conf


@dataclass(frozen=True)
class Request:
    name: str
    started: float
    milliseconds: float
    status: int
    error: str | None
    port: int | None


@dataclass
class Kill:
    pid: int
    at: float
    serving: int = 0  # sockets it had just opened: it was serving a request when killed
    replaced_by: list[int] = field(default_factory=list)


@dataclass
class LoadResult:
    scenario: Scenario
    requests: list[Request]
    acknowledged: dict[str, Counter]
    stored: dict[str, Counter]
    integrity: str | None
    kill: Kill | None
    feedback_skipped: str | None
    log: str

    def failed(self, name: str | None = None) -> list[Request]:
        return [r for r in self.requests if r.error and name in (None, r.name)]

    def problems(self) -> list[str]:
        """Everything that breaks the promise: errors, lost writes, a damaged database."""
        problems = []
        server_errors = [r for r in self.requests if r.status >= 500]
        if server_errors:
            problems.append(f"{len(server_errors)} server error(s), e.g. {server_errors[0]}")
        failed = self.failed()
        if self.kill is None and failed:
            problems.append(f"{len(failed)} failed request(s), e.g. {failed[:3]}")
        if self.kill is not None:
            problems += self._kill_problems(failed)
        for kind, request_name in WRITES.items():
            acknowledged, stored = self.acknowledged[kind], self.stored[kind]
            if kind == "feedback" and self.feedback_skipped:
                continue
            if not acknowledged:
                problems.append(f"no {kind} write was acknowledged: the run exercised nothing")
            lost = acknowledged - stored
            if lost:
                problems.append(
                    f"{lost.total()} acknowledged {kind} write(s) lost: {list(lost)[:3]}"
                )
            # Without a fault nothing may be stored that was not acknowledged; with
            # one, a request may be saved and then lose its answer with the worker.
            unanswered = len(self.failed(request_name))
            extra = (stored - acknowledged).total()
            if extra > unanswered:
                problems.append(
                    f"{extra} {kind} row(s) stored that no client saw acknowledged, "
                    f"{unanswered} request(s) failed: {list(stored - acknowledged)[:3]}"
                )
        ports = {r.port for r in self.requests if not r.error}
        if not self.scenario.behind_nginx and len(ports) < self.scenario.servers:
            problems.append(f"only {len(ports)} of {self.scenario.servers} servers were used")
        if self.integrity not in (None, "ok"):
            problems.append(f"PRAGMA integrity_check: {self.integrity}")
        return problems

    def _kill_problems(self, failed: list[Request]) -> list[str]:
        kill, problems = self.kill, []
        if not kill.replaced_by:
            problems.append(f"the server did not replace the killed worker {kill.pid}")
        # Only requests started before the victim froze can have been on it; later ones
        # reach a live worker, so any of them failing breaks the promise.
        late = [r for r in failed if r.status != 0 or r.started > kill.at]
        if late:
            problems.append(
                f"{len(late)} request(s) failed other than in flight on the killed worker, "
                f"e.g. {late[:3]}"
            )
        served_after = [r for r in self.requests if not r.error and r.started > kill.at + 1]
        if not served_after:
            problems.append("no request succeeded after the worker was killed")
        return problems

    def latency_rows(self) -> list[str]:
        """Per request type: count, failures, p50, p95 and max in milliseconds."""
        heading = ((6, "count"), (6, "failed"), (8, "p50 ms"), (8, "p95 ms"), (8, "max ms"))
        rows = [f"{'request':<24} " + " ".join(f"{h:>{width}}" for width, h in heading)]
        names = sorted({r.name for r in self.requests})
        for name in [*names, None]:
            chosen = [r for r in self.requests if name in (None, r.name)]
            times = sorted(r.milliseconds for r in chosen if not r.error)
            rows.append(
                f"{name or 'all requests':<24} {len(chosen):>6} {len(chosen) - len(times):>6} "
                f"{percentile(times, 50):>8.0f} {percentile(times, 95):>8.0f} "
                f"{max(times, default=0):>8.0f}"
            )
        return rows

    def summary(self) -> str:
        s = self.scenario
        span = max((r.started for r in self.requests), default=0) - min(
            (r.started for r in self.requests), default=0
        )
        lines = [
            f"{s.name}: {s.users} users, {s.seconds} s, {s.database}, {s.servers} server(s) "
            f"x {s.workers} workers" + (", one worker SIGKILLed half-way" if s.kill_worker else ""),
            f"  {len(self.requests)} requests, {len(self.requests) / max(span, 1):.1f} req/s, "
            f"{len(self.failed())} failed, "
            f"{sum(r.status >= 500 for r in self.requests)} server errors",
        ]
        for kind in WRITES:
            acknowledged, stored = self.acknowledged[kind], self.stored[kind]
            lines.append(
                f"  {kind:<9} acknowledged {acknowledged.total():>5}  stored {stored.total():>5}"
                f"  lost {(acknowledged - stored).total()}"
                f"  stored without answer {(stored - acknowledged).total()}"
            )
        if self.feedback_skipped:
            lines.append(f"  feedback skipped: {self.feedback_skipped}")
        if self.kill:
            lines.append(
                f"  killed worker {self.kill.pid} "
                + ("mid-request" if self.kill.serving else "between requests")
                + f"; replaced by {self.kill.replaced_by or 'nothing'}"
            )
        if self.integrity is not None:
            lines.append(f"  PRAGMA integrity_check: {self.integrity}")
        return "\n".join([*lines, *("  " + row for row in self.latency_rows())])


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def run_load(scenario: Scenario) -> LoadResult:
    """Serve, load, optionally kill a worker, stop, audit; return what was seen."""
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if scenario.database == "postgresql":
            url = stack.enter_context(fresh_postgres_database())
        else:
            url = sqlite_url(folder / "db")
        # Servers behind one load balancer share the database and the secret key.
        env = {**SERVER_ENV, "OMNICOURSE_DATABASE_URL": url}
        if scenario.behind_nginx:
            env.update(BEHIND_NGINX)
        env["OMNICOURSE_SECRET_KEY"] = secrets.token_hex(32)
        with contextlib.ExitStack() as servers:
            # One after the other: the first applies the migrations.
            ports = [
                servers.enter_context(
                    running_server(
                        scenario.workers,
                        {**env, "OMNICOURSE_INSTANCE_PATH": str(folder / f"instance-{n}")},
                    )
                )
                for n in range(scenario.servers)
            ]
            hosts = [f"http://127.0.0.1:{port}" for port in ports]
            locust_env = {}
            if scenario.behind_nginx:
                hosts, locust_env = _nginx_in_front(servers, folder, ports)
            feedback_skipped = feedback_unavailable(ports[0])
            report = folder / "report.json"
            kill, log = _run_locust(scenario, hosts, report, feedback_skipped, ports[0], locust_env)
        data = json.loads(report.read_text()) if report.exists() else {}
        if not data:
            raise RuntimeError(f"locust wrote no report:\n{log}")
        return LoadResult(
            scenario=scenario,
            requests=[Request(*row) for row in data["requests"]],
            acknowledged=acknowledged_writes(data["acknowledged"]),
            stored=stored_writes(url),
            integrity=sqlite_integrity(url) if scenario.database == "sqlite" else None,
            kill=kill,
            feedback_skipped=feedback_skipped,
            log=log,
        )


def _nginx_in_front(
    stack: contextlib.ExitStack, folder: Path, ports: list[int]
) -> tuple[list[str], dict[str, str]]:
    """Start the shipped nginx recipe before the servers; the address learners use, and
    what locust needs to trust its certificate."""
    cert, key = certificate(folder)
    https_port = free_port()
    site = site_config(ports, free_port(), https_port, cert, key, folder / "cache",
                       folder / "instance-0" / "build")  # fmt: skip
    stack.enter_context(nginx(folder / "nginx", site))
    return [f"https://127.0.0.1:{https_port}"], {"OMNICOURSE_LOAD_CA": str(cert)}


def _run_locust(
    scenario: Scenario,
    hosts: list[str],
    report: Path,
    skip_feedback: str | None,
    victim_port: int,
    env: dict[str, str],
) -> tuple[Kill | None, str]:
    command = [
        *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"),
        *("--host", hosts[0], "--learner-hosts", ",".join(hosts)),
        *("--users", str(scenario.users), "--spawn-rate", str(max(1, scenario.users // 5))),
        *("--run-time", f"{_run_time(scenario)}s", "--stop-timeout", "30"),
        *("--only-summary", "--loglevel", "WARNING", "--report-file", str(report)),
    ]
    if skip_feedback:
        command.append("--skip-feedback")
    stop_file = Path(f"{report}.stop")
    if scenario.kill_worker:
        command += ["--stop-file", str(stop_file)]
    log_path = report.with_suffix(".log")
    kill = None
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
            env={**os.environ, **env},
        )
        try:
            if scenario.kill_worker:
                started = Path(f"{report}.started")
                _wait_for(started.exists, 60, "locust did not start")
                start = float(started.read_text())
                time.sleep(max(0.0, start + scenario.seconds / 2 - time.time()))
                kill = kill_one_worker(victim_port, scenario.workers)
                # Learners go on for half a run after the new worker is up (finding a busy
                # worker to kill can take long on a loaded machine), and at least a run.
                end = max(start + scenario.seconds, time.time() + scenario.seconds / 2)
                time.sleep(max(0.0, end - time.time()))
                stop_file.touch()
            process.wait(timeout=_run_time(scenario) + 60)
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
    return kill, log_path.read_text()


def _run_time(scenario: Scenario) -> int:
    """Locust's own limit: the run, or with a worker to kill, a bound on a run the
    harness ends itself (--stop-file) once the new worker has served long enough."""
    return scenario.seconds + (240 if scenario.kill_worker else 0)


def kill_one_worker(port: int, workers: int, search_seconds: float = 60) -> Kill:
    """SIGKILL a worker process of the server on `port` mid-request; await its heir.

    The victim is frozen (SIGSTOP) the moment it holds a connection it did not
    hold before, checked to still hold it, then killed: so it dies serving a
    request however loaded the machine is, and no request that starts after
    `Kill.at` can reach it.
    """
    master = psutil.Process(SERVERS[port].pid)
    before = {child.pid for child in master.children()}
    victim, serving, stopped_at = _freeze_busy_worker(master, search_seconds)
    os.kill(victim, signal.SIGKILL)
    kill = Kill(pid=victim, at=stopped_at, serving=serving)
    deadline = time.monotonic() + 120  # a new worker boots in seconds, longer on a busy machine
    while time.monotonic() < deadline:
        now = {child.pid for child in master.children() if child.status() != psutil.STATUS_ZOMBIE}
        if len(now) >= workers and victim not in now:
            kill.replaced_by = sorted(now - before)
            break
        time.sleep(0.1)
    return kill


def _freeze_busy_worker(master: psutil.Process, seconds: float) -> tuple[int, int, float]:
    """Stop a worker that holds a connection it just opened: (pid, connections, when stopped)."""
    workers = master.children()
    held = {worker.pid: _sockets_of(worker.pid) for worker in workers}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for worker in workers:
            with contextlib.suppress(OSError):
                # Socket numbers are never reused, and clients close after each request.
                if not _sockets_of(worker.pid) - held[worker.pid]:
                    continue
                os.kill(worker.pid, signal.SIGSTOP)
                stopped_at = time.time()
                serving = _sockets_of(worker.pid) - held[worker.pid]
                if serving:
                    return worker.pid, len(serving), stopped_at
                os.kill(worker.pid, signal.SIGCONT)  # it finished in between: try again
        time.sleep(0.0002)
    raise RuntimeError(f"no worker served a request for {seconds} s")


def _sockets_of(pid: int) -> set[str]:
    folder = f"/proc/{pid}/fd"
    links = (os.readlink(f"{folder}/{fd}") for fd in os.listdir(folder))
    return {link[8:-1] for link in links if link.startswith("socket:[")}


def _wait_for(condition, seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(message)
        time.sleep(0.05)


def feedback_unavailable(port: int) -> str | None:
    """Why learners cannot send feedback on this server, or None when the form is there."""
    slug = load_course(PROJECT_ROOT / "content").source_modules()[0].slug
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    with contextlib.closing(connection):
        connection.request("GET", f"/en/modules/{slug}/feedback")
        response = connection.getresponse()
        body = response.read().decode(errors="replace")
    if response.status != 200 or 'name="rating"' not in body:
        return f"the feedback form answered {response.status} without a rating field"
    return None


def acknowledged_writes(rows_by_kind: dict[str, list[list]]) -> dict[str, Counter]:
    writes = {kind: Counter(tuple(row) for row in rows) for kind, rows in rows_by_kind.items()}
    # A progress event is idempotent: acknowledged twice, it is still one fact.
    writes["progress"] = Counter(set(writes["progress"]))
    return writes


def stored_writes(url: str) -> dict[str, Counter]:
    """The writes the database holds, in the shape the clients record acknowledgements."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as db:
            progress = Counter()
            for key, slug, section, opened, read, listened in db.execute(
                sa.text(
                    "SELECT l.key, s.module_slug, s.section_id, s.opened_at IS NOT NULL,"
                    " s.read_at IS NOT NULL, s.listened_at IS NOT NULL"
                    " FROM section_reads s JOIN learners l ON l.id = s.learner_id"
                )
            ):
                for kind, seen in zip(
                    ("section-opened", "section-read", "audio-listened"),
                    (opened, read, listened),
                    strict=True,
                ):
                    if seen:
                        progress[(key, kind, slug, section)] += 1
            for key, slug in db.execute(
                sa.text(
                    "SELECT l.key, p.module_slug FROM progress p"
                    " JOIN learners l ON l.id = p.learner_id"
                    " WHERE p.audio_listened_at IS NOT NULL"
                )
            ):
                progress[(key, "audio-listened", slug, None)] += 1
            attempts = Counter(
                tuple(row)
                for row in db.execute(
                    sa.text(
                        "SELECT l.key, q.module_slug, q.locale, q.score FROM quiz_attempts q"
                        " JOIN learners l ON l.id = q.learner_id"
                    )
                )
            )
            feedback = Counter(
                tuple(row)
                for row in db.execute(
                    sa.text(
                        "SELECT comment, module_slug, locale, rating FROM feedback"
                        " WHERE comment LIKE 'load-test %'"
                    )
                )
            )
    finally:
        engine.dispose()
    return {"progress": progress, "attempts": attempts, "feedback": feedback}


def sqlite_integrity(url: str) -> str:
    connection = sqlite3.connect(make_url(url).database)
    try:
        return "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    finally:
        connection.close()
