"""Safe response headers, signed-cookie sessions, keyed hashes, fingerprinted static files."""

from __future__ import annotations

import hashlib
import hmac
from functools import cache
from pathlib import Path

from flask import Flask, Response, current_app, has_request_context, request, url_for
from flask.sessions import SecureCookieSessionInterface

from app.page_cache import SHARED_MARKER
from app.web import ONE_YEAR, cookie_name

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Static files worth compressing (fonts, images and audio are compressed already).
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml",
                "application/json", "application/manifest+json", "text/plain"}  # fmt: skip
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class _SessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose cookie is `Secure` and `__Host-` whenever the request
    came over HTTPS."""

    def get_cookie_name(self, app: Flask) -> str:
        return cookie_name(app.config["SESSION_COOKIE_NAME"])

    def get_cookie_secure(self, app: Flask) -> bool:
        secure = bool(app.config["SESSION_COOKIE_SECURE"])
        return secure or (has_request_context() and request.is_secure)


def keyed_hash(text: str) -> str:
    """A hash of `text` keyed with the app's secret: unguessable, and never the text itself
    (rate-limit rows hold no addresses; a guest's draw cannot be computed from outside)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def init_app(app: Flask) -> None:
    app.session_interface = _SessionInterface()
    app.after_request(_add_headers)
    app.jinja_env.globals["static_url"] = static_url


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        if response.mimetype in COMPRESSIBLE and _is_current_version(request.args["v"]):
            response.headers[SHARED_MARKER] = "1"  # app/page_cache.py keeps it compressed
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={ONE_YEAR}")
    return response


def _is_current_version(version: str) -> bool:
    """Whether `?v=` is the static file's own hash: only then is a compressed copy kept, so
    made-up versions cannot fill the page cache."""
    path = Path(current_app.static_folder or "") / (request.view_args or {}).get("filename", "")
    return path.is_file() and version == _file_hash(path, path.stat().st_mtime_ns)


@cache
def _file_hash(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """URL of a static file carrying its content hash, so it can be cached for a year."""
    path = Path(current_app.static_folder or "") / filename
    version = _file_hash(path, path.stat().st_mtime_ns) if path.is_file() else "0"
    return url_for("static", filename=filename, v=version)
