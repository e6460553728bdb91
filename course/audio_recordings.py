"""Human recordings: content/<locale>/audio/<slug>.mp3 (whole module) or <slug>--<section-id>.mp3.

Beside each file a sidecar `<name>.yaml` says who recorded it and when, and
the hash of the text it reads (`text_hash`). When the text changes the
recording is stale: the build speaks that part with the synthetic voice
until someone records it again or an admin accepts the old recording (which
stores the new hash). A recording without a hash (a file put there by hand)
is used as it is. Without a sidecar, the MP3's ID3 artist tag names the
speaker. A file that is empty or not a playable MP3 is reported by
`omnicourse check` and skipped by the build.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from course import audio_mp3
from course.catalog import Course
from course.errors import ContentError
from course.model import Module
from course.speech import module_speech, section_speech
from course.store import write_atomic

log = logging.getLogger(__name__)

FOLDER = "audio"
SECTION_SEPARATOR = "--"
CURRENT, STALE, UNTRACKED = "current", "stale", "untracked"


def text_hash(text: str) -> str:
    """A short hash of what a recording reads; spacing and line breaks do not count."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


def spoken_text(module: Module, section_id: str | None) -> str:
    """What a recording of the module (no section) or of one section reads."""
    if section_id is None:
        return module_speech(module)
    section = module.section(section_id)
    return section_speech(section) if section else ""


@dataclass(frozen=True)
class Recording:
    path: Path
    key: str
    recorded_by: str | None
    text_hash: str | None = None  # of the text it reads, when it was recorded or accepted
    recorded_at: str | None = None  # ISO time, from the sidecar

    def read(self) -> bytes:
        return self.path.read_bytes()

    def state(self, text: str) -> str:
        """CURRENT, STALE (the text has changed since) or UNTRACKED (no hash stored)."""
        if self.text_hash is None:
            return UNTRACKED
        return CURRENT if self.text_hash == text_hash(text) else STALE


def recording_path(content_dir: Path, locale: str, slug: str, section_id: str | None) -> Path:
    name = f"{slug}{SECTION_SEPARATOR}{section_id}" if section_id else slug
    return Path(content_dir) / locale / FOLDER / f"{name}.mp3"


def find_recording(
    content_dir: Path, locale: str, slug: str, section_id: str | None = None
) -> Recording | None:
    """The usable recording of a module (or one section), or None; broken files are skipped."""
    path = recording_path(content_dir, locale, slug, section_id)
    if not path.is_file():
        return None
    data = path.read_bytes()
    try:
        audio_mp3.inspect(data)
    except audio_mp3.Mp3Error as error:
        log.warning("skipping recording %s: %s", path, error)
        return None
    key = hashlib.sha256(b"recording\0" + data).hexdigest()[:16]
    meta = sidecar(path)  # read once: who, when, and the text's hash
    stored, when = meta.get("text_hash"), meta.get("recorded_at")
    return Recording(
        path, key, recorded_by(path, meta), str(stored) if stored else None,
        str(when) if when else None,
    )  # fmt: skip


def sidecar(path: Path) -> dict:
    """The recording's sidecar YAML as a dict (empty when missing or unreadable)."""
    try:
        meta = yaml.safe_load(path.with_suffix(".yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _write_sidecar(path: Path, meta: dict) -> None:
    text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    write_atomic(path.with_suffix(".yaml"), text.encode("utf-8"))


def save_recording(
    content_dir: Path,
    module: Module,
    section_id: str | None,
    mp3: bytes,
    recorded_by: str | None,
    account: str | None = None,
) -> Path:
    """Store a new recording of the module (or a section) with who made it (the name
    credited to listeners, and the account) and what it reads. The sidecar is written
    first, so the recording is never matched to other text."""
    path = recording_path(content_dir, module.locale, module.slug, section_id)
    meta = {
        "recorded_by": _one_line(recorded_by or ""),
        "account": account,
        "recorded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "text_hash": text_hash(spoken_text(module, section_id)),
    }
    meta = {key: value for key, value in meta.items() if value}
    _write_sidecar(path, meta)
    write_atomic(path, mp3)
    return path


def accept_recording(
    content_dir: Path, module: Module, section_id: str | None, accepted_by: str | None
) -> bool:
    """Keep a stale recording for the text as it is now; False if there is none."""
    path = recording_path(content_dir, module.locale, module.slug, section_id)
    if not path.is_file():
        return False
    meta = sidecar(path)
    meta["text_hash"] = text_hash(spoken_text(module, section_id))
    meta["accepted_by"] = accepted_by
    meta["accepted_at"] = datetime.now(UTC).replace(microsecond=0).isoformat()
    _write_sidecar(path, meta)
    return True


def remove_recording(content_dir: Path, module: Module, section_id: str | None) -> bool:
    """Delete a recording and its sidecar; False if there was none."""
    path = recording_path(content_dir, module.locale, module.slug, section_id)
    if not path.is_file():
        return False
    path.unlink()
    path.with_suffix(".yaml").unlink(missing_ok=True)
    return True


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:200]


def recorded_by(path: Path, meta: dict | None = None) -> str | None:
    """The name of the person who recorded `path`, if the sidecar (`meta`, when already
    read) or the ID3 tag gives one."""
    meta = sidecar(path) if meta is None else meta
    if meta.get("recorded_by"):
        return str(meta["recorded_by"]).strip()
    from mutagen import MutagenError
    from mutagen.id3 import ID3

    try:
        artist = ID3(path).get("TPE1")
    except MutagenError:
        return None
    if not artist or not artist.text:
        return None
    return str(artist.text[0]).strip() or None


def check_recordings(course: Course) -> list[ContentError]:
    """Every recording that is broken or belongs to no module or section, as file:1 errors."""
    errors: list[ContentError] = []
    for locale in course.locales:
        folder = Path(course.content_dir) / locale / FOLDER
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix == ".yaml" or path.name.startswith("."):
                continue
            problem = _problem(course, locale, path)
            if problem:
                errors.append(problem)
    return errors


def _problem(course: Course, locale: str, path: Path) -> ContentError | None:
    if path.suffix.lower() != ".mp3" or not path.is_file():
        return ContentError(path, 1, "only .mp3 files are used as recordings; this file is ignored")
    slug, _, section_id = path.stem.partition(SECTION_SEPARATOR)
    module = course.modules.get(course.source_locale, {}).get(slug)
    if module is None:
        return ContentError(
            path, 1, "recording of a module that does not exist: '%(slug)s'", slug=slug
        )
    if section_id and module.section(section_id) is None:
        return ContentError(
            path,
            1,
            "recording of a section that does not exist: '%(slug)s' has no '%(id)s'",
            slug=slug,
            id=section_id,
        )
    try:
        audio_mp3.inspect(path.read_bytes())
    except audio_mp3.Mp3Error as error:
        return ContentError(path, 1, "broken recording, skipped: %(error)s", error=str(error))
    return None


@dataclass(frozen=True)
class RecordingStatus:
    """One recording as translators and admins see it."""

    locale: str
    slug: str
    section_id: str | None  # None: the whole module
    title: str  # the section's (or module's) title
    state: str  # CURRENT, STALE or UNTRACKED
    recorded_by: str | None
    recorded_at: str | None

    @property
    def name(self) -> str:
        return f"{self.locale}/{self.slug}" + (f"#{self.section_id}" if self.section_id else "")


def module_recordings(content_dir: Path, module: Module) -> dict[str | None, RecordingStatus]:
    """The recordings of one module in its locale, by section id (None: the whole module)."""
    found: dict[str | None, RecordingStatus] = {}
    for section_id, title in [(None, module.title), *((s.id, s.title) for s in module.sections)]:
        recording = find_recording(content_dir, module.locale, module.slug, section_id)
        if recording is None:
            continue
        found[section_id] = RecordingStatus(
            module.locale,
            module.slug,
            section_id,
            title,
            recording.state(spoken_text(module, section_id)),
            recording.recorded_by,
            recording.recorded_at,
        )
    return found


def recording_report(course: Course) -> list[RecordingStatus]:
    """Every usable recording of the course, locale by locale, in module order."""
    report: list[RecordingStatus] = []
    for locale in course.locales:
        if not (Path(course.content_dir) / locale / FOLDER).is_dir():
            continue
        modules = sorted(course.modules.get(locale, {}).values(), key=lambda m: m.order)
        for module in modules:
            if not module.untranslated:
                report += module_recordings(course.content_dir, module).values()
    return report
