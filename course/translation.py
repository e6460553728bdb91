"""Translation status: parts per module and locale, interface catalogue coverage, diffs.

A translation records in `source_hashes` the hash of each source part (front
matter, section, self-test) it was made from; `omnicourse i18n mark-current`
writes them. When a source part changes, its earlier text is read back from
the instance's store of source parts, else from git history, and compared.
Older translations record only `source_hash`, the `git hash-object` hash of
the whole source file, read back with `git cat-file`.
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import PoFileError, read_po

from course.catalog import MISSING, OUTDATED, TRANSLATED, Course
from course.errors import ContentError
from course.loader import meta_text, part_hash, split_parts
from course.locales import is_locale_code
from course.model import META_PART, Module

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


def missing_catalogues(
    course: Course, translations_dir: Path | str, interface_locale: str = "en"
) -> list[ContentError]:
    """A problem for each content locale that has no interface catalogue."""
    have = set(catalogue_locales(translations_dir))
    return [
        ContentError(
            course.content_dir / code,
            1,
            "the locale '%(locale)s' has no interface catalogue "
            "(%(file)s): run `omnicourse i18n new-locale %(locale)s`",
            locale=code,
            file=str(catalogue_path("translations", code)),
        )
        for code in course.locales
        if code not in have and code != interface_locale
    ]


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
            errors.append(
                ContentError(path, error.lineno + 1, "broken catalogue: %(error)s", error=problem)
            )
            continue
        except (ValueError, UnicodeDecodeError) as error:
            errors.append(ContentError(path, 1, "broken catalogue: %(error)s", error=str(error)))
            continue
        if path.suffix == ".pot":
            continue
        for message, problems in catalogue.check():
            if message.fuzzy:
                continue  # not compiled, so never shown; `update` makes many of these
            for problem in problems:
                errors.append(
                    ContentError(
                        path,
                        message.lineno or 1,
                        "%(problem)s (msgid %(msgid)s)",
                        problem=str(problem),
                        msgid=repr(message.id),
                    )
                )
        stale = _stale_compiled(path, catalogue)
        if stale:
            errors.append(stale)
    return errors


def _stale_compiled(po_path: Path, catalogue: Catalog) -> ContentError | None:
    """Why the compiled .mo next to the catalogue does not match it, or None."""
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.is_file():
        return ContentError(po_path, 1, "not compiled: run `omnicourse i18n compile`")
    with mo_path.open("rb") as handle:
        try:
            compiled = read_mo(handle)
        except Exception:  # a truncated or foreign file: any failure means "recompile"
            return ContentError(
                po_path, 1, "the compiled catalogue is unreadable: run `omnicourse i18n compile`"
            )
    # Identity entries are left out on both sides: Babel compiles an untranslated plural
    # message as its own msgids, which works exactly like no entry at all.
    expected = {
        _key(m.id): _key(m.string)
        for m in catalogue
        if m.id and _is_translated(m) and _key(m.id) != _key(m.string)
    }
    actual = {_key(m.id): _key(m.string) for m in compiled if m.id and _key(m.id) != _key(m.string)}
    if expected != actual:
        return ContentError(
            po_path, 1, "the compiled catalogue is out of date: run `omnicourse i18n compile`"
        )
    return None


def _key(value: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class PartStatus:
    """One translatable part of a module: the front matter, a section or the self-test."""

    id: str
    title: str
    state: str


@dataclass(frozen=True)
class ModuleStatus:
    slug: str
    title: str
    state: str
    path: Path | None
    problem: str | None = None
    parts: tuple[PartStatus, ...] = ()

    def count(self, state: str) -> int:
        return sum(1 for part in self.parts if part.state == state)


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
    expected = course.content_dir / locale / source.path.name
    if module is None or module.stale:
        problem = next((e.message for e in course.errors if Path(e.path) == expected), None)
    title = module.title if module is not None and state != MISSING else source.title
    parts: tuple[PartStatus, ...] = ()
    if module is not None and not module.untranslated:
        titles = part_titles(source)
        parts = tuple(PartStatus(i, titles[i], s) for i, s in module.part_states.items())
    return ModuleStatus(source.slug, title, state, module.path if module else None, problem, parts)


def part_titles(module: Module) -> dict[str, str]:
    titles = {META_PART: "front matter (title, outcomes, keywords…)"}
    titles.update({section.id: section.title for section in module.sections})
    if module.quiz is not None:
        titles[module.quiz.id] = module.quiz.title
    return titles


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "hunk", "added", "removed" or "context"
    text: str


@dataclass(frozen=True)
class SourceChange:
    """One change to a source part that some translations have not caught up with.

    Several languages translated from the same earlier text share one change,
    so a translator reads each diff once."""

    slug: str
    part: str
    title: str
    source_file: str  # `en/01-principles.md`
    files: tuple[str, ...]  # the translations it affects: `pl/01-principles.md`, …
    locales: tuple[str, ...]
    lines: tuple[DiffLine, ...] = ()
    unavailable: str | None = None  # one of the UNAVAILABLE keys


def source_changes(course: Course) -> list[SourceChange]:
    """What changed in each source part since the translations that are outdated on it."""
    groups: dict[tuple[str, str, str], list[Module]] = {}
    for locale in course.locales:
        if locale == course.source_locale:
            continue
        for slug, module in course.modules.get(locale, {}).items():
            if module.untranslated:
                continue
            for part, state in module.part_states.items():
                if state == OUTDATED:
                    since = module.source_hashes.get(part) or f"file:{module.source_hash}"
                    groups.setdefault((slug, part, since), []).append(module)
    changes = []
    for (slug, part, since), modules in groups.items():
        source = course.modules[course.source_locale][slug]
        old = _earlier_text(course, source, part, since)
        new = source_part_text(source, part)
        name = f"{course.source_locale}/{source.path.name}"
        base = SourceChange(
            slug, part, part_titles(source).get(part, part), name,
            files=tuple(f"{m.locale}/{m.path.name}" for m in modules),
            locales=tuple(m.locale for m in modules),
        )  # fmt: skip
        if isinstance(old, Unavailable):
            changes.append(replace(base, unavailable=old.reason))
            continue
        lines = text_diff(old, new, f"{name} (translated from)", f"{name} (now)")
        changes.append(replace(base, lines=lines))
    order = {m.slug: m.order for m in course.source_modules()}
    return sorted(changes, key=lambda c: (order.get(c.slug, 0), c.slug, c.part))


def source_part_text(module: Module, part: str) -> str:
    """The Markdown (or, for the front matter, YAML) of one part of a module."""
    if part == META_PART:
        return module.meta_text
    if module.quiz is not None and part == module.quiz.id:
        return module.quiz.markdown
    section = module.section(part)
    return section.markdown if section is not None else ""


def _earlier_text(course: Course, source: Module, part: str, since: str) -> str | Unavailable:
    if since.startswith("file:"):  # only the whole file's hash is recorded
        blob = since.removeprefix("file:").strip().lower()
        if not BLOB_HASH.match(blob):
            return Unavailable(NO_SOURCE_HASH)
        text = read_blob(course.content_dir, blob)
        return text if isinstance(text, Unavailable) else _part_of(text, part)
    kept = course.store.part(since) if course.store is not None else None
    if kept is not None:
        return kept
    return _find_in_history(course.content_dir, source.path, part, since)


def _part_of(file_text: str, part: str) -> str:
    if part == META_PART:
        lines = file_text.splitlines()
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
        try:
            meta = yaml.safe_load("\n".join(lines[1:end])) or {}
        except yaml.YAMLError:
            return ""
        return meta_text(meta) if isinstance(meta, dict) else ""
    return split_parts(file_text).get(part, "")


def _find_in_history(folder: Path, path: Path, part: str, wanted: str) -> str | Unavailable:
    """The part's text in the newest committed version of `path` where its hash is `wanted`."""
    git = shutil.which("git")
    if git is None:
        return Unavailable(NO_GIT)
    try:
        log = subprocess.run(
            [git, "log", "--format=%H", "-n", "200", "--", path.name],
            cwd=path.parent, capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
        for commit in log.stdout.split():
            shown = subprocess.run(
                [git, "show", f"{commit}:./{path.name}"],
                cwd=path.parent, capture_output=True, timeout=10, check=False,
            )  # fmt: skip
            text = shown.stdout.decode("utf-8", errors="replace")
            candidate = _part_of(text, part)
            if shown.returncode == 0 and candidate and part_hash(candidate) == wanted:
                return candidate
    except (OSError, subprocess.TimeoutExpired):
        return Unavailable(NO_GIT)
    return Unavailable(NOT_IN_HISTORY)


def text_diff(old: str, new: str, old_name: str, new_name: str) -> tuple[DiffLine, ...]:
    """The lines of a unified diff from `old` to `new`, each classified for display."""
    diff = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_name, tofile=new_name, lineterm="", n=2
    )
    return tuple(_classify(line) for line in diff)


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
