"""The loaded course, kept on the app; Markdown is rendered once per content version."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Flask, abort, current_app, g

from course import Course, Resolved, Section, load_course


def init_app(app: Flask) -> None:
    app.extensions["course"] = load_cached(app.config["CONTENT_DIR"])


def get_course() -> Course:
    return current_app.extensions["course"]


def load_cached(content_dir: str | Path) -> Course:
    """Load the course, reusing an earlier load when no content file has changed."""
    root = Path(content_dir).resolve()
    stamp = tuple(
        (str(path), path.stat().st_mtime_ns, path.stat().st_size)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    )
    return _load(root, stamp)


@lru_cache(maxsize=8)
def _load(root: Path, stamp: tuple) -> Course:
    return load_course(root)


def resolve_module(slug: str) -> Resolved:
    """The module `slug` in the request's locale (or its source as a fallback), else a 404."""
    resolved = get_course().resolve(g.locale, slug)
    if resolved is None:
        abort(404)
    return resolved


def resolve_section(slug: str, section_id: str) -> tuple[Resolved, Section]:
    """The module `slug` and its section `section_id`, else a 404."""
    resolved = resolve_module(slug)
    section = resolved.module.section(section_id)
    if section is None:
        abort(404)
    return resolved, section
