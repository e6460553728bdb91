"""Parsed modules kept on disk, keyed by what they are made from, so a process that
starts (a server worker, a command) reads them back instead of rendering Markdown.

The key is a hash of the file's bytes, its path and locale, and the parser's own
version: the source of this package and the versions of the Markdown libraries.
Change any of them and the module is parsed again. Entries no load uses any more
are removed by `prune`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from functools import cache
from importlib import metadata
from pathlib import Path

from course.model import Module

log = logging.getLogger(__name__)

LIBRARIES = ("markdown", "pymdown-extensions", "nh3", "pyyaml")


@cache
def parser_version() -> str:
    """A hash of everything that decides how a file is parsed."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(source.read_bytes())
    for name in LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(name.encode())
    return digest.hexdigest()[:16]


class ParseCache:
    """One pickle file per parsed module in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.used: set[str] = set()

    @staticmethod
    def key(path: Path, locale: str, data: bytes) -> str:
        digest = hashlib.sha256(f"{parser_version()}|{locale}|{path}|".encode())
        digest.update(data)
        return digest.hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> Module | None:
        self.used.add(key)
        try:
            module = pickle.loads(self._file(key).read_bytes())
        except FileNotFoundError:
            return None
        except Exception:  # a torn or foreign file: parse again and replace it
            log.warning("cannot read the parsed module %s; parsing again", key)
            return None
        return module if isinstance(module, Module) else None

    def put(self, key: str, module: Module) -> None:
        self.used.add(key)
        target = self._file(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temp.write_bytes(pickle.dumps(module, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(temp, target)  # another process reads a whole file or none
        except OSError as error:  # a read-only instance: parse each time, no harm done
            log.warning("cannot keep the parsed module: %s", error)

    def prune(self) -> None:
        """Remove what no load of this process has used (older versions of files)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.glob("*/*.pickle"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)
