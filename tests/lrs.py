"""A real learning record store for the xAPI tests: Ralph, on the loopback, with HTTP Basic.

Ralph runs from its own venv (`bash .ci/ralph` makes .ci/ralph-venv; another
one can be named by OMNICOURSE_TEST_RALPH_PYTHON) with its file-system backend,
so each test gets an empty store in its temporary folder. Without it the tests
that need it are skipped with the reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from app.config import PROJECT_ROOT
from tests.bench.server import free_port

RALPH_PYTHON = PROJECT_ROOT / ".ci" / "ralph-venv" / "bin" / "python"
KEY, SECRET = "omnicourse", "a long secret for the LRS"
XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3"}
START_SECONDS = 90
# Ralph 5.1's file-system LRS writes each request's statements with the data backend's
# default operation, "create", which refuses a file that exists: only its first request
# could be stored. The tests start it appending, as an LRS stores statement after statement.
SERVE = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="info")
"""


def ralph_python() -> Path:
    """The Python that has Ralph, or a skip that says how to install it."""
    python = Path(os.environ.get("OMNICOURSE_TEST_RALPH_PYTHON") or RALPH_PYTHON)
    if not python.is_file():
        pytest.skip(f"Ralph (the LRS) is not installed at {python}: run `bash .ci/ralph`")
    return python


class Ralph:
    """One LRS with one account (KEY, SECRET); stopped and started again on the same port."""

    def __init__(self, folder: Path) -> None:
        self.python = ralph_python()
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        (folder / "statements").mkdir(parents=True, exist_ok=True)
        self.auth_file = folder / "auth.json"
        script = (
            "import bcrypt, json, sys; "
            "print(json.dumps([{'username': sys.argv[1], 'scopes': ['all'], "
            "'hash': bcrypt.hashpw(sys.argv[2].encode(), bcrypt.gensalt()).decode(), "
            "'agent': {'objectType': 'Agent', 'mbox': 'mailto:lrs@example.org'}}]))"
        )
        found = subprocess.run(
            [self.python, "-c", script, KEY, SECRET], check=True, capture_output=True, text=True
        )
        self.auth_file.write_text(found.stdout)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.root}/xAPI"

    def start(self) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.folder),
            "RALPH_APP_DIR": str(self.folder / "app"),
            "RALPH_AUTH_FILE": str(self.auth_file),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "statements"),
        }
        with (self.folder / "ralph.log").open("ab") as log:
            self.process = subprocess.Popen(
                [self.python, "-c", SERVE, str(self.port)], env=env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Ralph stopped: {(self.folder / 'ralph.log').read_text()}")
            try:
                if requests.get(f"{self.root}/__lbheartbeat__", timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"Ralph did not start within {START_SECONDS} s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def statements(self) -> list[dict]:
        """Every statement the LRS holds, as the xAPI API returns them."""
        found: list[dict] = []
        url = f"{self.endpoint}/statements?limit=500"
        while url:
            answer = requests.get(url, auth=(KEY, SECRET), headers=XAPI_HEADERS, timeout=10)
            answer.raise_for_status()
            data = answer.json()
            found += data["statements"]
            more = data.get("more")
            url = f"{self.root}{more}" if more else ""
        return found

    def stored_text(self) -> str:
        """What the LRS wrote to disk, to look for what must never be there."""
        return "".join(path.read_text() for path in (self.folder / "statements").glob("*"))


def verbs(statements: list[dict]) -> list[str]:
    return sorted(s["verb"]["id"].rsplit("/", 1)[-1] for s in statements)


def dumps(statements: list[dict]) -> str:
    return json.dumps(statements, ensure_ascii=False)
