"""Benchmark: the shipped nginx recipe in front of `omnicourse serve`.

Run: python -m tests.bench.bench_nginx
deploy/nginx.conf runs here (HTTPS with a self-signed certificate) before one
`omnicourse serve`; wrk keeps 32 connections busy against each address in turn.
Goal: an anonymous module page through nginx at least 0.8x the throughput of
nginx serving a static file; a signed-in page is still the learner's own.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import ssl
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from tests.bench import wrk
from tests.bench.nginx import HOST, certificate, nginx, site_config
from tests.bench.server import free_port, running_server

MODULE = "/en/modules/principles/"
PASSWORD = "correct horse battery"
COMPRESSED = {"Accept-Encoding": "br, gzip", "Host": HOST}


def _request(port: int, cert: Path, method: str, path: str, headers: dict, body: str | None = None):
    context = ssl.create_default_context(cafile=str(cert))
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    with contextlib.closing(connection):
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response, response.read().decode("utf-8", "replace")


def session_cookie(port: int, cert: Path) -> str:
    """Log in through nginx as a learner does; the session cookie it gets."""
    base = {"Host": HOST, "Referer": f"https://{HOST}/auth/login"}
    response, page = _request(port, cert, "GET", "/auth/login", base)
    first = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urlencode({"csrf_token": token, "email": "bench@example.com", "password": PASSWORD})
    headers = {**base, "Cookie": first, "Content-Type": "application/x-www-form-urlencoded"}
    response, _ = _request(port, cert, "POST", "/auth/login", headers, form)
    assert response.status == 302, "the benchmark's learner could not log in"
    cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie")]
    return next(c for c in cookies if "omnicourse_session=" in c)


def main() -> None:
    if not wrk.available():
        print("wrk is not installed (apt-get install wrk): no figures")
        sys.exit(1)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        cert, key = certificate(work)
        instance = work / "instance"
        env = {
            "OMNICOURSE_INSTANCE_PATH": str(instance),
            "OMNICOURSE_BUILD_ON_START": "false",
            "OMNICOURSE_SERVER_NAME": f"https://{HOST}",
            "OMNICOURSE_PROXY_FIX_X_FOR": "1",
            "OMNICOURSE_PROXY_FIX_X_PROTO": "1",
            "OMNICOURSE_PROXY_FIX_X_HOST": "1",
            "OMNICOURSE_ACCEL_REDIRECT": "/_built/",
            "OMNICOURSE_ACCESS_LOG": "",  # nginx is the one that would log
        }
        omnicourse = str(Path(sys.executable).with_name("omnicourse"))
        subprocess.run([omnicourse, "users", "create", "bench@example.com", "--password-stdin"],
                       input=f"{PASSWORD}\n", text=True, capture_output=True, check=True,
                       env={**os.environ, **env})  # fmt: skip
        https_port = free_port()
        with running_server(env=env) as app_port:
            site = site_config(app_port, free_port(), https_port, cert, key,
                               work / "cache", instance / "build")  # fmt: skip
            with nginx(work / "nginx", site):
                base = f"https://127.0.0.1:{https_port}"
                _, page = _request(https_port, cert, "GET", MODULE, {"Host": HOST})
                css = re.search(r'href="(/static/css/site\.css\?v=\w+)"', page).group(1)
                cookie = session_cookie(https_port, cert)
                signed_in = {**COMPRESSED, "Cookie": cookie}
                direct = f"http://127.0.0.1:{app_port}{MODULE}"
                for url, headers in (
                    (base + css, COMPRESSED),
                    (base + MODULE, COMPRESSED),
                    (direct, COMPRESSED),
                    (base + MODULE, signed_in),
                ):
                    wrk.load("warm-up", url, headers, seconds=3)  # fmt: skip
                rows = [
                    wrk.load("static file, nginx", base + css, COMPRESSED),
                    wrk.load("module page, nginx's copy", base + MODULE, COMPRESSED),
                    wrk.load("module page, serve alone", direct, COMPRESSED),
                    wrk.load("module page, signed in", base + MODULE, signed_in),
                ]
                own = {"Host": HOST, "Cookie": cookie}
                mine, body = _request(https_port, cert, "GET", MODULE, own)
    print(f"{'address (32 connections)':<34} {'throughput':>15}  latency")
    for row in rows:
        print(row.row())
    static, cached, alone, personal = rows
    ratio = cached.rps / static.rps
    print()
    print(f"module page through nginx / static file: {ratio:.2f}x (goal >= 0.8x)")
    print(f"signed-in module page / serve alone (anonymous): {personal.rps / alone.rps:.2f}x")
    print(f"module page through nginx / serve alone: {cached.rps / alone.rps:.2f}x")
    private = mine.getheader("Cache-Control") == "private, no-cache"
    print(f"signed-in page: {mine.getheader('X-Cache-Status')}, {mine.getheader('Cache-Control')}"
          f" ({'private and correct' if private and 'Log out' in body else 'WRONG'})")  # fmt: skip
    print(f"errors: {sum(r.errors for r in rows)}")


if __name__ == "__main__":
    main()
