"""Where a request really comes from, and the one address links sent away may use.

Behind a reverse proxy, `OMNICOURSE_PROXY_FIX_X_FOR` (and `_X_PROTO`, `_X_HOST`,
`_X_PORT`, `_X_PREFIX`) say how many proxies set each `X-Forwarded-*` header;
Werkzeug's ProxyFix then gives the app the client's address (for rate limits)
and scheme (for `Secure` cookies and HSTS). Nothing is trusted by default.

The Host header is never used for an absolute URL: links in emails and on
certificates use `OMNICOURSE_SERVER_NAME` (e.g. `https://course.example.org`).
A Host that is not a well-formed name is answered with a 400 before Flask
routes the request; when SERVER_NAME is set, so is any host not listed in it
or in `OMNICOURSE_TRUSTED_HOSTS` (the loopback names are always allowed, for
health checks on the machine itself).
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, abort, current_app, request, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger(__name__)

PROXY_FIX = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
BAD_HOST = "omnicourse.bad_host"
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PORT = re.compile(r"^[0-9]{1,5}$")


def init_app(app: Flask) -> None:
    _read_server_name(app)
    trusted = _trusted_hosts(app)
    app.config["TRUSTED_HOSTS"] = None  # checked below, before Flask can fail on a bad name
    app.extensions["trusted_hosts"] = trusted
    app.wsgi_app = HostGuard(app.wsgi_app, trusted)  # type: ignore[method-assign]
    counts = {name: int(app.config.get(f"PROXY_FIX_{name.upper()}") or 0) for name in PROXY_FIX}
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **counts)  # type: ignore[method-assign]
    app.before_request(_refuse_bad_host)
    app.after_request(_relative_redirects)


def _read_server_name(app: Flask) -> None:
    """SERVER_NAME may be a whole address (`https://course.example.org`): split off its scheme."""
    value = str(app.config.get("SERVER_NAME") or "").strip().rstrip("/")
    if not value:
        app.config["SERVER_NAME"] = None
        return
    if "://" in value:
        parts = urlsplit(value)
        app.config["PREFERRED_URL_SCHEME"] = parts.scheme
        value = parts.netloc
    app.config["SERVER_NAME"] = value


def _trusted_hosts(app: Flask) -> tuple[str, ...] | None:
    """The host names requests may carry, or None for any well-formed one."""
    server_name = app.config.get("SERVER_NAME")
    extra = app.config.get("TRUSTED_HOSTS") or []
    if isinstance(extra, str):
        extra = extra.split(",")
    names = [str(name).strip().lower() for name in extra if str(name).strip()]
    if not server_name and not names:
        return None
    if server_name:
        names.append(split_host(server_name.lower())[0])
    return tuple(dict.fromkeys([*names, *LOOPBACK_HOSTS]))


def split_host(host: str) -> tuple[str, str | None]:
    """`name:port` (or `[v6]:port`) as (name, port)."""
    if host.startswith("[") and "]" in host:
        name, _, rest = host[1:].partition("]")
        return name, rest[1:] if rest.startswith(":") else None
    name, colon, port = host.rpartition(":")
    if colon and ":" not in name:
        return name, port
    return host, None


def well_formed(host: str) -> bool:
    """A DNS name (labels of 1-63 letters, digits and hyphens) or an IP address, and a port."""
    if not host or len(host) > 261 or not host.isascii():
        return False
    name, port = split_host(host.lower())
    if port is not None and not (_PORT.match(port) and 0 < int(port) < 65536):
        return False
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    labels = name.rstrip(".").split(".")
    return len(name) <= 253 and all(_LABEL.match(label) for label in labels)


def host_allowed(host: str, trusted: Iterable[str] | None) -> bool:
    if not well_formed(host):
        return False
    if trusted is None:
        return True
    name = split_host(host.lower())[0].rstrip(".")
    return any(name == t or (t.startswith(".") and name.endswith(t)) for t in trusted)


class HostGuard:
    """WSGI middleware: a request whose Host is malformed or not trusted is routed as
    if it came to a safe name, marked, and answered with a 400 by the app (in the
    learner's language, with working links) instead of failing inside Flask."""

    def __init__(self, wsgi_app: Callable[..., Any], trusted: tuple[str, ...] | None) -> None:
        self.wsgi_app = wsgi_app
        self.trusted = trusted

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        host = environ.get("HTTP_HOST")
        if host is not None and not host_allowed(host, self.trusted):
            log.info("refused a request for the host %r", host[:80])
            environ[BAD_HOST] = True
            environ["HTTP_HOST"] = self.trusted[0] if self.trusted else "localhost"
        return self.wsgi_app(environ, start_response)


def _refuse_bad_host() -> None:
    if request.environ.get(BAD_HOST):
        abort(400)


def _relative_redirects(response: Response) -> Response:
    """Redirects to this site name no host (Werkzeug's /en → /en/ writes the Host header's)."""
    location = response.headers.get("Location")
    if location and "://" in location:
        parts = urlsplit(location)
        if parts.netloc == request.host:
            response.headers["Location"] = urlunsplit(
                ("", "", parts.path, parts.query, parts.fragment)
            )
    return response


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for a link that leaves the site (an email, a printed certificate).

    It uses OMNICOURSE_SERVER_NAME, never the request's Host header; without it,
    the address the server was started on (`http://127.0.0.1:8000` by default).
    """
    return public_base_url() + url_for(endpoint, **values)  # the path has any script prefix


def public_base_url() -> str:
    config = current_app.config
    server_name = config.get("SERVER_NAME") or config.get("LOCAL_SERVER_NAME")
    if not server_name:
        server_name = "127.0.0.1:8000"
        if not current_app.extensions.get("warned_server_name"):
            current_app.extensions["warned_server_name"] = True
            log.warning(
                "OMNICOURSE_SERVER_NAME is not set: links in emails and on certificates "
                "point to http://%s; set it to the address learners use",
                server_name,
            )
    scheme = config.get("PREFERRED_URL_SCHEME") or "http"
    return f"{scheme}://{server_name}"
