"""Writing an edited content file: checked, atomic, never over someone else's change.

    check_text(path, locale, text)          # the problems an edit would bring, [] when none
    publish(path, text, expected_hash)      # writes it, or raises Conflict
    commit_if_repository(content_dir, path, message, author_name, author_email)

A file is replaced in one step (a temporary file renamed over it), so the server's
watcher never reads half a file. `expected_hash` is the git blob hash of the file as
the editor first saw it ("" for a new file): when the file changed since, nothing is
written and `Conflict` carries what is there now.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from course.errors import ContentError
from course.loader import git_blob_hash, load_module

GIT_TIMEOUT_SECONDS = 30

NEW_MODULE = """\
---
slug: {slug}
title: {title}
order: {order}
eqf: "3-5"
description: >
  One paragraph: what this module is about and who it is for.
keywords: [omnichannel]
outcomes:
  first: What a learner can do after this module (start with a verb).
key_points:
  - The one idea to remember.
bibliography:
  - id: source2024
    author: Author, A.
    year: 2024
    text: "Title of the source. Publisher."
---

## The first section {{#first-section}}

The lesson text, in Markdown, citing its source [@source2024].

## Test yourself! {{#self-test .quiz}}

### A question about the first outcome. {{#q-first outcome=first}}

- [x] The right answer.
- [ ] A plausible wrong answer.
- [ ] Another plausible wrong answer.

> Why the right answer is right.
"""


def new_module_text(slug: str, title: str, order: int) -> str:
    """The starting Markdown of a new module, valid as it is, to be written over."""
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return NEW_MODULE.format(slug=slug, title=quoted, order=order)


class Conflict(Exception):
    """The file changed (or was deleted) since the editor opened it."""

    def __init__(self, current: str | None) -> None:
        super().__init__("the file changed since it was opened")
        self.current = current  # the text now on disk; None when the file is gone


def file_hash(path: Path) -> str:
    """The git blob hash of the file, or "" when there is none."""
    try:
        return git_blob_hash(path.read_bytes())
    except FileNotFoundError:
        return ""


def check_text(path: Path, locale: str, text: str) -> list[ContentError]:
    """What `omnicourse check` would report for this text as the file at `path`."""
    try:
        module = load_module(path, locale, text.encode("utf-8"))
    except ContentError as error:
        return [error]
    return list(module.problems)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One publication at a time in a content folder, across processes."""
    descriptor = os.open(folder, os.O_RDONLY)  # the folder itself: no lock file to commit
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def publish(path: Path, text: str, expected_hash: str) -> str:
    """Write `text` to `path` unless the file changed since `expected_hash`; return the new
    hash. Raises Conflict (nothing written) when it changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path.parent):
        current = file_hash(path)
        if current != expected_hash:
            raise Conflict(path.read_text(encoding="utf-8") if current else None)
        data = text.encode("utf-8")
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_bytes(data)
        os.replace(temp, path)
        return git_blob_hash(data)


def is_repository(folder: Path) -> bool:
    """True when `folder` is inside a git work tree (and git is installed)."""
    if shutil.which("git") is None:
        return False
    result = _git(folder, "rev-parse", "--is-inside-work-tree")
    return result.returncode == 0 and result.stdout.strip() == "true"


def commit_if_repository(
    folder: Path, path: Path, message: str, author_name: str, author_email: str
) -> str | None:
    """Commit `path` with the author's name when `folder` is a git work tree; return the
    commit id, or None when there is no repository or nothing changed."""
    if not is_repository(folder):
        return None
    if _git(folder, "add", "--", str(path)).returncode != 0:
        return None
    author = ["-c", f"user.name={author_name}", "-c", f"user.email={author_email}"]
    committed = _git(folder, *author, "commit", "--quiet", "--no-verify", "-m", message,
                     "--", str(path))  # fmt: skip
    if committed.returncode != 0:
        return None
    return _git(folder, "rev-parse", "HEAD").stdout.strip() or None


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=folder, capture_output=True, text=True,
        timeout=GIT_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip
