"""Content edits reach a running server: real server processes, files edited while they run.

Each test copies the course into a temporary folder, starts a server on it,
edits files there and asserts what learners and staff see within 2 seconds
(the reload itself takes a fraction of that: see the closing figures of
`tests/bench/bench_reload.py`).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from tests.bench.server import free_port
from tests.conftest import REAL_CONTENT

pytestmark = pytest.mark.slow  # each test starts a server

BIN = Path(sys.executable).parent
TRANSLATIONS = PROJECT_ROOT / "translations"
# Authors are promised 2 s; tests/bench/bench_reload.py measures that. Here a bound a
# loaded machine cannot miss: what matters is that the change arrives with no restart.
DEADLINE = 10.0
PRINCIPLES = "en/01-principles.md"
SENTENCE = "One retailer is not the whole market, but the pattern will"


class Server:
    """A server process on a copy of the course, and what it has logged so far."""

    def __init__(self, process: subprocess.Popen, port: int) -> None:
        self.process, self.port = process, port
        self.log: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.log.append(line)

    def get(self, path: str) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        with contextlib.closing(connection):
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode()

    def health(self) -> dict:
        return json.loads(self.get("/healthz")[1])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self._reader.join(timeout=30)
        self.process.stderr.close()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of the course, as an author's working folder."""
    shutil.copytree(REAL_CONTENT, tmp_path / "content")
    return tmp_path / "content"


@contextlib.contextmanager
def started(
    content: Path, instance: Path, command: str = "serve", workers: int = 2, **env: str
) -> Iterator[Server]:
    port = free_port()
    environment = {
        **os.environ,
        "OMNICOURSE_INSTANCE_PATH": str(instance),
        "OMNICOURSE_CONTENT_DIR": str(content),
        "OMNICOURSE_TRANSLATIONS_DIR": str(TRANSLATIONS),
        "OMNICOURSE_BUILD_ON_START": "false",
        "OMNICOURSE_BUILD_ON_CHANGE": "false",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    if command == "serve":
        args = ["serve", "--port", str(port), "--workers", str(workers)]
    else:
        subprocess.run([str(BIN / "omnicourse"), "db", "upgrade"], env=environment, check=True,
                       capture_output=True)  # fmt: skip
        args = ["run", "--port", str(port)]
    process = subprocess.Popen(
        [str(BIN / "omnicourse"), *args],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    server = Server(process, port)
    try:
        wait(lambda: _answers(server), timeout=120, what="the server to start")
        yield server
    finally:
        server.stop()


def _answers(server: Server) -> bool:
    if server.process.poll() is not None:
        raise RuntimeError("the server stopped:\n" + "".join(server.log[-30:]))
    try:
        return server.get("/healthz")[0] == 200
    except OSError:
        return False


def wait(check: Callable[[], object], timeout: float = DEADLINE, what: str = "") -> float:
    """Poll `check` until it is true; the seconds it took. Fails after `timeout`."""
    start = time.monotonic()
    while True:
        if check():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            pytest.fail(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def edit(content: Path, name: str, old: str, new: str) -> None:
    path = content / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def every_worker_shows(server: Server, path: str, text: str, requests: int = 12) -> bool:
    """True when `requests` answers in a row (spread over the workers) all contain `text`."""
    return all(text in server.get(path)[1] for _ in range(requests))


def every_worker_reports(server: Server, check: Callable[[dict], bool], requests: int = 12) -> bool:
    """True when `requests` answers of /healthz in a row all pass `check`."""
    return all(check(server.health()) for _ in range(requests))


def degraded(health: dict) -> bool:
    return health["status"] == "degraded"


def healthy(health: dict) -> bool:
    return health["status"] == "ok"


def test_an_edit_reaches_every_worker_and_the_translations_note_it(site, tmp_path):
    with started(site, tmp_path / "instance") as server:
        server.get("/pl/modules/principles/")  # both workers are up and serving
        edit(site, PRINCIPLES, SENTENCE, "Only a few kept to a single channel.")
        wait(lambda: every_worker_shows(server, "/en/modules/principles/", "a single channel"),
             what="the edit on the English page")  # fmt: skip
        status, polish = server.get("/pl/modules/principles/")
        assert status == 200 and '<html lang="pl"' in polish
        assert polish.count("Oryginał tej części zmienił się od czasu tłumaczenia.") == 1

        new = "## A new part {#a-new-part}\n\nWritten after the translations.\n\n"
        edit(
            site, PRINCIPLES, "## The customer at the centre", new + "## The customer at the centre"
        )
        wait(lambda: every_worker_shows(server, "/pl/modules/principles/", 'id="a-new-part"'),
             what="the new section on the Polish page")  # fmt: skip
        polish = server.get("/pl/modules/principles/")[1]
        assert '<div lang="en"><p>Written after the translations.</p>' in polish
        assert "Ta część nie jest jeszcze przetłumaczona na Twój język." in polish


def test_a_broken_file_is_served_from_its_last_good_version_even_after_a_restart(site, tmp_path):
    instance = tmp_path / "instance"
    with started(site, instance) as server:
        assert server.health()["status"] == "ok"
        edit(site, PRINCIPLES, 'eqf: "3-5"', 'eqf: "3-5')  # an unclosed quote on line 5
        wait(lambda: every_worker_reports(server, degraded), what="/healthz to say degraded")
        health = server.health()
        assert health["problems"] == [
            "content/en/01-principles.md:5: broken YAML in front matter: this quoted value "
            "does not end on its line: is a closing quote missing?"
        ]
        for locale in ("en", "pl", "zh", "yo"):
            assert server.get(f"/{locale}/modules/principles/")[0] == 200
        assert "A course in 4 modules" in server.get("/en/")[1]

    with started(site, instance) as server:  # a restart with the file still broken
        assert server.health()["status"] == "degraded"
        assert "Principles of omnichannel" in server.get("/en/modules/principles/")[1]
        edit(site, PRINCIPLES, 'eqf: "3-5', 'eqf: "3-5"')
        wait(lambda: every_worker_reports(server, healthy), what="/healthz to recover")


def test_files_added_and_removed_appear_and_disappear(site, tmp_path):
    with started(site, tmp_path / "instance") as server:
        copy = (site / PRINCIPLES).read_text(encoding="utf-8")
        extra = (
            copy.replace("slug: principles", "slug: extra-module")
            .replace("order: 1", "order: 9")
            .replace("title: Principles of omnichannel", "title: An extra module")
        )
        (site / "en" / "09-extra.md").write_text(extra, encoding="utf-8")
        wait(lambda: every_worker_shows(server, "/en/", "An extra module"),
             what="the new module on the home page")  # fmt: skip
        assert server.get("/en/modules/extra-module/")[0] == 200

        (site / "en" / "10-twin.md").write_text(extra, encoding="utf-8")  # the same slug again
        wait(lambda: every_worker_reports(server, degraded), what="the duplicate slug")
        assert any("10-twin.md:2: duplicate slug 'extra-module'" in p
                   for p in server.health()["problems"])  # fmt: skip
        assert server.get("/en/modules/extra-module/")[0] == 200  # the first one stays

        (site / "en" / "10-twin.md").unlink()
        (site / "en" / "09-extra.md").unlink()
        wait(lambda: every_worker_reports(server, healthy), what="the removal")
        assert server.get("/en/modules/extra-module/")[0] == 404


def test_bad_files_are_reported_and_hide_nothing(site, tmp_path):
    with started(site, tmp_path / "instance") as server:
        (site / "en" / "05-junk.md").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0binary")
        (site / "en" / "06-empty.md").write_bytes(b"")
        (site / "en" / "07-latin1.md").write_bytes("---\ntitle: Zażółć\n".encode("iso-8859-2"))
        (site / "xx").mkdir()  # a locale folder with no catalogue
        wait(lambda: every_worker_reports(server, lambda h: len(h.get("problems", [])) == 4),
             what="four problems")  # fmt: skip
        found = "\n".join(server.health()["problems"])
        assert "content/en/05-junk.md:1: this is not a text file" in found
        assert "content/en/06-empty.md:1: the file is empty" in found
        assert "content/en/07-latin1.md:2: the file is not valid UTF-8" in found
        assert "content/xx:1: the locale 'xx' has no interface catalogue" in found
        assert "A course in 4 modules" in server.get("/en/")[1]


def test_omnicourse_run_prints_a_problem_at_once_and_pages_follow_the_content(site, tmp_path):
    with started(site, tmp_path / "instance", command="run") as server:
        _status, page = server.get("/en/modules/principles/")
        assert "js/live-reload.js" in page  # the page polls the content version
        before = json.loads(server.get("/_content/version")[1])["version"]
        edit(site, PRINCIPLES, 'eqf: "3-5"', 'eqf: "3-5')
        problem = "content/en/01-principles.md:5: broken YAML"
        wait(lambda: any(problem in line for line in server.log), what="the problem printed")
        assert sum(problem in line for line in server.log) == 1  # once, not once per reload
        after = json.loads(server.get("/_content/version")[1])["version"]
        assert after != before  # so an open page reloads itself
