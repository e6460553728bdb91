"""Human recordings: content/<locale>/audio/<slug>.mp3 (whole module) or <slug>--<section-id>.mp3.

Who recorded a file comes from a sidecar `<name>.yaml` (`recorded_by: …`) or
else the MP3's ID3 artist tag. A file that is empty or not a playable MP3 is
reported by `omnicourse check` and skipped by the build.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import yaml

from course import audio_mp3
from course.catalog import Course
from course.errors import ContentError

log = logging.getLogger(__name__)

FOLDER = "audio"
SECTION_SEPARATOR = "--"


@dataclass(frozen=True)
class Recording:
    path: Path
    key: str
    recorded_by: str | None

    def read(self) -> bytes:
        return self.path.read_bytes()


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
    return Recording(path, key, recorded_by(path))


def recorded_by(path: Path) -> str | None:
    """The name of the person who recorded `path`, if the sidecar or ID3 tag gives one."""
    sidecar = path.with_suffix(".yaml")
    if sidecar.is_file():
        try:
            meta = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError):
            meta = {}
        if isinstance(meta, dict) and meta.get("recorded_by"):
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
                errors.append(ContentError(path, 1, problem))
    return errors


def _problem(course: Course, locale: str, path: Path) -> str | None:
    if path.suffix.lower() != ".mp3" or not path.is_file():
        return "only .mp3 files are used as recordings; this file is ignored"
    slug, _, section_id = path.stem.partition(SECTION_SEPARATOR)
    module = course.modules.get(course.source_locale, {}).get(slug)
    if module is None:
        return f"recording of a module that does not exist: '{slug}'"
    if section_id and module.section(section_id) is None:
        return f"recording of a section that does not exist: '{slug}' has no '{section_id}'"
    try:
        audio_mp3.inspect(path.read_bytes())
    except audio_mp3.Mp3Error as error:
        return f"broken recording, skipped: {error}"
    return None
