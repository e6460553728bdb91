"""What the course keeps beside the content folder: last good files and old source texts.

`last-good/<locale>/<file>` holds the newest version of each module file that
parsed, so a file that breaks keeps being served (and survives a restart).
`parts/<hash>.md` holds the text of every source part ever loaded, by its
hash, so a translator can see what changed since a translation was made.
Every write goes to a temporary file that is then renamed: several server
processes may write the same file at once, and a reader never sees half of it.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

PART_HASH = re.compile(r"^[0-9a-f]{12}$")


class ContentStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def save_good(self, relative: str, data: bytes) -> None:
        """Remember `data` as the last good version of `relative` (e.g. `en/01-x.md`)."""
        path = self.root / "last-good" / relative
        if _read(path) != data:
            _write_atomic(path, data)

    def last_good(self, relative: str) -> bytes | None:
        return _read(self.root / "last-good" / relative)

    def save_part(self, part_hash: str, text: str) -> None:
        path = self.root / "parts" / f"{part_hash}.md"
        if PART_HASH.match(part_hash) and not path.exists():
            _write_atomic(path, text.encode())

    def part(self, part_hash: str) -> str | None:
        if not PART_HASH.match(part_hash):
            return None
        data = _read(self.root / "parts" / f"{part_hash}.md")
        return data.decode("utf-8", errors="replace") if data is not None else None


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Write `data` to a temporary file beside `path`, then rename it into place, so a
    reader sees the whole file or none; `durable` also waits until it is on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _write_atomic(path: Path, data: bytes) -> None:
    # A read-only instance folder: serve on, only without the safety net.
    with contextlib.suppress(OSError):
        write_atomic(path, data, durable=False)
