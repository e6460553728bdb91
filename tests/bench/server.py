"""Start `omnicourse serve` on a free port for a benchmark, and measure HTTP endpoints."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

# The `omnicourse serve` process behind each port running_server() yields (it is
# the server's main process), for benchmarks that signal its worker processes.
SERVERS: dict[int, subprocess.Popen] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(
    workers: int = 2, env: dict[str, str] | None = None, prebuilt: Path | None = None
) -> Iterator[int]:
    """Run `omnicourse serve` on a temp instance; yield its port; stop it afterwards.

    `prebuilt` is a build/ folder (audio, PDFs) to start from, linked into the
    instance, so the server has nothing left to build.
    """
    port = free_port()
    with tempfile.TemporaryDirectory() as instance:
        if prebuilt is not None:
            shutil.copytree(prebuilt, Path(instance) / "build", copy_function=os.link)
        environment = {**os.environ, "OMNICOURSE_INSTANCE_PATH": instance, **(env or {})}
        command = [
            str(Path(sys.executable).with_name("omnicourse")),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
        process = subprocess.Popen(
            command,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        SERVERS[port] = process
        log_reader = None
        try:
            log_reader = wait_until_serving(process, port)
            yield port
        finally:
            SERVERS.pop(port, None)
            process.terminate()
            process.wait(timeout=30)
            if log_reader is not None:
                log_reader.join(timeout=30)
            process.stderr.close()


LISTENING = "Listening at: "  # the line of Granian (serve) and gunicorn once the socket is open


def wait_until_serving(
    process: subprocess.Popen, port: int, timeout: float = 300, ready_line: str = LISTENING
) -> threading.Thread:
    """Return once the server answers /healthz; its log (stderr) is read, never polled.

    The log is drained by the thread returned, for the server's whole life, so
    a chatty server never blocks on a full pipe; its last lines explain a
    failed start.
    """
    listening = threading.Event()
    lines: list[str] = []

    def read_log() -> None:
        for line in process.stderr:
            lines[:] = [*lines[-40:], line]
            if ready_line in line:
                listening.set()
        listening.set()  # the server exited: stop waiting

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    if not listening.wait(timeout) or process.poll() is not None:
        raise RuntimeError("the server did not start:\n" + "".join(lines))
    # The socket is open: this request waits in its backlog until a worker has booted.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    with contextlib.closing(connection):
        connection.request("GET", "/healthz")
        status = connection.getresponse().status
    if status != 200:
        raise RuntimeError(f"/healthz answered {status}:\n" + "".join(lines))
    return reader


def wait_until_built(port: int, timeout: float = 300) -> None:
    """Return once /healthz reports no build under way: `omnicourse serve` listens at once
    and makes audio and PDFs beside it, and some tests need them."""
    deadline = time.monotonic() + timeout
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        with contextlib.closing(connection):
            connection.request("GET", "/healthz")
            health = json.loads(connection.getresponse().read())
        if "build" not in health:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the background build did not finish: {health}")
        time.sleep(0.2)


@dataclass
class Figures:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        return statistics.quantiles(self.latencies, n=100)[int(p) - 1] * 1000

    def row(self) -> str:
        return (
            f"{self.name:<28} {self.rps:>9.0f} req/s  p50 {self.percentile(50):6.2f} ms  "
            f"p95 {self.percentile(95):6.2f} ms  errors {self.errors}"
        )


def measure(
    name: str,
    port: int,
    make_request: Callable[[http.client.HTTPConnection], int],
    clients: int = 8,
    per_client: int = 300,
) -> Figures:
    """Send requests from `clients` keep-alive connections; collect latencies and errors."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], 0
        for _ in range(per_client):
            started = time.perf_counter()
            try:
                status = make_request(connection)
            except (OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            mine.append(time.perf_counter() - started)
            failed += status >= 400 or status == 0
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Figures(name, clients * per_client, errors, time.perf_counter() - started, latencies)


def get(path: str, headers: dict[str, str] | None = None):
    def make_request(connection: http.client.HTTPConnection) -> int:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status

    return make_request
