"""After a content change: report new problems once, rebuild changed audio and PDFs.

Every server process reloads content on its own, but only one of them, the
one holding `instance/content/reporter.lock`, logs the problems and starts
the background build, so a problem is printed once and nothing is built
twice. The build runs `omnicourse build` in a child process (the servers
keep serving); `instance/build/pending.json` names the modules it is
rebuilding, so their pages can say a new audio version is being prepared.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

from flask import Flask, current_app

from app.content import LiveContent, problems
from course import Course

log = logging.getLogger("app.content")

PENDING = "pending.json"
CHILD_CONFIG = ("CONTENT_DIR", "TRANSLATIONS_DIR", "TTS_ENGINES", "PDF_PAGE_SIZE", "PDF_FONTS_CSS")


class Reporter:
    """Logs problems and rebuilds for the instance, if this process holds the lock."""

    def __init__(self, app: Flask, live: LiveContent) -> None:
        self.instance = Path(app.instance_path)
        self.build_on_change = bool(app.config.get("BUILD_ON_CHANGE", True))
        self.child_env = {
            **os.environ,
            "OMNICOURSE_INSTANCE_PATH": str(self.instance),
            "OMNICOURSE_BUILD_ON_CHANGE": "false",
            **{
                f"OMNICOURSE_{key}": str(app.config[key])
                for key in CHILD_CONFIG
                if app.config.get(key) is not None
            },
        }
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
            command = [sys.executable, "-c", "from app.cli import main; main()", "build"]
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
    """`locale/slug` of each module that is new or shows something else than before."""
    changed = []
    for locale, modules in new.modules.items():
        for slug, module in modules.items():
            before = old.modules.get(locale, {}).get(slug)
            if before is None or before.content_hash != module.content_hash:
                changed.append(f"{locale}/{slug}")
    return sorted(changed)


def pending_modules(instance: Path | str) -> set[str]:
    """The modules a background build is making audio and PDFs for now."""
    try:
        data = json.loads((Path(instance) / "build" / PENDING).read_text())
        os.kill(int(data["pid"]), 0)  # the server that started it is still running
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    return {str(m) for m in data.get("modules", [])}


def is_being_rebuilt(locale: str, slug: str) -> bool:
    return f"{locale}/{slug}" in pending_modules(current_app.instance_path)


def init_app(app: Flask) -> None:
    live = app.extensions["content"]
    Reporter(app, live)
    if app.config.get("LIVE_RELOAD") and app.config.get("CONTENT_WATCH", True):
        live.watch()  # `omnicourse run`: report problems before any page is asked for
