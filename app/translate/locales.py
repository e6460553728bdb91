"""Starting a new language of the course: its title, untranslated copies of every source
module, and its interface catalogue. `omnicourse i18n new-locale` and the studio use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale, UnknownLocaleError

from app.catalogues import start_catalogue
from course import Course
from course.authoring import set_course_title
from course.locales import is_locale_code


@dataclass
class StartedLocale:
    code: str
    title: str | None = None  # set in course.yaml now; None when it was already there
    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # files that were already there
    catalogue_created: bool = False


def is_valid_code(code: str) -> bool:
    """True for a language code Babel knows (de, pt_BR, ar …)."""
    if not is_locale_code(code):
        return False
    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return False
    return True


def needs_title(course: Course, code: str) -> bool:
    return code not in course.titles


def start_locale(course: Course, code: str, title: str | None, translations: Path) -> StartedLocale:
    """Make content/CODE/ with untranslated copies, the title and the catalogue; keep
    whatever already exists. Raises app.catalogues.CatalogueError if pybabel fails."""
    started = StartedLocale(code)
    if needs_title(course, code):
        started.title = (title or course.title(course.source_locale)).strip()
        set_course_title(Path(course.content_dir) / "course.yaml", code, started.title)
    folder = Path(course.content_dir) / code
    folder.mkdir(exist_ok=True)
    for module in course.source_modules():
        target = folder / module.path.name
        if target.exists():
            started.kept.append(target)
            continue
        text = untranslated_copy(module.path.read_text(encoding="utf-8"), module.content_hash)
        target.write_text(text, encoding="utf-8")
        started.created.append(target)
    started.catalogue_created = start_catalogue(translations, code)
    return started


def untranslated_copy(text: str, source_hash: str) -> str:
    """The source module marked untranslated, with the hash of the version it copies."""
    lines = text.splitlines(keepends=True)
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
    front = [x for x in lines[1:end] if not x.startswith(("source_hash:", "untranslated:"))]
    marker = [
        "untranslated: true  # delete this line once the module is translated\n",
        f"source_hash: {source_hash}\n",
    ]
    return "".join(lines[:1] + front + marker + lines[end:])
