"""The course a server process serves, reloaded as soon as a content file changes.

Each server process loads the course when it starts (a command only when it
needs it: `omnicourse users` never does), reading parsed modules back from
`instance/content/parsed/` when their files have not changed; then a watcher
thread (started in the process that serves, so each worker has its own)
reloads what changed within a fraction of a second and swaps the new course
in. Requests never parse anything; each one keeps the course it started
with. One process of the instance also reports new problems in the log and
starts the background rebuild of changed audio and PDFs (see `app.rebuild`).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from flask import Flask, abort, current_app, g, has_request_context

from course import ContentError, Course, Resolved, Section
from course.catalog import ContentLoader
from course.parse_cache import ParseCache
from course.store import ContentStore
from course.translation import missing_catalogues

log = logging.getLogger(__name__)


class LiveContent:
    """The current course of one app, and the loader that refreshes it."""

    def __init__(self, app: Flask) -> None:
        self.content_dir = Path(app.config["CONTENT_DIR"]).resolve()
        self.translations_dir = Path(app.config["TRANSLATIONS_DIR"])
        self.interface_locale = app.config["BABEL_DEFAULT_LOCALE"]
        self.store = ContentStore(Path(app.instance_path) / "content")
        self.cache = ParseCache(Path(app.instance_path) / "content" / "parsed")
        self.loader = ContentLoader(self.content_dir, self.store, self.cache)
        self.on_change: list = []  # callables(old, new) run after each reload that changed
        self.on_watch: list = []  # callables(course) run when a process starts watching
        self._lock = threading.Lock()
        self._watching_pid: int | None = None
        self._stop = threading.Event()
        self._course: Course | None = None
        if not app.config.get("CONTENT_ON_DEMAND"):
            self._course = self._load()  # a server starts with its course (and its last good)

    @property
    def course(self) -> Course:
        """The course, loaded on first use."""
        if self._course is None:
            with self._lock:
                if self._course is None:
                    self._course = self._load()
        return self._course

    def _load(self) -> Course:
        course = self.loader.load()
        course.errors += missing_catalogues(course, self.translations_dir, self.interface_locale)
        return course

    def refresh(self) -> Course:
        """Reload what changed on disk, swap it in, and tell the listeners."""
        old = self.course
        with self._lock:
            try:
                new = self._load()
            except ContentError as error:  # course.yaml itself is gone
                log.warning("content problem: %s", error)
                return old
            self._course = new
        if new.version != old.version:
            for listener in self.on_change:
                listener(old, new)
        return new

    def watch(self) -> None:
        """Start the watcher thread in this process (again after a fork), if not running."""
        if self._watching_pid == os.getpid():
            return
        with self._lock:
            if self._watching_pid == os.getpid():
                return
            self._watching_pid = os.getpid()
            self._stop = threading.Event()
            thread = threading.Thread(target=self._watch, name="content-watcher", daemon=True)
            thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        import watchfiles

        self.refresh()  # what changed since this process loaded the course
        self.cache.prune()  # parses of files that have changed since
        for listener in self.on_watch:
            listener(self.course)
        folders = [str(self.content_dir)]
        if self.translations_dir.is_dir():
            folders.append(str(self.translations_dir))
        first = True
        try:
            for changes in watchfiles.watch(
                *folders, debounce=150, step=50, stop_event=self._stop, rust_timeout=1000,
                yield_on_timeout=True, ignore_permission_denied=True,
            ):  # fmt: skip
                # The first answer (a change, or a second without one) comes once the
                # watch is in place: refreshing then also catches what changed between
                # the refresh above and the start of the watch.
                if changes or first:
                    self.refresh()
                first = False
        except Exception:  # the folder vanished, or inotify is not available
            log.exception("content watcher stopped; content changes need a restart")


def init_app(app: Flask) -> None:
    live = LiveContent(app)
    app.extensions["content"] = live
    if app.config.get("CONTENT_WATCH", True):
        app.before_request(live.watch)  # in the process that serves, not the one that forked
    app.context_processor(_template_context)


def _template_context() -> dict:
    """The content's version, and what only staff see on every page: its problems."""
    from flask_login import current_user

    course = get_course()
    staff = current_user.is_authenticated and current_user.has_role("instructor", "translator")
    return {
        "content_version": course.version,
        "content_problems": problem_list(course) if staff else [],
    }


def live_content() -> LiveContent:
    return current_app.extensions["content"]


def get_course() -> Course:
    """The course; a request sees the same one from start to end, whatever reloads."""
    if not has_request_context():
        return live_content().course
    if "course" not in g:
        g.course = live_content().course
    return g.course


def problem_places(course: Course) -> list[tuple[str, str]]:
    """Each problem as (`content/en/x.md:5`, message): paths from the content folder's parent,
    so nothing shows where the server keeps its files."""
    root = course.content_dir.resolve().parent
    found = []
    for error in course.errors:
        path = error.path.resolve()
        name = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
        found.append((f"{name}:{error.line}", error.message))
    return found


def problem_message(error: ContentError) -> tuple[str, bool]:
    """The problem's message in the request's interface language, and whether it is in that
    language (False: the English text, for want of a translation or outside a request)."""
    if not has_request_context():
        return error.message, False
    from flask_babel import get_locale, get_translations

    locale = get_locale()
    if locale is None or locale.language == "en":
        return error.message, True
    translated = get_translations().gettext(error.template)
    if translated == error.template:
        return error.message, False
    try:
        return (translated % error.params if error.params else translated), True
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return error.message, False


def problem_list(course: Course) -> list[tuple[str, str, bool]]:
    """Each problem as (`content/en/x.md:5`, message, in the reader's language)."""
    return [
        (where, *problem_message(error))
        for (where, _), error in zip(problem_places(course), course.errors, strict=True)
    ]


def problems(course: Course) -> list[str]:
    """The course's problems as `file:line: message`."""
    return [f"{where}: {message}" for where, message in problem_places(course)]


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
