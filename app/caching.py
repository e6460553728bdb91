"""Pages that are the same for every anonymous learner: rendered once, cached, conditional.

Such a page runs no database query and sets no cookie, so a shared cache or
CDN may keep it; a signed-in learner gets a private copy instead.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, current_app, make_response, render_template, request

from app.content import get_course

MAX_CACHED_PAGES = 512


def init_app(app: Flask) -> None:
    app.extensions["page_cache"] = {}
    app.extensions["build_id"] = _build_id(app)


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
    config = current_app.config
    return (
        config["SESSION_COOKIE_NAME"] not in request.cookies
        and config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies
    )


def private_page(body: str | bytes, status: int = 200) -> Response:
    """A page for one person only: never kept by any cache."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def shared_page(template: str, **context: object) -> Response:
    """Render `template` for everyone, or privately when the learner has a session."""
    if not is_anonymous_request():
        response = make_response(render_template(template, **context))
        response.headers["Cache-Control"] = "private, no-cache"
        response.add_etag()
        response.vary.add("Cookie")
        return response.make_conditional(request)

    # Features whose built files show on pages (e.g. audio) register a version here.
    versions = [version() for version in current_app.extensions.get("page_versions", ())]
    key = "|".join(
        [get_course().version, current_app.extensions["build_id"], *versions, request.path]
    )
    etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache: dict[str, bytes] = current_app.extensions["page_cache"]
    body = cache.get(etag)
    if body is None:
        body = render_template(template, **context).encode()
        if len(cache) >= MAX_CACHED_PAGES:
            cache.clear()
        cache[etag] = body
    response = make_response(body)
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['PAGE_MAX_AGE']}"
    response.set_etag(etag)
    response.vary.add("Cookie")
    return response.make_conditional(request)
