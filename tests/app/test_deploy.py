"""deploy/nginx.conf, as shipped, in front of `omnicourse serve`: HTTPS, cookies, addresses.

Runs Debian's nginx with a self-signed certificate on the loopback (skipped with
the reason when nginx or openssl is missing; `.ci/system-deps` installs both).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import ssl
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.bench.nginx import HOST, certificate, nginx, site_config
from tests.bench.server import free_port, running_server
from tests.conftest import OFFLINE_BUILD
from tests.learners import PASSWORD

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed"),
    pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is not installed"),
]


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
        "OMNICOURSE_ACCEL_REDIRECT": "/_built/",
        "OMNICOURSE_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    shutil.copytree(built_course.build, tmp_path / "instance" / "build", copy_function=os.link)
    http_port, https_port = free_port(), free_port()
    with running_server(env=env) as app_port:
        cache, build = tmp_path / "cache", tmp_path / "instance" / "build"
        site = site_config(app_port, http_port, https_port, cert, key, cache, build)
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

            # Pages for everyone are kept by nginx, one copy per encoding.
            brotli = {"Accept-Encoding": "br"}
            first = browser.request("GET", "/en/modules/benefits-and-challenges/", headers=brotli)
            again = browser.request("GET", "/en/modules/benefits-and-challenges/", headers=brotli)
            assert first[1]["x-cache-status"] == ["MISS"] and again[1]["x-cache-status"] == ["HIT"]
            assert again[1]["content-encoding"] == ["br"]
            plain = browser.request("GET", "/en/modules/benefits-and-challenges/")
            assert "Benefits" in plain[2] and "content-encoding" not in plain[1]

            # Audio and PDFs are sent by nginx (X-Accel-Redirect), ranges included.
            status, headers, _ = browser.request(
                "GET", "/en/modules/principles/audio.mp3", headers={"Range": "bytes=0-99"}
            )
            assert status == 206 and headers["content-length"] == ["100"]
            assert headers["content-type"] == ["audio/mpeg"]
            status, headers, _ = browser.request("GET", "/en/modules/principles.pdf")
            assert status == 200 and headers["content-type"] == ["application/pdf"]
            assert "attachment" in headers["content-disposition"][0]

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
            # Signed in, a page is the learner's own: never from nginx's copy, never kept.
            mine = browser.request("GET", "/en/modules/benefits-and-challenges/", headers=brotli)
            assert mine[1]["x-cache-status"] == ["BYPASS"]
            assert mine[1]["cache-control"] == ["private, no-cache"]

            # Failed logins count per learner address, which nginx passes on and nobody forges.
            guesser = Client(https_port, cert, source="127.0.0.2")
            assert [guesser.login("wrong password") for _ in range(3)] == [400, 400, 429]
            forged = {"X-Forwarded-For": "198.51.100.77"}
            assert guesser.login("wrong password", headers=forged) == 429
            other = Client(https_port, cert, source="127.0.0.3")
            assert other.login() == 302

            assert browser.request("GET", "/en/", host="evil.example")[0] == 400
