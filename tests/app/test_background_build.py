"""`omnicourse serve` listens at once; audio and PDFs are built beside it, one build at a time."""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import json
import os
from pathlib import Path

import pytest

from app.rebuild import BUILD_LOCK, PROGRESS, build_progress, pending_modules
from tests.bench.server import running_server, wait_until_built
from tests.conftest import make_app


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    with contextlib.closing(connection):
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")


def write_progress(instance: Path, **values) -> None:
    (instance / "build").mkdir(parents=True, exist_ok=True)
    data = {"pid": os.getpid(), "modules": [], "done": 0, "total": None, **values}
    (instance / "build" / PROGRESS).write_text(json.dumps(data))


def test_while_a_build_runs_pages_and_healthz_say_so(tmp_path):
    app = make_app(tmp_path)
    instance = Path(app.instance_path)
    client = app.test_client()
    assert client.get("/healthz").json["status"] == "ok"
    write_progress(instance, modules=["en/principles"], done=3, total=10, current="audio en/x")
    health = client.get("/healthz").json
    assert health["status"] == "degraded"
    assert health["build"] == {"done": 3, "total": 10, "current": "audio en/x"}
    page = client.get("/en/modules/principles/").text
    assert "data-refresh-when-built" in page  # the page's script looks again until ready
    assert "data-refresh-when-built" not in client.get("/en/modules/benefits-and-challenges/").text
    # A progress file left by a build that died says nothing.
    write_progress(instance, pid=2**22 + 12345, modules=["en/principles"])
    assert build_progress(instance) is None and pending_modules(instance) == set()
    assert client.get("/healthz").json["status"] == "ok"


def test_a_pdf_being_prepared_asks_again_by_itself(app, client):
    response = client.get("/en/modules/principles.pdf")
    assert response.status_code == 503
    assert '<meta http-equiv="refresh" content="20">' in response.text


@pytest.mark.slow
def test_serve_listens_while_its_build_waits_then_builds_everything(tmp_path, content):
    content.module()
    instance = tmp_path / "instance"
    (instance / "build").mkdir(parents=True)
    env = {
        "OMNICOURSE_INSTANCE_PATH": str(instance),
        "OMNICOURSE_CONTENT_DIR": str(content.root),
        "OMNICOURSE_TTS_ENGINES": "recording,espeak",
    }
    # Holding the build lock stands for a long build: the server must not wait for it.
    with (instance / "build" / BUILD_LOCK).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with running_server(workers=1, env=env) as port:
            status, body = get(port, "/healthz")
            health = json.loads(body)
            assert status == 200 and health["status"] == "degraded" and "build" in health
            assert get(port, "/en/modules/basics/")[0] == 200
            fcntl.flock(lock, fcntl.LOCK_UN)  # the build may go now
            wait_until_built(port, timeout=240)
            assert json.loads(get(port, "/healthz")[1])["status"] == "ok"
            assert get(port, "/en/modules/basics/audio.mp3")[0] == 200
            assert get(port, "/en/modules/basics.pdf")[0] == 200
