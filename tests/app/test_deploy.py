"""deploy/nginx.conf, as shipped, in front of `omnicourse serve`: HTTPS, cookies, addresses.

Runs Debian's nginx with a self-signed certificate on the loopback (skipped with
the reason when nginx or openssl is missing; `.ci/system-deps` installs both).
"""

from __future__ import annotations

import contextlib
import http.client
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from app.config import PROJECT_ROOT
from tests.bench.server import free_port, running_server
from tests.conftest import OFFLINE_BUILD
from tests.learners import PASSWORD

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed"),
    pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is not installed"),
]
HOST = "course.test"
SHIPPED = PROJECT_ROOT / "deploy" / "nginx.conf"


def certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def site_config(app_port: int, http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """The shipped file with its CHANGE lines filled in for this machine."""
    text = SHIPPED.read_text()
    text = text.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = re.sub(r"\n\s*listen \[::\]:\d+( ssl http2)?;", "", text)
    text = text.replace("course.example.org;", f"{HOST};")
    text = re.sub(r"ssl_certificate .*;", f"ssl_certificate {cert};", text)
    text = re.sub(r"ssl_certificate_key .*;", f"ssl_certificate_key {key};", text)
    return text.replace("/srv/omnicourse/static/", f"{PROJECT_ROOT / 'static'}/")


@contextlib.contextmanager
def nginx(folder: Path, site: str) -> Iterator[None]:
    folder.mkdir()
    (folder / "site.conf").write_text(site)
    (folder / "nginx.conf").write_text(
        f"""user root;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    include {folder}/site.conf;
}}
"""
    )
    process = subprocess.Popen(
        ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not (folder / "nginx.pid").exists():  # written once it listens
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stderr.close()


class Client:
    """One browser: HTTPS to nginx from a loopback address of its own, with its cookies."""

    def __init__(self, port: int, cert: Path, source: str = "127.0.0.1") -> None:
        self.port, self.source = port, source
        self.context = ssl.create_default_context(cafile=str(cert))
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, host: str = HOST,
                headers: dict | None = None) -> tuple[int, dict[str, list[str]], str]:  # fmt: skip
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.port, context=self.context, source_address=(self.source, 0),
            timeout=30,
        )  # fmt: skip
        sent = {"Host": host, "Referer": f"https://{HOST}{path}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        with contextlib.closing(connection):
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            found: dict[str, list[str]] = {}
            for name, value in response.getheaders():
                found.setdefault(name.lower(), []).append(value)
        for cookie in found.get("set-cookie", []):
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, found, text

    def login(self, password: str = PASSWORD, headers: dict | None = None) -> int:
        _, _, page = self.request("GET", "/auth/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = {"csrf_token": token, "email": "ada@example.com", "password": password}
        return self.request("POST", "/auth/login", form, headers=headers)[0]


def test_the_shipped_nginx_recipe_serves_the_course_safely(tmp_path, built_course):
    cert, key = certificate(tmp_path)
    env = {
        **{f"OMNICOURSE_{k}": v for k, v in OFFLINE_BUILD.items()},
        "OMNICOURSE_SERVER_NAME": f"https://{HOST}",
        "OMNICOURSE_PROXY_FIX_X_FOR": "1",
        "OMNICOURSE_PROXY_FIX_X_PROTO": "1",
        "OMNICOURSE_PROXY_FIX_X_HOST": "1",
        "OMNICOURSE_LOGIN_FAILURES_PER_ADDRESS": "2",
    }
    http_port, https_port = free_port(), free_port()
    with running_server(env=env, prebuilt=built_course.build) as app_port:
        site = site_config(app_port, http_port, https_port, cert, key)
        with nginx(tmp_path / "nginx", site):
            plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=30)
            with contextlib.closing(plain):
                plain.request("GET", "/en/", headers={"Host": HOST})
                redirect = plain.getresponse()
                assert redirect.status == 301
                assert redirect.getheader("Location") == f"https://{HOST}/en/"

            browser = Client(https_port, cert)
            status, headers, page = browser.request("GET", "/en/modules/principles/")
            assert status == 200 and "Principles of omnichannel" in page
            assert headers["strict-transport-security"][0].startswith("max-age=")
            style = re.search(r'href="(/static/css/site\.css\?v=[^"]+)"', page).group(1)
            status, headers, _ = browser.request("GET", style)
            assert status == 200 and "immutable" in headers["cache-control"][0]

            _, _, form = browser.request("GET", "/auth/register")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            signed_up = browser.request(
                "POST", "/auth/register",
                {"csrf_token": token, "email": "ada@example.com", "password": PASSWORD,
                 "confirm": PASSWORD},
            )  # fmt: skip
            assert signed_up[0] == 302
            assert browser.login() == 302
            session = next(c for c in browser.cookies if "omnicourse_session" in c)
            assert session == "__Host-omnicourse_session"
            assert browser.request("GET", "/auth/account")[0] == 200

            # Failed logins count per learner address, which nginx passes on and nobody forges.
            guesser = Client(https_port, cert, source="127.0.0.2")
            assert [guesser.login("wrong password") for _ in range(3)] == [400, 400, 429]
            forged = {"X-Forwarded-For": "198.51.100.77"}
            assert guesser.login("wrong password", headers=forged) == 429
            other = Client(https_port, cert, source="127.0.0.3")
            assert other.login() == 302

            assert browser.request("GET", "/en/", host="evil.example")[0] == 400
