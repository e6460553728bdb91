"""Shared response helpers: shared and private pages, JSON, 429s, safe redirects, ids.

A shared page is the same for every anonymous learner: rendered once, cached
and conditional. It runs no database query and sets no cookie, so a shared
cache or CDN may keep it; a signed-in learner gets a private copy instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    has_request_context,
    jsonify,
    make_response,
    render_template,
    request,
    send_file,
)
from werkzeug.routing import BaseConverter

from app.content import get_course
from app.page_cache import SHARED_MARKER

MAX_CACHED_PAGES = 512
ONE_YEAR = 365 * 24 * 3600  # seconds: long-lived cookies, files under a hashed URL


class IdConverter(BaseConverter):
    """`<id:name>`: a database id in a URL (1 to 18 ASCII digits), anything else is a 404."""

    regex = r"[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    app.before_request(_upload_limit)  # before the CSRF check reads the body
    app.extensions["page_cache"] = {}
    app.extensions["build_id"] = _build_id(app)


def accepts_upload(size_setting: str) -> Callable:
    """Let a view receive a body up to the config's `size_setting` bytes (files), instead
    of MAX_CONTENT_LENGTH; anything bigger is a 413 before the view runs."""

    def decorator(view: Callable) -> Callable:
        view.upload_size_setting = size_setting
        return view

    return decorator


def _upload_limit() -> Any:
    """For an upload view: turn away who may not use it before the body is read, and
    raise the body limit for who may."""
    from flask_login import current_user

    from app.roles import refusal

    view = current_app.view_functions.get(request.endpoint or "")
    setting = getattr(view, "upload_size_setting", None)
    if not setting or not current_user.is_authenticated:
        return None  # anonymous: the usual limit, then the CSRF check, then the login page
    denied = refusal(getattr(view, "required_roles", ()))
    if denied is not None:
        return denied
    request.max_content_length = int(current_app.config[setting])
    return None


def _build_id(app: Flask) -> str:
    """A hash of the templates, static files and catalogues: a new release changes every ETag."""
    digest = hashlib.sha256()
    roots = [Path(app.root_path) / "templates", Path(app.static_folder or "")]
    roots.append(Path(app.config["TRANSLATIONS_DIR"]))
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(str(path.stat().st_mtime_ns).encode())
    return digest.hexdigest()[:12]


def is_anonymous_request() -> bool:
    """True when the request carries no session: nothing personal can be on the page."""
    return session_cookie_name() not in request.cookies


def cookie_name(name: str) -> str:
    """`__Host-name` over HTTPS: the browser then keeps it for this host only, Secure,
    on every path, so no other site or subdomain can set or read it."""
    return f"__Host-{name}" if has_request_context() and request.is_secure else name


def set_cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
    """Set one of the site's own cookies: HttpOnly, SameSite=Lax, Secure over HTTPS."""
    response.set_cookie(
        cookie_name(name),
        value,
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
        path="/",
    )


def session_cookie_name() -> str:
    """The name of the session cookie for this request."""
    return cookie_name(current_app.config["SESSION_COOKIE_NAME"])


def send_built_file(path: Path, **options: Any) -> Response:
    """A file made by the build (instance/build/: audio, PDFs), with ranges and conditional
    requests. Behind nginx with OMNICOURSE_ACCEL_REDIRECT (e.g. `/_built/`), nginx sends
    the file itself (X-Accel-Redirect) and the app only says which one, with its headers."""
    response = send_file(path, conditional=True, **options)
    prefix = current_app.config.get("ACCEL_REDIRECT")
    if not prefix or response.status_code not in (200, 206):
        return response  # sent here, or a 304
    response.close()
    relative = path.resolve().relative_to((Path(current_app.instance_path) / "build").resolve())
    handed = Response(status=200)
    for name in ("Content-Type", "Content-Disposition", "Cache-Control"):
        if name in response.headers:
            handed.headers[name] = response.headers[name]
    handed.headers["X-Accel-Redirect"] = f"/{prefix.strip('/')}/{relative.as_posix()}"
    return handed


def private_page(body: str | bytes, status: int = 200) -> Response:
    """A page for one person only: never kept by any cache."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def shared_page(
    template: str,
    versions: Sequence[str] = (),
    page_data: Callable[[], dict[str, Any]] | None = None,
    **context: object,
) -> Response:
    """Render `template` for everyone, or privately when the learner has a session.

    `versions` name whatever else the page shows that can change without a new
    release or new content (e.g. the audio build), so it is part of the ETag.
    `page_data` builds more of the page's context, called only when the page is
    rendered (not when the cached copy is sent).
    """

    def render() -> str:
        return render_template(template, **context, **(page_data() if page_data else {}))

    if not is_anonymous_request():
        response = make_response(render())
        response.headers["Cache-Control"] = "private, no-cache"
        response.add_etag()
        response.vary.add("Cookie")
        return response.make_conditional(request)

    key = "|".join(
        [get_course().version, current_app.extensions["build_id"], *versions, request.path]
    )
    etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache: dict[str, bytes] = current_app.extensions["page_cache"]
    body = cache.get(etag)
    if body is None:
        body = render().encode()
        if len(cache) >= MAX_CACHED_PAGES:
            cache.clear()
        cache[etag] = body
    response = make_response(body)
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['PAGE_MAX_AGE']}"
    response.set_etag(etag)
    response.vary.add("Cookie")
    if current_app.config.get("PAGE_CACHE", True):
        response.headers[SHARED_MARKER] = "1"  # app/page_cache.py keeps it, compressed
    return response.make_conditional(request)


def json_response(data: dict[str, Any], status: int = 200) -> Response:
    """JSON for one learner's script: never cached."""
    response = jsonify(data)
    response.status_code = status
    response.headers["Cache-Control"] = "private, no-store"
    return response


def too_many_requests(response: Response, seconds: int) -> Response:
    """Turn `response` into a 429 that says when to try again."""
    response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response


def is_local_path(target: str) -> bool:
    """True for a path on this site; never another site's address."""
    # Browsers drop tabs and newlines, so "/\t/x" would leave the site.
    return (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and all(c.isprintable() and not c.isspace() for c in target)
    )


def safe_next(default: str) -> str:
    """The request's `next` address if it stays on this site, else `default`."""
    target = request.values.get("next", "")
    return target if is_local_path(target) else default
