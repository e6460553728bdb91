"""The module's audio: MP3s made by `omnicourse build`, streamed with ranges and long caching.

Nothing is synthesised here: the build's manifest says which file serves
which module or section, and who or what made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.content import get_course, resolve_module, resolve_section
from app.learn import bp
from app.web import ONE_YEAR, send_built_file
from course import Module, Resolved
from course.audio import MANIFEST, AudioFile, Manifest, section_speech
from course.locales import display_name
from course.tts import credit


def audio_folder() -> Path:
    return Path(current_app.instance_path) / "build" / "audio"


def manifest() -> Manifest:
    """The build's manifest, re-read only when the build has rewritten it."""
    return loaded_manifest()[0]


def loaded_manifest() -> tuple[Manifest, str]:
    """The build's manifest and its version (computed once per build)."""
    path = audio_folder() / MANIFEST
    try:
        stat = path.stat()
        stamp: tuple | None = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    except FileNotFoundError:
        stamp = None
    cached = current_app.extensions.get("audio_manifest")
    if cached is None or cached[0] != stamp:
        loaded = Manifest.load(audio_folder())
        cached = (stamp, loaded, loaded.version)
        current_app.extensions["audio_manifest"] = cached
    return cached[1], cached[2]


@bp.get("/modules/<slug>/audio.mp3")
def audio(slug: str):
    resolved = resolve_module(slug)
    module = resolved.module
    entry = manifest().get(module.locale, module.slug)
    if entry is None:
        return _missing(resolved, _("There is no audio for this module in this language yet."))
    return _send(entry, f"{module.slug}-{module.locale}.mp3")


@bp.get("/modules/<slug>/audio.vtt")
def audio_cues(slug: str):
    """When each sentence of the module's audio is spoken (WebVTT), for read-along and podcasts."""
    module = resolve_module(slug).module
    entry = manifest().get(module.locale, module.slug)
    path = cues_path(entry) if entry else None
    if entry is None or path is None:
        abort(404)
    response = _send(entry, path=path, mimetype="text/vtt")
    response.headers["Access-Control-Allow-Origin"] = "*"  # podcast apps fetch it from anywhere
    return response


def cues_path(entry: AudioFile) -> Path | None:
    """The read-along cues built with `entry`, if its build wrote them."""
    path = (audio_folder() / entry.file).with_suffix(".vtt")
    return path if path.is_file() else None


@bp.get("/modules/<slug>/sections/<section_id>/audio.mp3")
def section_audio(slug: str, section_id: str):
    resolved, _section = resolve_section(slug, section_id)
    module = resolved.module
    entry = manifest().get(module.locale, module.slug, section_id)
    if entry is None:
        return _missing(resolved, _("There is no audio for this part in this language yet."))
    return _send(entry, f"{module.slug}-{section_id}-{module.locale}.mp3")


def _send(
    entry: AudioFile,
    download_name: str | None = None,
    path: Path | None = None,
    mimetype: str = "audio/mpeg",
) -> Response:
    """`entry`'s MP3 (or `path`, a file built with it), cached for a year when asked by key."""
    path = path or audio_folder() / entry.file
    if not path.is_file():
        abort(404)
    hashed = request.args.get("v") == entry.key
    response = send_built_file(
        path,  # Range requests (206), If-None-Match (304); streamed, never read whole
        mimetype=mimetype,
        etag=entry.key,
        download_name=download_name,
        max_age=ONE_YEAR if hashed else int(current_app.config["PAGE_MAX_AGE"]),
    )
    response.cache_control.public = True
    if hashed:
        response.cache_control.immutable = True
    return response


def _missing(resolved: Resolved, message: str):
    page = render_template(
        "learn/audio_missing.html",
        resolved=resolved,
        module=resolved.module,
        message=message,
        others=other_languages(resolved.module, manifest()),
    )
    return page, 404


@dataclass(frozen=True)
class OtherLanguage:
    code: str
    name: str
    url: str


def other_languages(module: Module, found: Manifest) -> list[OtherLanguage]:
    """The same module's audio in the other languages that have it."""
    course = get_course()
    others: dict[str, OtherLanguage] = {}
    for code in course.locales:
        resolved = course.resolve(code, module.slug)
        if resolved is None or resolved.module.locale in others:
            continue
        audio_locale = resolved.module.locale
        entry = found.get(audio_locale, module.slug)
        if entry is None or audio_locale == module.locale:
            continue
        url = url_for("learn.audio", locale=audio_locale, slug=module.slug, v=entry.key)
        others[audio_locale] = OtherLanguage(audio_locale, display_name(audio_locale), url)
    return list(others.values())


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    url: str | None
    length: str
    start: float | None  # where the part begins and ends inside the module's file
    end: float | None


@dataclass(frozen=True)
class Player:
    """What the player on a module page shows."""

    module: Module
    url: str | None = None
    source: str = ""
    length: str = ""
    parts: list[Part] = field(default_factory=list)
    others: list[OtherLanguage] = field(default_factory=list)
    speech: list[tuple[str, str, str]] = field(default_factory=list)  # id, title, text to read
    cues_url: str | None = None  # WebVTT: when each sentence is spoken


def player(resolved: Resolved, found: Manifest) -> Player:
    """The module's audio for its page: files and their source, or other languages' audio."""
    module = resolved.module
    entry = found.get(module.locale, module.slug)
    if entry is None:
        speech = [(s.id, s.title, section_speech(s)) for s in module.sections]
        # Sections that already have audio (recorded ones, in a language no engine
        # speaks) are offered one by one until the module's file exists.
        ready = [part for part in _parts(module, None, found) if part.url]
        others = other_languages(module, found)
        return Player(module, parts=ready, others=others, speech=speech)
    url = url_for("learn.audio", locale=module.locale, slug=module.slug, v=entry.key)
    parts = _parts(module, entry, found)
    cues_url = None
    if cues_path(entry):
        cues_url = url_for("learn.audio_cues", locale=module.locale, slug=module.slug, v=entry.key)
    source, length = source_label(entry), _minutes(entry.duration)
    return Player(module, url, source, length, parts, cues_url=cues_url)


def _parts(module: Module, entry: AudioFile | None, found: Manifest) -> list[Part]:
    offsets, position = {}, 0.0
    for part_id, _key, seconds in entry.parts if entry else ():
        offsets[part_id] = (round(position, 3), round(position + seconds, 3))
        position += seconds
    parts = []
    for section in module.sections:
        own = found.get(module.locale, module.slug, section.id)
        url = length = None
        if own is not None:
            url = url_for(
                "learn.section_audio",
                locale=module.locale,
                slug=module.slug,
                section_id=section.id,
                v=own.key,
            )
            length = _clock(own.duration)
        start, end = offsets.get(section.id, (None, None))
        parts.append(Part(section.id, section.title, url, length or "", start, end))
    return parts


def source_label(entry: AudioFile) -> str:
    """Who or what speaks: "Recorded by …" or "Synthetic voice (…)"."""
    synthetic = credit(entry.engines, entry.voice)  # e.g. "Piper, en_US Joe, CC0-1.0"
    if "recording" not in entry.engines:
        return _("Synthetic voice (%(engine)s)", engine=synthetic)
    if synthetic:
        if entry.recorded_by:
            return _(
                "Recorded by %(name)s, some parts in a synthetic voice", name=entry.recorded_by
            )
        return _("Human recording, some parts in a synthetic voice")
    if entry.recorded_by:
        return _("Recorded by %(name)s", name=entry.recorded_by)
    return _("Human recording")


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
