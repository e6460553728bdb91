"""Translation status: modules per locale, interface catalogue coverage, source diffs.

A translation records in `source_hash` the `git hash-object` hash of the
source file it was made from, so when the source changes the old text can be
read back from the repository with `git cat-file` and compared.
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import PoFileError, read_po

from course.catalog import MISSING, OUTDATED, TRANSLATED, Course
from course.errors import ContentError
from course.locales import is_locale_code
from course.model import Module

DOMAIN = "messages"
TEMPLATE = f"{DOMAIN}.pot"
BLOB_HASH = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")

# Why the earlier source text of an outdated translation cannot be shown.
NO_SOURCE_HASH, NO_GIT, NOT_IN_HISTORY = "no-source-hash", "no-git", "not-in-history"
UNAVAILABLE = {
    NO_SOURCE_HASH: "the translation has no valid source_hash",
    NO_GIT: "git is not available here, so the earlier source text cannot be read",
    NOT_IN_HISTORY: "the source text it was translated from is not in this repository's history",
}


def catalogue_path(translations_dir: Path | str, locale: str) -> Path:
    """Where the interface catalogue of `locale` lives."""
    return Path(translations_dir) / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalogue_locales(translations_dir: Path | str) -> list[str]:
    """The locales that have an interface catalogue."""
    root = Path(translations_dir)
    if not root.is_dir():
        return []
    return sorted(
        path.name
        for path in root.iterdir()
        if is_locale_code(path.name) and catalogue_path(root, path.name).is_file()
    )


@dataclass(frozen=True)
class Coverage:
    """How much of the interface a catalogue translates."""

    locale: str
    path: Path
    total: int
    translated: int
    fuzzy: int

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    @property
    def complete(self) -> bool:
        return self.translated == self.total


def _is_translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return not message.fuzzy and all(strings)


def _read_catalogue(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, abort_invalid=True)


def catalogue_coverage(translations_dir: Path | str, locale: str) -> Coverage | None:
    """Coverage of the locale's catalogue against the template; None if it has none.

    Counted against `messages.pot` when it exists, so strings added to the
    interface but not yet merged into the catalogue count as untranslated.
    """
    path = catalogue_path(translations_dir, locale)
    if not path.is_file():
        return None
    try:
        catalogue = _read_catalogue(path, locale)
    except (PoFileError, ValueError):
        return Coverage(locale, path, total=1, translated=0, fuzzy=0)
    template_path = Path(translations_dir) / TEMPLATE
    if template_path.is_file():
        ids = [m.id for m in _read_catalogue(template_path) if m.id]
    else:
        ids = [m.id for m in catalogue if m.id]
    messages = [catalogue.get(i if isinstance(i, str) else i[0]) for i in ids]
    translated = sum(1 for m in messages if m is not None and _is_translated(m))
    fuzzy = sum(1 for m in messages if m is not None and m.fuzzy)
    return Coverage(locale, path, total=len(ids), translated=translated, fuzzy=fuzzy)


def check_catalogues(translations_dir: Path | str) -> list[ContentError]:
    """Every problem in the catalogues, as file:line: broken syntax, bad placeholders, stale .mo."""
    root = Path(translations_dir)
    errors: list[ContentError] = []
    paths = [root / TEMPLATE] if (root / TEMPLATE).is_file() else []
    paths += [catalogue_path(root, code) for code in catalogue_locales(root)]
    for path in paths:
        try:
            catalogue = _read_catalogue(path)
        except PoFileError as error:
            problem = str(error).rsplit(" on ", 1)[0]  # the message ends "on <line>"
            errors.append(ContentError(path, error.lineno + 1, f"broken catalogue: {problem}"))
            continue
        except (ValueError, UnicodeDecodeError) as error:
            errors.append(ContentError(path, 1, f"broken catalogue: {error}"))
            continue
        if path.suffix == ".pot":
            continue
        for message, problems in catalogue.check():
            if message.fuzzy:
                continue  # not compiled, so never shown; `update` makes many of these
            for problem in problems:
                errors.append(
                    ContentError(path, message.lineno or 1, f"{problem} (msgid {message.id!r})")
                )
        stale = _stale_compiled(path, catalogue)
        if stale:
            errors.append(ContentError(path, 1, stale))
    return errors


def _stale_compiled(po_path: Path, catalogue: Catalog) -> str | None:
    """Why the compiled .mo next to the catalogue does not match it, or None."""
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.is_file():
        return "not compiled: run `omnicourse i18n compile`"
    with mo_path.open("rb") as handle:
        try:
            compiled = read_mo(handle)
        except Exception:  # a truncated or foreign file: any failure means "recompile"
            return "the compiled catalogue is unreadable: run `omnicourse i18n compile`"
    # Identity entries are left out on both sides: Babel compiles an untranslated plural
    # message as its own msgids, which works exactly like no entry at all.
    expected = {
        _key(m.id): _key(m.string)
        for m in catalogue
        if m.id and _is_translated(m) and _key(m.id) != _key(m.string)
    }
    actual = {_key(m.id): _key(m.string) for m in compiled if m.id and _key(m.id) != _key(m.string)}
    if expected != actual:
        return "the compiled catalogue is out of date: run `omnicourse i18n compile`"
    return None


def _key(value: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class ModuleStatus:
    slug: str
    title: str
    state: str
    path: Path | None
    problem: str | None = None


@dataclass
class LocaleStatus:
    locale: str
    modules: list[ModuleStatus]
    coverage: Coverage | None
    needs_catalogue: bool = True

    def count(self, state: str) -> int:
        return sum(1 for m in self.modules if m.state == state)

    @property
    def complete(self) -> bool:
        modules_done = all(m.state == TRANSLATED for m in self.modules)
        if not self.needs_catalogue:
            return modules_done
        return modules_done and self.coverage is not None and self.coverage.complete


@dataclass
class TranslationReport:
    source_locale: str
    locales: list[LocaleStatus] = field(default_factory=list)
    catalogue_errors: list[ContentError] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when nothing is missing, outdated or broken."""
        return not self.catalogue_errors and all(status.complete for status in self.locales)


def translation_report(
    course: Course, translations_dir: Path | str, interface_locale: str = "en"
) -> TranslationReport:
    """Status of every translated locale: its modules and its interface catalogue.

    `interface_locale` is the language the interface is written in; it needs
    no catalogue. Locales with a catalogue but no content folder are listed
    too, with every module missing.
    """
    report = TranslationReport(course.source_locale)
    codes = [c for c in course.locales if c != course.source_locale]
    codes += [
        c
        for c in catalogue_locales(translations_dir)
        if c not in codes and c != course.source_locale
    ]
    for code in codes:
        report.locales.append(
            LocaleStatus(
                locale=code,
                modules=[_module_status(course, code, m) for m in course.source_modules()],
                coverage=catalogue_coverage(translations_dir, code),
                needs_catalogue=code != interface_locale,
            )
        )
    report.catalogue_errors = check_catalogues(translations_dir)
    return report


def _module_status(course: Course, locale: str, source: Module) -> ModuleStatus:
    module = course.modules.get(locale, {}).get(source.slug)
    state = course.status(locale, source.slug)
    problem = None
    if module is None:
        expected = course.content_dir / locale / source.path.name
        problem = next((e.message for e in course.errors if Path(e.path) == expected), None)
    title = module.title if module is not None and state != MISSING else source.title
    return ModuleStatus(source.slug, title, state, module.path if module else None, problem)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "hunk", "added", "removed" or "context"
    text: str


@dataclass(frozen=True)
class SourceDiff:
    """What changed in the source since a translation was made, or why that is unknown."""

    module: Module
    source: Module
    lines: tuple[DiffLine, ...] = ()
    unavailable: str | None = None  # one of the UNAVAILABLE keys


def source_diff(course: Course, locale: str, slug: str) -> SourceDiff | None:
    """The change in the source since the locale's translation of `slug`; None if not outdated."""
    if course.status(locale, slug) != OUTDATED:
        return None
    module = course.modules[locale][slug]
    source = course.modules[course.source_locale][slug]
    old_hash = str(module.source_hash or "").strip().lower()
    if not BLOB_HASH.match(old_hash):
        return SourceDiff(module, source, unavailable=NO_SOURCE_HASH)
    old = read_blob(course.content_dir, old_hash)
    if isinstance(old, Unavailable):
        return SourceDiff(module, source, unavailable=old.reason)
    new = source.path.read_text(encoding="utf-8")
    name = source.path.name
    diff = difflib.unified_diff(
        old.splitlines(),
        new.splitlines(),
        fromfile=f"{name} @ {old_hash[:10]}",
        tofile=f"{name} @ {source.content_hash[:10]}",
        lineterm="",
        n=2,
    )
    return SourceDiff(module, source, tuple(_classify(line) for line in diff))


def _classify(line: str) -> DiffLine:
    if line.startswith(("@@", "---", "+++")):
        return DiffLine("hunk", line)
    if line.startswith("+"):
        return DiffLine("added", line)
    if line.startswith("-"):
        return DiffLine("removed", line)
    return DiffLine("context", line)


@dataclass(frozen=True)
class Unavailable:
    reason: str


def read_blob(folder: Path, blob_hash: str) -> str | Unavailable:
    """The text of a git blob, from the repository holding `folder`, or why it cannot be read."""
    git = shutil.which("git")
    if git is None:
        return Unavailable(NO_GIT)
    if not BLOB_HASH.match(blob_hash):
        return Unavailable(NO_SOURCE_HASH)
    try:
        done = subprocess.run(
            [git, "cat-file", "blob", blob_hash],
            cwd=folder,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return Unavailable(NO_GIT)
    if done.returncode != 0:  # not a checkout, or that version was never committed
        return Unavailable(NOT_IN_HISTORY)
    return done.stdout.decode("utf-8", errors="replace")
