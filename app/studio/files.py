"""Which module files a studio user may edit, their drafts, and their publication.

The Markdown files stay the single source of truth: a draft lives in the database
until it is published, and publishing writes the file (course.publishing), records
the publication and, when the content folder is a git repository, commits it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from app.content import get_course, live_content
from app.models import Publication, StudioDraft, User
from app.translate.locales import untranslated_copy
from course import ContentError
from course.authoring import mark_translation_current
from course.catalog import MISSING
from course.loader import SLUG
from course.publishing import (
    check_text,
    commit_if_repository,
    file_hash,
    new_module_text,
    publish,
)
from course.translation import SourceChange, part_titles, source_changes, source_part_text


@dataclass(frozen=True)
class ModuleFile:
    """One module file of one locale, as the studio edits it."""

    locale: str
    slug: str
    path: Path
    title: str

    @property
    def relative(self) -> str:
        return self.path.relative_to(content_dir()).as_posix()

    def read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def hash(self) -> str:
        return file_hash(self.path)

    def problems(self, text: str) -> list[ContentError]:
        return check_text(self.path, self.locale, text)


def content_dir() -> Path:
    return live_content().content_dir


def find(locale: str, slug: str, draft: StudioDraft | None = None) -> ModuleFile | None:
    """The module file `slug` of `locale`; a file deleted since a draft was started is still
    found through that draft, so the draft is never lost."""
    course = get_course()
    module = course.modules.get(locale, {}).get(slug)
    if module is not None:
        return ModuleFile(locale, slug, module.path.resolve(), module.title)
    if draft is not None:
        return ModuleFile(locale, slug, content_dir() / draft.path, slug)
    source = course.modules.get(course.source_locale, {}).get(slug)
    if source is not None and locale in course.locales:  # a translation not started yet
        return ModuleFile(locale, slug, content_dir() / locale / source.path.name, source.title)
    return None


def starting_text(target: ModuleFile) -> str:
    """What the editor shows for a file that does not exist yet: for a translation, the
    source marked untranslated (as `omnicourse i18n new-locale` writes it)."""
    course = get_course()
    source = course.modules.get(course.source_locale, {}).get(target.slug)
    if source is None or target.locale == course.source_locale:
        return ""
    return untranslated_copy(source.path.read_text(encoding="utf-8"), source.content_hash)


def editable_files(user: User) -> list[ModuleFile]:
    """Every module file `user` may edit, in course order, source language first."""
    course = get_course()
    order = {m.slug: m.order for m in course.source_modules()}
    locales = sorted(course.locales, key=lambda code: (code != course.source_locale, code))
    found = []
    for locale in locales:
        if not user.may_edit(locale, course.source_locale):
            continue
        modules = sorted(
            course.modules.get(locale, {}).values(), key=lambda m: order.get(m.slug, 0)
        )
        found += [ModuleFile(locale, m.slug, m.path.resolve(), m.title) for m in modules]
    return found


def draft_of(db: Session, user_id: int, locale: str, slug: str) -> StudioDraft | None:
    return db.scalar(
        sa.select(StudioDraft).filter_by(user_id=user_id, locale=locale, slug=slug)
    )  # fmt: skip


def save_draft(db: Session, target: ModuleFile, text: str, base_hash: str) -> StudioDraft:
    """Keep `text` as the current user's draft of `target` (the caller commits)."""
    draft = draft_of(db, current_user.id, target.locale, target.slug)
    if draft is None:
        draft = StudioDraft(user_id=current_user.id, locale=target.locale, slug=target.slug)
        db.add(draft)
    draft.path, draft.text, draft.base_hash = target.relative, text, base_hash
    return draft


def publish_text(
    db: Session, target: ModuleFile, text: str, base_hash: str, message: str,
    drop_draft: bool = True,
) -> Publication:  # fmt: skip
    """Write the file (raises course.publishing.Conflict), record and commit the publication,
    drop the draft it came from, and load the new text into this process at once (the
    caller commits)."""
    before = target.read() or ""
    publish(target.path, text, base_hash)
    publication = _record(db, target, before, text, message)
    draft = draft_of(db, current_user.id, target.locale, target.slug) if drop_draft else None
    if draft is not None:
        db.delete(draft)
    live_content().refresh()
    return publication


def _record(db: Session, target: ModuleFile, before: str, after: str, message: str) -> Publication:
    """The publication of a change to `target`, committed to git when the folder is a
    repository."""
    author = current_user.display_name or current_user.email
    publication = Publication(
        user_id=current_user.id, author=author, locale=target.locale, slug=target.slug,
        path=target.relative, message=message, before_text=before, after_text=after,
    )  # fmt: skip
    publication.commit = commit_if_repository(
        content_dir(), target.path, message, author, current_user.email
    )  # fmt: skip
    db.add(publication)
    return publication


def new_module_problem(db: Session, slug: str) -> str | None:
    """Why `slug` cannot name a new module, in the user's language; None when it can."""
    course = get_course()
    if not SLUG.match(slug):
        return _("Use lowercase letters, digits and hyphens only, e.g. customer-data.")
    taken = slug in course.modules.get(course.source_locale, {})
    if taken or draft_of(db, current_user.id, course.source_locale, slug) is not None:
        return _("A module with this web address name already exists.")
    return None


def start_module(db: Session, slug: str, title: str) -> StudioDraft:
    """A draft of a new module after the last one, from a valid starting text."""
    course = get_course()
    order = max((m.order for m in course.source_modules()), default=0) + 1
    path = content_dir() / course.source_locale / f"{order:02d}-{slug}.md"
    target = ModuleFile(course.source_locale, slug, path, title)
    return save_draft(db, target, new_module_text(slug, title, order), base_hash="")


def history(db: Session, locale: str, slug: str) -> list[Publication]:
    return list(
        db.scalars(
            sa.select(Publication)
            .filter_by(locale=locale, slug=slug)
            .order_by(Publication.created_at.desc(), Publication.id.desc())
        )
    )


@dataclass(frozen=True)
class TranslationPart:
    """One part of the source beside its state in the translation being edited."""

    id: str
    title: str
    state: str  # course.catalog TRANSLATED, OUTDATED or MISSING
    source_text: str
    change: SourceChange | None  # what changed in the source, when outdated


def translation_parts(target: ModuleFile) -> list[TranslationPart]:
    """The source's parts, in order, with the translation's state of each; [] for a file
    in the source language."""
    course = get_course()
    source = course.modules.get(course.source_locale, {}).get(target.slug)
    translation = course.modules.get(target.locale, {}).get(target.slug)
    if target.locale == course.source_locale or source is None:
        return []
    states = translation.part_states if translation is not None else {}
    changes = {
        change.part: change
        for change in source_changes(course)
        if change.slug == target.slug and target.locale in change.locales
    }
    parts = []
    for part, title in part_titles(source).items():
        state, text = states.get(part, MISSING), source_part_text(source, part)
        parts.append(TranslationPart(part, title, state, text, changes.get(part)))
    return parts


def mark_part_current(db: Session, target: ModuleFile, part: TranslationPart) -> Publication:
    """Record that `part` of the translation follows the source as it is now: a change to
    the file's front matter, published and recorded like any other (the caller commits)."""
    course = get_course()
    source = course.modules[course.source_locale][target.slug]
    translation = course.modules[target.locale][target.slug]
    before = target.read() or ""
    mark_translation_current(source, translation, [part.id], whole=False)
    message = _("Marked “%(title)s” as current with %(file)s", title=part.title,
                file=source.path.name)  # fmt: skip
    publication = _record(db, target, before, target.read() or "", message)
    live_content().refresh()
    return publication
