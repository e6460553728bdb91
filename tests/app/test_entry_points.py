"""The app starts the standard ways, each in a fresh Python process.

A circular import once made `create_app()` fail unless `omnicourse` had
imported some modules first; only a new process shows that.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from tests.bench.server import LISTENING, free_port, running_server, wait_until_serving

BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow  # each test starts a server


def environment(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "OMNICOURSE_INSTANCE_PATH": str(tmp_path / "instance"),
        "OMNICOURSE_BUILD_ON_START": "false",
    }


def test_create_app_works_in_a_fresh_interpreter(tmp_path):
    code = "from app import create_app; app = create_app(); print(sorted(app.blueprints))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=environment(tmp_path),
        cwd=tmp_path,  # not the project folder: nothing is imported by accident
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "learn" in done.stdout and "feedback" in done.stdout


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    with contextlib.closing(connection):
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()


@pytest.mark.parametrize(
    ("command", "ready_line"),
    [
        ([str(BIN / "gunicorn"), "--workers", "1", "app:create_app()"], LISTENING),
        ([str(BIN / "flask"), "--app", "app", "run"], "Running on"),
    ],
    ids=["gunicorn", "flask-run"],
)
def test_the_usual_deployments_serve_the_course(tmp_path, command, ready_line):
    port = free_port()
    bind = ["--bind", f"127.0.0.1:{port}"] if "gunicorn" in command[0] else ["--port", str(port)]
    process = subprocess.Popen(
        [*command, *bind],
        env=environment(tmp_path),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    reader = None
    try:
        reader = wait_until_serving(process, port, timeout=120, ready_line=ready_line)
        status, page = get(port, "/en/modules/principles/")
        assert status == 200
        assert "Principles of omnichannel" in page
        # The self-test stores a draw: the fresh database was migrated on the first request.
        status, page = get(port, "/en/modules/principles/quiz")
        assert status == 200 and 'name="draw"' in page
    finally:
        process.terminate()
        process.wait(timeout=30)
        if reader is not None:
            reader.join(timeout=30)
        process.stderr.close()


def test_serve_refuses_a_port_that_another_server_holds(tmp_path):
    log = tmp_path / "access.log"
    env = {"OMNICOURSE_BUILD_ON_START": "false", "OMNICOURSE_ACCESS_LOG": str(log)}
    with running_server(workers=1, env=env) as port:
        second = subprocess.run(
            [str(BIN / "omnicourse"), "serve", "--port", str(port)],
            env=environment(tmp_path), capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert second.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in second.stderr
        assert "Traceback" not in second.stderr
        # The first server keeps every request: it does not share its port with the second.
        for _ in range(20):
            assert get(port, "/healthz")[0] == 200
    assert log.read_text().count('"GET /healthz HTTP/1.1" 200') >= 20
