"""Anonymous pages at the cost of a static file: kept in memory, compressed once.

A page that is the same for every anonymous learner (`web.shared_page`) is
rendered by Flask once per version of what it shows; this WSGI layer, in front
of Flask, keeps the finished response, gzip- and brotli-compressed, and answers
the next anonymous GET or HEAD for the same address straight from memory (with
`Vary: Accept-Encoding`, an ETag per encoding, and 304s), without routing, hooks
or templates. A request with a session cookie always goes to Flask, except for a
text static file (CSS, scripts, SVG) under its hashed URL: those are kept compressed
too, for everyone.

A kept page is used while its generation holds: the content's version, the
release (templates, static files, catalogues) and the state of the audio build.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import brotli
from flask import Flask

from app.proxy import BAD_HOST

SHARED_MARKER = "X-Omnicourse-Shared"  # set by web.shared_page on pages fit to keep
MAX_PAGES = 1024  # kept per worker, the least recently used dropped first
SESSION_COOKIES = ("omnicourse_session=", "__Host-omnicourse_session=")
BROTLI_QUALITY = 9  # within 1 % of the best size at a fraction of the time
BUILD_FILES = ("audio/manifest.json", "pending.json", "progress.json")
HOP_HEADERS = {"content-length", "content-encoding", "etag", "date", SHARED_MARKER.lower()}


@dataclass
class Page:
    generation: str
    status: str
    headers: list[tuple[str, str]]
    etag: str
    gzip_body: bytes
    brotli_body: bytes


class PageCache:
    """WSGI middleware in front of the Flask app (install it first: others wrap it)."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Any]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.build_dir = Path(app.instance_path) / "build"
        self.pages: OrderedDict[str, Page] = OrderedDict()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable:
        method = environ.get("REQUEST_METHOD")
        personal = _has_session(environ) and not _is_hashed_static(environ)
        if method not in ("GET", "HEAD") or personal or environ.get(BAD_HOST):
            return self.wsgi_app(environ, start_response)  # Flask answers (a bad host: 400)
        key = _key(environ)
        generation = self.generation()
        page = self.pages.get(key)
        if page is not None and page.generation == generation:
            with self.lock:
                if key in self.pages:
                    self.pages.move_to_end(key)
            return _answer(page, environ, start_response, head=method == "HEAD")
        return self._render(key, generation, environ, start_response)

    def generation(self) -> str:
        """What a kept page depends on besides its address."""
        content = self.app.extensions["content"].course.version
        return f"{content}|{self.app.extensions['build_id']}|{self._build_state()}"

    def _build_state(self) -> str:
        """The audio build's files, and whether a build is running (its pages say so)."""
        stamps = []
        for name in BUILD_FILES:
            path = self.build_dir / name
            try:
                stamp = str(path.stat().st_mtime_ns)
            except OSError:
                stamp = "-"
            if stamp != "-" and name != BUILD_FILES[0]:
                stamp += "+" if _writer_alive(path) else "x"
            stamps.append(stamp)
        return ",".join(stamps)

    def _render(self, key: str, generation: str, environ: dict, start_response) -> Iterable:
        """Ask Flask; keep the answer if it is a shared page, and answer from what is kept."""
        if environ["REQUEST_METHOD"] == "HEAD":  # no body to keep: Flask answers it all

            def without_marker(status: str, headers: list[tuple[str, str]], exc_info=None):
                kept = [(n, v) for n, v in headers if n != SHARED_MARKER]
                return start_response(status, kept, exc_info)

            return self.wsgi_app(environ, without_marker)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info=None):
            captured["status"], captured["headers"] = status, headers
            if not _is_shared(headers):
                return start_response(status, headers, exc_info)
            return lambda data: None  # a shared page is sent below, from the kept copy

        body = self.wsgi_app(environ, capture)
        headers = captured.get("headers", [])
        if not _is_shared(headers):
            return body  # not a page for everyone: as Flask sent it
        try:
            html = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        status = captured["status"]
        if not status.startswith("200"):  # a 304 to a conditional request: nothing to keep
            start_response(status, [(n, v) for n, v in headers if n != SHARED_MARKER])
            return [html]
        page = _page(generation, status, headers, html)
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > MAX_PAGES:
                self.pages.popitem(last=False)
        return _answer(page, environ, start_response, head=False)


def _is_shared(headers: list[tuple[str, str]]) -> bool:
    names = {name.lower() for name, _ in headers}
    return SHARED_MARKER.lower() in names and "set-cookie" not in names


def _page(generation: str, status: str, headers: list[tuple[str, str]], html: bytes) -> Page:
    kept = [(n, v) for n, v in headers if n.lower() not in HOP_HEADERS and n.lower() != "vary"]
    vary = {v.strip() for n, value in headers if n.lower() == "vary" for v in value.split(",")}
    kept.append(("Vary", ", ".join(sorted(vary | {"Accept-Encoding"}))))
    etag = next((v for n, v in headers if n.lower() == "etag"), "")
    etag = etag.removeprefix("W/").strip('"')
    return Page(
        generation=generation,
        status=status,
        headers=kept,
        etag=etag,
        gzip_body=gzip.compress(html, compresslevel=9, mtime=0),
        brotli_body=brotli.compress(html, quality=BROTLI_QUALITY),
    )


def _answer(page: Page, environ: dict, start_response, head: bool) -> Iterable[bytes]:
    encoding = _encoding(environ.get("HTTP_ACCEPT_ENCODING", ""))
    if encoding == "br":
        body, suffix = page.brotli_body, "-br"
    elif encoding == "gzip":
        body, suffix = page.gzip_body, "-gzip"
    else:
        body, suffix = gzip.decompress(page.gzip_body), ""
    etag = f'"{page.etag}{suffix}"'
    headers = [*page.headers, ("ETag", etag)]
    if encoding:
        headers.append(("Content-Encoding", encoding))
    if _matches(environ.get("HTTP_IF_NONE_MATCH", ""), page.etag):
        start_response("304 Not Modified", [(n, v) for n, v in headers if n != "Content-Type"])
        return []
    start_response(page.status, [*headers, ("Content-Length", str(len(body)))])
    return [] if head else [body]


def _encoding(accepted: str) -> str:
    """br, gzip or identity, as the client accepts (q=0 refuses)."""
    offered = {}
    for item in accepted.lower().split(","):
        name, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        offered[name.strip()] = quality
    for name in ("br", "gzip"):
        if offered.get(name, offered.get("*", 0)) > 0:
            return name
    return ""


def _matches(if_none_match: str, etag: str) -> bool:
    """Whether the client's copy is this page, in any of its encodings."""
    if not if_none_match or not etag:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip().removeprefix("W/").strip('"')
        if tag == "*" or tag.removesuffix("-br").removesuffix("-gzip") == etag:
            return True
    return False


def _has_session(environ: dict) -> bool:
    cookies = environ.get("HTTP_COOKIE", "")
    return any(name in cookies for name in SESSION_COOKIES)


def _key(environ: dict) -> str:
    """The page's address. Not its query string: a shared page does not depend on one (see
    web.shared_page), and `?1`, `?2`… must not make the worker compress a page each time.
    A static file under its hashed URL (`?v=`) is kept per version."""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    version = environ.get("QUERY_STRING", "") if _is_hashed_static(environ) else ""
    return f"{environ.get('wsgi.url_scheme', 'http')}|{path}|{version}"


def _is_hashed_static(environ: dict) -> bool:
    """A static file asked for by its content hash: the same for everyone, session or not."""
    return environ.get("PATH_INFO", "").startswith("/static/") and environ.get(
        "QUERY_STRING", ""
    ).startswith("v=")


def _writer_alive(path: Path) -> bool:
    try:
        os.kill(int(json.loads(path.read_text())["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def init_app(app: Flask) -> None:
    if app.config.get("PAGE_CACHE", True):
        app.wsgi_app = PageCache(app, app.wsgi_app)  # type: ignore[method-assign]
