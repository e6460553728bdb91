"""The course's audio as a podcast: one RSS feed per locale, with chapters and transcripts.

`/<locale>/podcast.xml` is RSS 2.0 with the iTunes and Podcasting 2.0
namespaces: one episode per module whose audio is built in that locale, in the
course's order. Each episode links a JSON chapters file (the parts of the
module's MP3, from the audio manifest) and a plain-text transcript (what the
voice reads). Absolute URLs use OMNICOURSE_SERVER_NAME (`public_base_url`),
never the Host header; the static export passes its --base-url instead.

Every answer is the same for everyone: a shared page whose ETag follows the
content, the release and the audio build.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from flask import Response, abort, g, render_template, url_for
from flask_babel import gettext as _

import course.audio as course_audio
from app.content import get_course, resolve_module
from app.learn import audio, bp
from app.proxy import public_base_url
from app.web import shared_page
from course import Module, Resolved
from course.audio import AudioFile, Manifest, section_speech

RSS_TYPE = "application/rss+xml; charset=utf-8"
CHAPTERS_TYPE = "application/json+chapters"
CHAPTERS_VERSION = "1.2.0"
# The module file's parts that are not sections (course/audio.py): the function that says
# what the voice reads in each, when course/audio.py has it.
OWN_PARTS = {"_title": None, "_intro": "intro_speech", "_key-points": "closing_speech"}
# The Podcasting 2.0 namespace for podcast:guid (UUIDv5 of the feed's URL without its scheme).
PODCAST_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


@dataclass(frozen=True)
class Episode:
    module: Module
    entry: AudioFile
    guid: str
    built: datetime  # when the audio file was written
    published: str  # the same, RFC 822
    link: str
    audio_url: str
    chapters_url: str | None
    transcript_url: str
    cues_url: str | None  # the transcript with timings (WebVTT)


@dataclass(frozen=True)
class Feed:
    locale: str
    title: str
    url: str
    guid: str
    link: str
    image: str
    description: str
    episodes: list[Episode]
    updated: str


@bp.get("/podcast.xml")
def podcast():
    """The podcast of this locale's audio; a locale without audio has a feed with no episodes."""
    _manifest, audio_version = audio.loaded_manifest()
    base = public_base_url()
    response = shared_page(
        "learn/podcast.xml",
        versions=[audio_version, base],
        page_data=lambda: {"feed": feed(g.locale, base)},
    )
    response.headers["Content-Type"] = RSS_TYPE
    return response


@bp.get("/modules/<slug>/chapters.json")
def chapters(slug: str):
    """The chapters of the module's audio (Podcasting 2.0 JSON chapters), titled in its language."""
    resolved = resolve_module(slug)
    found, audio_version = audio.loaded_manifest()
    entry = _own_audio(resolved, found)
    if entry is None or not entry.parts:
        abort(404)
    return _text(
        "application/json+chapters; charset=utf-8",
        [audio_version],
        lambda: json.dumps(chapters_data(resolved.module, entry), ensure_ascii=False, indent=1),
    )


@bp.get("/modules/<slug>/transcript.txt")
def transcript(slug: str):
    """What the module's audio says, as plain text: part after part, as the voice reads it."""
    resolved = resolve_module(slug)
    found, audio_version = audio.loaded_manifest()
    entry = _own_audio(resolved, found)
    return _text(
        "text/plain; charset=utf-8",
        [audio_version],
        lambda: transcript_text(resolved.module, entry),
    )


def _text(content_type: str, versions: list[str], body) -> Response:
    response = shared_page(
        "learn/podcast_text.txt", versions=versions, page_data=lambda: {"body": body()}
    )
    response.headers["Content-Type"] = content_type
    return response


def _own_audio(resolved: Resolved, found: Manifest, locale: str = "") -> AudioFile | None:
    """The module's audio in the page's own locale (not a fallback language's)."""
    module = resolved.module
    if module.locale != (locale or g.locale):
        return None
    return found.get(module.locale, module.slug)


def feed(locale: str, base: str) -> Feed:
    """The feed of `locale` with absolute URLs under `base` (e.g. https://course.example.org)."""
    course = get_course()
    found = audio.manifest()
    base = base.rstrip("/")

    def absolute(endpoint: str, **values) -> str:
        return base + url_for(endpoint, locale=locale, **values)

    url = absolute("learn.podcast")
    guid = str(uuid.uuid5(PODCAST_NAMESPACE, url.split("://", 1)[-1].rstrip("/")))
    episodes = []
    for resolved in course.modules_for(locale):
        module = resolved.module
        entry = _own_audio(resolved, found, locale)
        path = found.path(entry) if entry else None
        if entry is None or path is None or not path.is_file():
            continue
        built = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        slug = module.slug
        episodes.append(
            Episode(
                module=module,
                entry=entry,
                guid=f"{guid}/{slug}/{entry.key}",
                built=built,
                published=format_datetime(built, usegmt=True),
                link=absolute("learn.module", slug=slug),
                audio_url=absolute("learn.audio", slug=slug, v=entry.key),
                chapters_url=absolute("learn.chapters", slug=slug) if entry.parts else None,
                transcript_url=absolute("learn.transcript", slug=slug),
                cues_url=absolute("learn.audio_cues", slug=slug)
                if audio.cues_path(entry)
                else None,
            )
        )
    title = course.title(locale)
    if episodes:
        description = _(
            "The audio version of the course “%(title)s”: one episode per module, "
            "with chapters and a transcript.",
            title=title,
        )
    else:
        description = _(
            "No episodes yet: the audio of the course “%(title)s” in this language is "
            "not ready. Episodes will appear here when it is.",
            title=title,
        )
    latest = max(episodes, key=lambda e: e.built, default=None)
    return Feed(
        locale=locale,
        title=title,
        url=url,
        guid=guid,
        link=absolute("learn.home"),
        image=base + url_for("static", filename="img/icon-512.png"),
        description=description,
        episodes=episodes,
        updated=latest.published if latest else "",
    )


def chapters_data(module: Module, entry: AudioFile) -> dict:
    """Podcasting 2.0 chapters: where each part of the module's file starts, and its title."""
    chapters, position = [], 0.0
    for part_id, _key, seconds in entry.parts:
        chapters.append(
            {
                "startTime": round(position, 3),
                "endTime": round(position + seconds, 3),
                "title": _part_title(module, part_id),
            }
        )
        position += seconds
    return {"version": CHAPTERS_VERSION, "title": module.title, "chapters": chapters}


def _part_title(module: Module, part_id: str) -> str:
    for section in module.sections:
        if section.id == part_id:
            return section.title
    if part_id == "_key-points":
        return _("Key points")
    return module.title  # the title (and outcomes) read before the sections


def transcript_text(module: Module, entry: AudioFile | None = None) -> str:
    """What the voice reads in the module's file, part after part, separated by blank lines
    (without a built file: the title, then each section)."""
    parts = [part_id for part_id, _key, _seconds in entry.parts] if entry else []
    parts = parts or ["_title", *(section.id for section in module.sections)]
    texts = [_part_speech(module, part_id) for part_id in parts]
    return "\n\n".join(text.strip() for text in texts if text.strip()) + "\n"


def _part_speech(module: Module, part_id: str) -> str:
    for section in module.sections:
        if section.id == part_id:
            return section_speech(section)
    speak = getattr(course_audio, OWN_PARTS.get(part_id) or "", None)
    if speak is not None:
        return speak(module)
    return module.title if part_id in ("_title", "_intro") else ""


def render_feed(locale: str, base: str) -> str:
    """The feed as text, for the static export (inside a request context for `locale`)."""
    return render_template("learn/podcast.xml", feed=feed(locale, base))
