"""Audio and PDFs built in the background: at start, and after each content change.

`omnicourse serve` listens at once and starts `omnicourse build --background`
beside it. Every server process reloads content on its own, but only one of
them, the one holding `instance/content/reporter.lock`, logs new problems and
starts the rebuild of what changed, so a problem is printed once. Builds run
in a child process (the servers keep serving), one at a time across the
instance (`instance/build/build.lock`). `instance/build/pending.json` names
the modules a server is about to rebuild and `progress.json` those the running
build is making, with how far it is, so their pages and /healthz can say so.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from flask import Flask, current_app

from app.content import LiveContent, problems
from course import Course

log = logging.getLogger("app.content")

PENDING = "pending.json"
PROGRESS = "progress.json"
BUILD_LOCK = "build.lock"
CHILD_CONFIG = ("CONTENT_DIR", "TRANSLATIONS_DIR", "TTS_ENGINES", "PDF_PAGE_SIZE", "PDF_FONTS_CSS")


class Reporter:
    """Logs problems and rebuilds for the instance, if this process holds the lock."""

    def __init__(self, app: Flask, live: LiveContent) -> None:
        self.instance = Path(app.instance_path)
        self.build_on_change = bool(app.config.get("BUILD_ON_CHANGE", True))
        self.child_env = child_environment(app)
        self._lock_pid: int | None = None
        self._build_lock = threading.Lock()
        self._build_again = False
        self._building = False
        live.on_change.append(self.changed)
        live.on_watch.append(self.started)

    def elected(self) -> bool:
        if self._lock_pid == os.getpid():
            return True
        path = self.instance / "content" / "reporter.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # held for the process's life
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            return False
        self._lock_pid = os.getpid()
        return True

    def started(self, course: Course) -> None:
        """The watcher started: say what is wrong now."""
        if self.elected():
            for line in problems(course):
                log.warning("content problem: %s", line)

    def changed(self, old: Course, new: Course) -> None:
        if not self.elected():
            return
        before, after = set(problems(old)), problems(new)
        for line in after:
            if line not in before:
                log.warning("content problem: %s", line)
        for line in sorted(before - set(after)):
            log.warning("content problem fixed: %s", line)
        changed = changed_modules(old, new)
        if changed:
            log.warning("content reloaded: %s", ", ".join(changed))
            if self.build_on_change:
                self.rebuild(changed)

    def rebuild(self, modules: list[str]) -> None:
        """Run the build in a child process; a change during a build queues one more."""
        with self._build_lock:
            self._write_pending(modules)
            if self._building:
                self._build_again = True
                return
            self._building = True
        threading.Thread(target=self._build, name="content-rebuild", daemon=True).start()

    def _build(self) -> None:
        while True:
            command = _build_command()
            done = subprocess.run(command, env=self.child_env, capture_output=True, check=False)
            if done.returncode != 0:
                log.warning("background build failed: %s", done.stderr.decode()[-2000:])
            with self._build_lock:
                if not self._build_again:
                    self._building = False
                    (self.instance / "build" / PENDING).unlink(missing_ok=True)
                    return
                self._build_again = False

    def _write_pending(self, modules: list[str]) -> None:
        path = self.instance / "build" / PENDING
        path.parent.mkdir(parents=True, exist_ok=True)
        earlier = pending_modules(self.instance) if self._building else set()
        data = {"pid": os.getpid(), "modules": sorted(earlier | set(modules))}
        temp = path.with_name(f".{PENDING}.{os.getpid()}.tmp")
        temp.write_text(json.dumps(data))
        os.replace(temp, path)


def changed_modules(old: Course, new: Course) -> list[str]:
    """`locale/slug` of each module that is new, shows something else than before, or
    whose human recordings changed."""
    changed = []
    for locale, modules in new.modules.items():
        for slug, module in modules.items():
            before = old.modules.get(locale, {}).get(slug)
            name = f"{locale}/{slug}"
            recorded = old.recordings.get(name) != new.recordings.get(name)
            if before is None or before.content_hash != module.content_hash or recorded:
                changed.append(name)
    return sorted(changed)


def _alive_json(path: Path) -> dict:
    """A JSON file written by a process that is still running (else empty)."""
    try:
        data = json.loads(path.read_text())
        os.kill(int(data["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def pending_modules(instance: Path | str) -> set[str]:
    """The modules a background build is about to make, or making, audio and PDFs for."""
    found: set[str] = set()
    for name in (PENDING, PROGRESS):
        found |= {str(m) for m in _alive_json(Path(instance) / "build" / name).get("modules", [])}
    return found


def build_progress(instance: Path | str) -> dict | None:
    """How far the running build is: {"done", "total", "current"}; None when none runs."""
    data = _alive_json(Path(instance) / "build" / PROGRESS)
    if not data:
        return None
    return {key: data.get(key) for key in ("done", "total", "current")}


def write_progress(instance: Path, modules: list[str], done: int, total: int, current: str) -> None:
    """Written by the running build after each file (and removed at its end)."""
    path = instance / "build" / PROGRESS
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"pid": os.getpid(), "modules": modules, "done": done, "total": total,
            "current": current}  # fmt: skip
    temp = path.with_name(f".{PROGRESS}.{os.getpid()}.tmp")
    temp.write_text(json.dumps(data))
    os.replace(temp, path)


def end_progress(instance: Path) -> None:
    (instance / "build" / PROGRESS).unlink(missing_ok=True)


@contextlib.contextmanager
def one_build_at_a_time(instance: Path) -> Iterator[None]:
    """Hold the instance's build lock: a second build waits, then finds little left to do."""
    path = instance / "build" / BUILD_LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def start_background_build(app: Flask) -> subprocess.Popen:
    """Build what is missing or out of date in a child process, logging each file; the
    caller goes on at once (`omnicourse serve` listens meanwhile)."""
    child = subprocess.Popen(_build_command("--background"), env=child_environment(app))
    atexit.register(_stop, child)
    # Until the child has planned its work, /healthz already says a build is on its way.
    path = Path(app.instance_path) / "build" / PROGRESS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": child.pid, "modules": [], "done": 0, "total": None}))
    return child


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.terminate()


def _build_command(*options: str) -> list[str]:
    return [sys.executable, "-c", "from app.cli import main; main()", "build", *options]


def child_environment(app: Flask) -> dict[str, str]:
    """The app's settings for a child `omnicourse build`."""
    return {
        **os.environ,
        "OMNICOURSE_INSTANCE_PATH": str(Path(app.instance_path)),
        "OMNICOURSE_BUILD_ON_CHANGE": "false",
        **{
            f"OMNICOURSE_{key}": str(app.config[key])
            for key in CHILD_CONFIG
            if app.config.get(key) is not None
        },
    }


def is_being_rebuilt(locale: str, slug: str) -> bool:
    return f"{locale}/{slug}" in pending_modules(current_app.instance_path)


def init_app(app: Flask) -> None:
    live = app.extensions["content"]
    Reporter(app, live)
    if app.config.get("LIVE_RELOAD") and app.config.get("CONTENT_WATCH", True):
        live.watch()  # `omnicourse run`: report problems before any page is asked for
