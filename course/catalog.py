"""Discover the course in a content folder: locales, modules, fallbacks, problems."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from course.errors import ContentError
from course.loader import SLUG, load_module
from course.locales import is_locale_code
from course.model import Module

log = logging.getLogger(__name__)

TRANSLATED, OUTDATED, MISSING = "translated", "outdated", "missing"


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
    errors: list[ContentError] = field(default_factory=list)
    version: str = ""

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
        """translated, outdated or missing, for a translator's table."""
        source = self.modules.get(self.source_locale, {}).get(slug)
        module = self.modules.get(locale, {}).get(slug)
        if source is None or module is None or module.untranslated:
            return MISSING
        if locale == self.source_locale or module.source_hash == source.content_hash:
            return TRANSLATED
        return OUTDATED

    def is_outdated(self, module: Module) -> bool:
        return self.status(module.locale, module.slug) == OUTDATED


def load_course(content_dir: Path | str) -> Course:
    """Load every locale and module; bad files are recorded in `errors` and skipped."""
    content_dir = Path(content_dir)
    config_path = content_dir / "course.yaml"
    config = _read_config(config_path)
    folders = sorted(p.name for p in content_dir.iterdir() if p.is_dir() and is_locale_code(p.name))
    listed = [str(code) for code in config.get("locales") or []]
    locales = [code for code in listed if code in folders] + [c for c in folders if c not in listed]
    source = str(config.get("source_locale") or "en")
    course = Course(
        content_dir=content_dir,
        source_locale=source,
        locales=locales,
        titles={str(k): str(v) for k, v in (config.get("title") or {}).items()},
        pass_threshold=float(config.get("pass_threshold", 0.7)),
    )
    if source not in locales:
        course.errors.append(
            ContentError(config_path, 1, f"no folder for source locale '{source}'")
        )
    for locale in [source, *(code for code in locales if code != source)]:
        if locale in locales:
            _load_locale(course, locale)
    course.version = _version(course)
    for error in course.errors:
        log.warning("content problem: %s", error)
    return course


def _read_config(path: Path) -> dict[str, Any]:
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ContentError(path, 1, "course.yaml not found: is this a content folder?") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ContentError(path, mark.line + 1 if mark else 1, f"broken YAML: {error}") from None
    if not isinstance(config, dict):
        raise ContentError(path, 1, "course.yaml must be a mapping")
    return config


def _load_locale(course: Course, locale: str) -> None:
    loaded: dict[str, Module] = {}
    source = course.modules.get(course.source_locale, {})
    for path in sorted((course.content_dir / locale).glob("*.md")):
        try:
            module = load_module(path, locale)
            _check_against_source(module, loaded, source, locale == course.source_locale)
        except ContentError as error:
            course.errors.append(error)
            continue
        loaded[module.slug] = module
    course.modules[locale] = loaded


def _check_against_source(
    module: Module, loaded: dict[str, Module], source: dict[str, Module], is_source: bool
) -> None:
    path = module.path
    if module.slug in loaded:
        raise ContentError(
            path, 2, f"duplicate slug '{module.slug}' (also in {loaded[module.slug].path.name})"
        )
    if not SLUG.match(module.slug):
        raise ContentError(path, 2, f"invalid slug '{module.slug}'")
    if is_source or module.untranslated:
        return
    original = source.get(module.slug)
    if original is None:
        raise ContentError(path, 2, f"translation of a module that does not exist: '{module.slug}'")
    if module.section_ids != original.section_ids:
        raise ContentError(
            path, 2,
            f"section ids {list(module.section_ids)} differ from the source's "
            f"{list(original.section_ids)}",
        )  # fmt: skip
    source_questions = [q.id for q in original.quiz.questions] if original.quiz else []
    questions = [q.id for q in module.quiz.questions] if module.quiz else []
    if questions != source_questions:
        raise ContentError(
            path, 2, f"question ids {questions} differ from the source's {source_questions}"
        )


def _version(course: Course) -> str:
    """A hash of everything pages show: settings, modules as loaded, and recordings."""
    digest = hashlib.sha256((course.content_dir / "course.yaml").read_bytes())
    for locale, modules in sorted(course.modules.items()):
        for slug, module in sorted(modules.items()):
            digest.update(f"{locale}/{slug}:{module.content_hash}\n".encode())
    for path in sorted(course.content_dir.glob("*/audio/*")):  # recordings and sidecars
        digest.update(
            f"{path.relative_to(course.content_dir)}:{path.stat().st_mtime_ns}\n".encode()
        )
    return digest.hexdigest()[:16]
