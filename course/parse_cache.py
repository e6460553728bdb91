"""Parsed modules kept on disk, keyed by what they are made from, so a process that
starts (a server worker, a command) reads them back instead of rendering Markdown.

The key is a hash of the file's bytes, its path and locale, and the parser's own
version: the source of this package and the versions of the Markdown libraries.
Change any of them and the module is parsed again.

A process serves *outlines* of the kept modules (`outline`): everything but the
long texts, which stand-ins read back from the kept file when a page needs them
(the few modules in use stay in memory). The outlines of a whole course are kept
together in an index, by each file's stamp (modification time, size, inode), so a
new process reads one file, not one per module, and does not even read the
Markdown files that have not changed. Entries no load uses any more are removed
by `prune` once they are an hour old.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time
from dataclasses import replace
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path

from course.model import Module, Question, QuizBody, SectionText
from course.store import write_atomic

log = logging.getLogger(__name__)

LIBRARIES = ("markdown", "pymdown-extensions", "nh3", "pyyaml")
MODULES_IN_MEMORY = 64  # whole modules a process keeps, the most recently read
PRUNE_AFTER_SECONDS = 3600  # a process still serving an older version may need its files

Stamp = tuple[int, int, int]


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


def file_stamp(path: Path) -> Stamp:
    info = path.stat()
    return info.st_mtime_ns, info.st_size, info.st_ino


class ParseCache:
    """One pickle file per parsed module in `folder`, and an index of their outlines."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.used: set[str] = set()
        self._index: dict[str, tuple[Stamp, str, Module]] | None = None
        self._index_changed = False

    @staticmethod
    def key(path: Path, locale: str, data: bytes) -> str:
        digest = hashlib.sha256(f"{parser_version()}|{locale}|{path}|".encode())
        digest.update(data)
        return digest.hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> Module | None:
        self.used.add(key)
        return _read_module(self._file(key))

    def put(self, key: str, module: Module) -> bool:
        """Keep the module; False when it cannot be kept (a read-only instance)."""
        self.used.add(key)
        try:  # another process reads a whole file or none
            write_atomic(self._file(key), _pickled(module), durable=False)
        except OSError as error:  # parse each time, no harm done
            log.warning("cannot keep the parsed module: %s", error)
            return False
        return True

    def outline(self, key: str, module: Module) -> Module:
        """The module with stand-ins for its long texts, read back from the kept file."""
        folder = str(self.folder)
        sections = tuple(
            replace(section, text=KeptSectionText(folder, key, index))
            for index, section in enumerate(module.sections)
        )
        quiz = module.quiz and replace(module.quiz, body=KeptQuizBody(folder, key))
        return replace(module, sections=sections, quiz=quiz, texts=KeptModuleTexts(folder, key))

    # The index: outlines by path and stamp, one file for the whole course.

    def _index_file(self) -> Path:
        return self.folder / f"index-{parser_version()}.pickle"

    def indexed(self, path: Path, stamp: Stamp) -> Module | None:
        """The outline kept for `path` when the file still has this stamp."""
        if self._index is None:
            self._index = self._read_index()
        entry = self._index.get(str(path))
        if entry is None or entry[0] != stamp or not self._file(entry[1]).is_file():
            return None
        if getattr(entry[2].sections[0].text, "folder", None) != str(self.folder):
            return None  # the instance has moved: its stand-ins would look in the old place
        self.used.add(entry[1])
        return entry[2]

    def remember(self, path: Path, stamp: Stamp, key: str, outline: Module) -> None:
        if self._index is None:
            self._index = self._read_index()
        self._index[str(path)] = (stamp, key, outline)
        self._index_changed = True

    def save_index(self, paths: set[Path]) -> None:
        """Write the index of these files' outlines, if anything in it changed."""
        if self._index is None or not self._index_changed:
            return
        keep = {str(path) for path in paths}
        self._index = {name: entry for name, entry in self._index.items() if name in keep}
        try:
            write_atomic(self._index_file(), _pickled(self._index), durable=False)
            self._index_changed = False
        except OSError as error:
            log.warning("cannot keep the index of parsed modules: %s", error)

    def _read_index(self) -> dict[str, tuple[Stamp, str, Module]]:
        try:
            index = pickle.loads(self._index_file().read_bytes())
        except FileNotFoundError:
            return {}
        except Exception:
            log.warning("cannot read the index of parsed modules; parsing again")
            return {}
        return index if isinstance(index, dict) else {}

    def prune(self) -> None:
        """Remove what no load of this process has used (older versions of files),
        once it is an hour old: another process may not have reloaded yet."""
        if not self.folder.is_dir():
            return
        old = time.time() - PRUNE_AFTER_SECONDS
        for path in [*self.folder.glob("*/*.pickle"), *self.folder.glob("index-*.pickle")]:
            if path.stem in self.used or path == self._index_file():
                continue
            try:
                if path.stat().st_mtime < old:
                    path.unlink(missing_ok=True)
            except OSError:
                continue


def _pickled(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _read_module(path: Path) -> Module | None:
    """The module kept in `path`; None when there is none (or a torn or foreign file)."""
    try:
        module = pickle.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except Exception:
        log.warning("cannot read the parsed module %s; parsing again", path.stem)
        return None
    return module if isinstance(module, Module) else None


@lru_cache(maxsize=MODULES_IN_MEMORY)
def kept_module(folder: str, key: str) -> Module:
    """A whole module read back from the cache (the most recent ones stay in memory)."""
    module = ParseCache(Path(folder)).get(key)
    if module is None:
        raise LookupError(f"the parsed module {key} is no longer kept in {folder}")
    return module


class _Kept:
    """Stands in for a part of the module kept under `key` until a page reads it."""

    __slots__ = ("folder", "key")

    def __init__(self, folder: str, key: str) -> None:
        self.folder, self.key = folder, key

    def _module(self) -> Module:
        return kept_module(self.folder, self.key)


class KeptSectionText(_Kept):
    """Stands in for a section's `SectionText`."""

    __slots__ = ("index",)

    def __init__(self, folder: str, key: str, index: int) -> None:
        super().__init__(folder, key)
        self.index = index

    def _text(self) -> SectionText:
        return self._module().sections[self.index].text

    @property
    def html(self) -> str:
        return self._text().html

    @property
    def speech_text(self) -> str:
        return self._text().speech_text

    @property
    def markdown(self) -> str:
        return self._text().markdown


class KeptModuleTexts(_Kept):
    """Stands in for a module's `ModuleTexts`."""

    __slots__ = ()

    @property
    def meta_text(self) -> str:
        return self._module().texts.meta_text


class KeptQuizBody(_Kept):
    """Stands in for a self-test's `QuizBody`."""

    __slots__ = ()

    def _body(self) -> QuizBody:
        quiz = self._module().quiz
        if quiz is None:
            raise LookupError(f"the parsed module {self.key} has no self-test")
        return quiz.body

    @property
    def questions(self) -> tuple[Question, ...]:
        return self._body().questions

    @property
    def markdown(self) -> str:
        return self._body().markdown
