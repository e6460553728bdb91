"""Discover the course in a content folder: locales, modules, fallbacks, problems."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from course.errors import ContentError
from course.glossary import GLOSSARY_FILE, Glossary, load_glossary
from course.loader import decode_text, load_module
from course.locales import is_locale_code
from course.model import META_PART, MISSING, OUTDATED, TRANSLATED, Module, Quiz
from course.parse_cache import ParseCache, Stamp, file_stamp
from course.store import ContentStore
from course.terms import Termbase, load_termbase

__all__ = ["MISSING", "OUTDATED", "TRANSLATED", "ContentLoader", "Course", "load_course"]


@dataclass(frozen=True)
class Resolved:
    """The module to show for a requested locale, and how it was found."""

    module: Module
    requested_locale: str

    @property
    def is_fallback(self) -> bool:
        return self.module.locale != self.requested_locale


@dataclass
class Course:
    content_dir: Path
    source_locale: str
    locales: list[str]
    titles: dict[str, str]
    pass_threshold: float
    modules: dict[str, dict[str, Module]] = field(default_factory=dict)
    draw_size: int = 10  # questions per self-test attempt, drawn from the module's bank
    draw_per_outcome: int = 2  # of them at least this many for each outcome
    errors: list[ContentError] = field(default_factory=list)
    version: str = ""
    store: ContentStore | None = None  # last good files and earlier source texts
    # "locale/slug" → a mark of that module's human recordings and sidecars (names, times)
    recordings: dict[str, str] = field(default_factory=dict)
    glossaries: dict[str, Glossary] = field(default_factory=dict)  # by locale, as written

    def glossary(self, locale: str) -> Glossary:
        """The glossary shown in `locale`: its own entries, the source's for the rest."""
        source = self.glossaries.get(self.source_locale)
        own = self.glossaries.get(locale)
        if own is None:
            return source or Glossary(locale)
        return own.with_fallback(source)

    def title(self, locale: str) -> str:
        return self.titles.get(locale) or self.titles.get(self.source_locale) or "Course"

    def source_modules(self) -> list[Module]:
        """The modules of the course, in order (the source locale defines them)."""
        return sorted(self.modules.get(self.source_locale, {}).values(), key=lambda m: m.order)

    def resolve(self, locale: str, slug: str) -> Resolved | None:
        """The module in `locale`, else its source-locale version, else None."""
        source = self.modules.get(self.source_locale, {}).get(slug)
        if source is None:
            return None
        translated = self.modules.get(locale, {}).get(slug)
        if translated is not None and not translated.untranslated:
            return Resolved(translated, locale)
        return Resolved(source, locale)

    def modules_for(self, locale: str) -> list[Resolved]:
        return [r for m in self.source_modules() if (r := self.resolve(locale, m.slug))]

    def status(self, locale: str, slug: str) -> str:
        """translated, outdated (some part is outdated or missing) or missing."""
        source = self.modules.get(self.source_locale, {}).get(slug)
        module = self.modules.get(locale, {}).get(slug)
        if source is None or module is None or module.untranslated:
            return MISSING
        if locale == self.source_locale:
            return TRANSLATED
        return module.translation_state

    def is_outdated(self, module: Module) -> bool:
        return self.status(module.locale, module.slug) == OUTDATED

    def stale_modules(self) -> list[Module]:
        """Modules served from their last good version because the file has a problem."""
        return [m for ms in self.modules.values() for m in ms.values() if m.stale]


def load_course(content_dir: Path | str, store: ContentStore | None = None) -> Course:
    """Load every locale and module; bad files are recorded in `errors` and skipped."""
    return ContentLoader(content_dir, store).load()


class ContentLoader:
    """Loads a content folder, and on each later `load()` re-parses only changed files.

    A file that fails to parse is served from its last good version in `store`
    (marked `stale`) when there is one; either way its problem is in `errors`.
    """

    def __init__(
        self,
        content_dir: Path | str,
        store: ContentStore | None = None,
        cache: ParseCache | None = None,
    ) -> None:
        self.content_dir = Path(content_dir)
        self.store = store
        self.cache = cache
        self._parsed: dict[Path, tuple[Stamp, Module | ContentError]] = {}
        self._good_config: dict[str, Any] = {}
        self._served: dict[tuple[str, str], Path] = {}  # who had each slug last time
        self._source_locale = ""
        # (file, stamp, termbase digest) → its terminology problems, kept between loads
        self._term_problems: dict[tuple[Path, Stamp, str], list[ContentError]] = {}

    def load(self) -> Course:
        config_path = self.content_dir / "course.yaml"
        errors: list[ContentError] = []
        try:
            config = self._good_config = _read_config(config_path)
        except ContentError as error:
            if not config_path.is_file():
                raise
            errors.append(error)
            config = self._good_config
        folders = sorted(
            p.name for p in self.content_dir.iterdir() if p.is_dir() and is_locale_code(p.name)
        )
        listed = [str(code) for code in config.get("locales") or []]
        draw_size, draw_per_outcome = _self_test_settings(config, config_path, errors)
        locales = [c for c in listed if c in folders] + [c for c in folders if c not in listed]
        source = self._source_locale = str(config.get("source_locale") or "en")
        course = Course(
            content_dir=self.content_dir,
            source_locale=source,
            locales=locales,
            titles={str(k): str(v) for k, v in (config.get("title") or {}).items()},
            pass_threshold=float(config.get("pass_threshold", 0.7)),
            draw_size=draw_size,
            draw_per_outcome=draw_per_outcome,
            errors=errors,
            store=self.store,
        )
        if source not in locales:
            errors.append(
                ContentError(
                    config_path, 1, "no folder for source locale '%(locale)s'", locale=source
                )
            )
        seen: set[Path] = set()
        for locale in [source, *(code for code in locales if code != source)]:
            if locale in locales:
                course.modules[locale] = self._load_locale(course, locale, seen)
        for locale in locales:
            course.errors.extend(self._terminology(course.content_dir / locale, seen))
        _load_glossaries(course)
        for path in set(self._parsed) - seen:  # deleted files
            del self._parsed[path]
        if self.cache is not None:
            self.cache.save_index(seen)
        self._served = {(m.locale, m.slug): m.path for ms in course.modules.values()
                        for m in ms.values()}  # fmt: skip
        course.recordings = _recording_marks(self.content_dir)
        course.version = _version(course)
        return course

    def _parse(self, path: Path, locale: str) -> Module | ContentError:
        """The module in `path` (from an earlier parse if the file is unchanged)."""
        try:
            stamp = file_stamp(path)
        except OSError:
            return ContentError(path, 1, "the file cannot be read")
        cached = self._parsed.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        outline = self.cache.indexed(path, stamp) if self.cache is not None else None
        if outline is not None:  # parsed by an earlier process, unchanged since
            self._parsed[path] = (stamp, outline)
            return outline
        relative = f"{locale}/{path.name}"
        try:
            data = path.read_bytes()
            result: Module | ContentError = self._load(path, locale, data, stamp)
            if self.store is not None:
                self.store.save_good(relative, data)
        except ContentError as error:
            result = self._last_good(path, locale, relative, error)
        except OSError as error:
            result = ContentError(
                path, 1, "the file cannot be read: %(error)s", error=error.strerror
            )
        self._parsed[path] = (stamp, result)
        return result

    def _load(self, path: Path, locale: str, data: bytes, stamp: Stamp) -> Module:
        """Parse the file, or read it back from the cache; served as an outline when kept."""
        if self.cache is None:
            module = load_module(path, locale, data)
            self._archive(module)
            return module
        key = self.cache.key(path, locale, data)
        module = self.cache.get(key)
        kept = module is not None
        if module is None:
            module = load_module(path, locale, data)
            kept = self.cache.put(key, module)
        self._archive(module)
        if not kept:
            return module
        outline = self.cache.outline(key, module)
        self.cache.remember(path, stamp, key, outline)
        return outline

    def _last_good(
        self, path: Path, locale: str, relative: str, error: ContentError
    ) -> Module | ContentError:
        data = self.store.last_good(relative) if self.store is not None else None
        if data is None:
            return error
        try:
            module = load_module(path, locale, data)
        except ContentError:
            return error
        return replace(module, stale=True, problem=error)

    def _load_locale(self, course: Course, locale: str, seen: set[Path]) -> dict[str, Module]:
        is_source = locale == course.source_locale
        parsed: list[Module] = []
        for path in sorted((course.content_dir / locale).glob("*.md")):
            seen.add(path)
            result = self._parse(path, locale)
            if isinstance(result, ContentError):
                course.errors.append(result)
                continue
            if result.problem is not None:
                course.errors.append(result.problem)
            course.errors.extend(result.problems)
            parsed.append(result)
        # Of two files with one slug, the one served before keeps it.
        parsed.sort(key=lambda m: self._served.get((locale, m.slug)) != m.path)
        loaded: dict[str, Module] = {}
        for module in parsed:
            if module.slug in loaded:
                course.errors.append(ContentError(
                    module.path, module.slug_line,
                    "duplicate slug '%(slug)s' (also in %(file)s)",
                    slug=module.slug, file=loaded[module.slug].path.name,
                ))  # fmt: skip
                continue
            if not is_source and not module.untranslated:
                original = course.modules.get(course.source_locale, {}).get(module.slug)
                source_file = course.content_dir / course.source_locale / module.path.name
                if original is None and any(e.path == source_file for e in course.errors):
                    continue  # its source is broken: that problem is reported already
                if original is None:
                    course.errors.append(ContentError(
                        module.path, module.slug_line,
                        "translation of a module that does not exist: '%(slug)s'",
                        slug=module.slug,
                    ))  # fmt: skip
                    continue
                module = merge_translation(module, original, course.errors)
            loaded[module.slug] = module
        return dict(sorted(loaded.items()))

    def _terminology(self, folder: Path, seen: set[Path]) -> list[ContentError]:
        """Rejected variants of the locale's terms in its module files and glossary."""
        termbase = load_termbase(folder)
        if termbase is None:
            return []
        if isinstance(termbase, ContentError):
            return [termbase]
        problems: list[ContentError] = []
        checked = [*sorted(p for p in seen if p.parent == folder), folder / GLOSSARY_FILE]
        kept: dict[tuple[Path, Stamp, str], list[ContentError]] = {}
        for path in checked:
            try:
                stamp = file_stamp(path)
            except OSError:
                continue
            key = (path, stamp, termbase.digest)
            found = self._term_problems.get(key)
            if found is None:
                found = _term_problems(termbase, path)
            kept[key] = found
            problems += found
        self._term_problems = {
            **{k: v for k, v in self._term_problems.items() if k[0].parent != folder},
            **kept,
        }
        return problems

    def _archive(self, module: Module) -> None:
        """Keep the source's texts by hash, for the diffs translators see."""
        if self.store is None or module.locale != self._source_locale:
            return
        self.store.save_part(module.meta_hash, module.meta_text)
        for section in module.sections:
            self.store.save_part(section.hash, section.markdown)
        if module.quiz is not None:
            self.store.save_part(module.quiz.hash, module.quiz.markdown)


def _load_glossaries(course: Course) -> None:
    for locale in course.locales:
        found = load_glossary(course.content_dir / locale, locale)
        if isinstance(found, ContentError):
            course.errors.append(found)
        elif found is not None:
            course.glossaries[locale] = found
    source = course.glossaries.get(course.source_locale)
    for locale, glossary in course.glossaries.items():
        if source is None or glossary is source:
            continue
        for term in glossary.terms.values():
            if term.id not in source.terms:
                course.errors.append(ContentError(
                    course.content_dir / locale / GLOSSARY_FILE, term.line,
                    "glossary entry '%(id)s' is not in the %(locale)s glossary: "
                    "use the source's ids",
                    id=term.id, locale=course.source_locale,
                ))  # fmt: skip


def _term_problems(termbase: Termbase, path: Path) -> list[ContentError]:
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        return []
    return termbase.problems(path, text)


def _read_config(path: Path) -> dict[str, Any]:
    try:
        config = yaml.safe_load(decode_text(path, path.read_bytes())) or {}
    except FileNotFoundError:
        raise ContentError(path, 1, "course.yaml not found: is this a content folder?") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ContentError(
            path, mark.line + 1 if mark else 1, "broken YAML: %(error)s", error=str(error)
        ) from None
    if not isinstance(config, dict):
        raise ContentError(path, 1, "course.yaml must be a mapping")
    return config


def _self_test_settings(
    config: dict[str, Any], path: Path, errors: list[ContentError]
) -> tuple[int, int]:
    """`self_test: {questions: 10, per_outcome: 2}`: how each attempt draws from a bank."""
    settings = config.get("self_test") or {}
    size, per_outcome = settings.get("questions", 10), settings.get("per_outcome", 2)
    if not (isinstance(size, int) and isinstance(per_outcome, int) and size > 0 <= per_outcome):
        errors.append(
            ContentError(
                path,
                1,
                "self_test: questions and per_outcome must be whole numbers (questions > 0)",
            )
        )
        return 10, 2
    return size, per_outcome


def merge_translation(translation: Module, source: Module, errors: list[ContentError]) -> Module:
    """The translation as served: in the source's order, a state on every part, and the
    source's text (in its language) for each part the translation lacks."""

    def state(part: str, source_hash: str) -> str:
        recorded = translation.source_hashes.get(part)
        if recorded is None:  # made before per-part hashes: only the whole file's hash tells
            return TRANSLATED if translation.source_hash == source.content_hash else OUTDATED
        return TRANSLATED if recorded == source_hash else OUTDATED

    source_ids = set(source.section_ids)
    for section in translation.sections:
        if section.id not in source_ids:
            errors.append(ContentError(
                translation.path, section.line,
                "section '%(id)s' is not in the source (%(file)s): "
                "give it the id of the section it translates",
                id=section.id, file=source.path.name,
            ))  # fmt: skip
    sections, borrowed = [], False
    for original in source.sections:
        own = translation.section(original.id)
        if own is None:
            sections.append(replace(original, state=MISSING))
            borrowed = True
        else:
            sections.append(replace(own, state=state(own.id, original.hash)))
    quiz = _merge_quiz(translation, source, errors, state)
    borrowed = borrowed or (quiz is not None and quiz.state == MISSING)
    content_hash = translation.content_hash
    if borrowed:  # what is shown changes with the source too
        content_hash = hashlib.sha1(
            f"{translation.content_hash}+{source.content_hash}".encode(), usedforsecurity=False
        ).hexdigest()
    return replace(
        translation,
        sections=tuple(sections),
        quiz=quiz,
        meta_state=state(META_PART, source.meta_hash),
        content_hash=content_hash,
    )


def _merge_quiz(
    translation: Module, source: Module, errors: list[ContentError], state: Callable
) -> Quiz | None:
    if source.quiz is None:
        return None
    own = translation.quiz
    if own is None:
        return replace(source.quiz, state=MISSING)
    if own.question_ids == source.quiz.question_ids and own.shape == source.quiz.shape:
        return replace(own, id=source.quiz.id, state=state(source.quiz.id, source.quiz.hash))
    # Something differs: find what, question by question, to report it.
    source_ids = [q.id for q in source.quiz.questions]
    extra = [q for q in own.questions if q.id not in source_ids]
    for question in extra:
        errors.append(ContentError(
            translation.path, question.line,
            "question '%(id)s' is not in the source's self-test (%(file)s)",
            id=question.id, file=source.path.name,
        ))  # fmt: skip
    if [q.id for q in own.questions] != source_ids:
        return replace(source.quiz, state=MISSING)
    mismatched = [
        (mine, theirs)
        for mine, theirs in zip(own.questions, source.quiz.questions, strict=True)
        if mine.answer_shape != theirs.answer_shape
    ]
    for mine, theirs in mismatched:
        errors.append(ContentError(
            translation.path, mine.line,
            "question '%(id)s' must keep the source's type, outcome, number of options "
            "and right answers (%(file)s line %(line)d)",
            id=mine.id, file=source.path.name, line=theirs.line,
        ))  # fmt: skip
    if mismatched:
        return replace(source.quiz, state=MISSING)
    return replace(own, id=source.quiz.id, state=state(source.quiz.id, source.quiz.hash))


def _version(course: Course) -> str:
    """A hash of everything pages show: settings, modules as loaded, problems, recordings."""
    digest = hashlib.sha256(json.dumps(
        [
            course.source_locale,
            course.locales,
            course.titles,
            course.pass_threshold,
            course.draw_size,
            course.draw_per_outcome,
        ]
    ).encode())  # fmt: skip
    for locale, modules in sorted(course.modules.items()):
        for slug, module in sorted(modules.items()):
            digest.update(f"{locale}/{slug}:{module.content_hash}:{module.stale}\n".encode())
    for error in course.errors:
        digest.update(f"{error}\n".encode())
    for module, mark in sorted(course.recordings.items()):
        digest.update(f"{module}:{mark}\n".encode())
    for locale, glossary in sorted(course.glossaries.items()):
        digest.update(f"glossary {locale}:{glossary.digest}\n".encode())
    return digest.hexdigest()[:16]


def _recording_marks(content_dir: Path) -> dict[str, str]:
    """For each module with recordings (content/<locale>/audio/<slug>[--<section>].*), a
    mark that changes when one of its files is added, removed or rewritten."""
    files: dict[str, list[str]] = {}
    for path in sorted(content_dir.glob("*/audio/*")):
        if path.name.startswith("."):  # a file being written
            continue
        try:
            changed = path.stat().st_mtime_ns
        except OSError:  # removed meanwhile
            continue
        slug = path.stem.split("--")[0]
        files.setdefault(f"{path.parent.parent.name}/{slug}", []).append(f"{path.name}:{changed}")
    return {
        module: hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
        for module, names in files.items()
    }
