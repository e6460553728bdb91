"""Audio versions of modules: the engine chain, the build plan and the manifest the app reads.

Per module and locale there is one MP3 per section and one for the whole
module. A section file is keyed by a hash of its speech text, engine and
voice, so a build re-synthesises only changed text. The module file is an
intro (the title and the learning outcomes), the section files and a closing
part (the key points) joined frame by frame (nothing is synthesised twice),
unless a human recording of the whole module exists. It carries ID3 tags
(title, course, voice, language, licence) and one chapter per part. Beside
every MP3 is a WebVTT file of its sentence timings (course/readalong.py): a
synthetic voice speaks sentence by sentence so each one is measured, and the
module file's cues are its parts' cues moved to where each part starts.

Files are written to a temporary name and renamed, and `manifest.json`
(rewritten the same way after each file) is the only index the app trusts,
so an interrupted build never serves half a file.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path

from course import audio_mp3
from course.audio_recordings import STALE, Recording, check_recordings, find_recording
from course.build import Job
from course.catalog import Course
from course.model import Module
from course.readalong import Cue, parse_webvtt, split_sentences, spread, to_webvtt, with_part
from course.speech import (
    CLOSING_PART,
    INTRO_PART,
    closing_speech,
    intro_speech,
    module_speech,
    part_titles,
    section_speech,
)
from course.store import write_atomic
from course.tts import RECORDING, Engine, EngineError, create_engine, credit
from course.tts.espeak import encode_mp3

log = logging.getLogger(__name__)

__all__ = [
    "AudioFile",
    "Manifest",
    "check_recordings",
    "closing_speech",
    "intro_speech",
    "module_speech",
    "part_titles",
    "plan_audio",
    "section_speech",
]

MANIFEST = "manifest.json"
# Part of every module file's key: bump it when the module file's make-up (its
# parts, their text or its tags) changes, so existing instances rebuild it.
MODULE_FORMAT = 3
ISO_639_2 = {
    "en": "eng",
    "pl": "pol",
    "zh": "zho",
    "yo": "yor",
    "de": "deu",
    "fr": "fra",
    "es": "spa",
}
STALE_TEMP_SECONDS = 3600  # a temp file this old belongs to a build that died


@dataclass(frozen=True)
class AudioFile:
    """One built MP3 and how it was made."""

    file: str  # path inside the audio folder
    key: str  # hash of what it was made from; changes whenever the sound may change
    engine: str  # "recording", "gtts", "espeak", or several joined by "+"
    voice: str
    duration: float
    size: int
    recorded_by: str | None = None
    parts: tuple[tuple[str, str, float], ...] = ()  # module files: (part id, key, seconds)

    @property
    def engines(self) -> tuple[str, ...]:
        return tuple(self.engine.split("+"))


@dataclass
class Manifest:
    """Which MP3 serves which module or section, read by the app and rewritten by the build."""

    folder: Path
    entries: dict[str, AudioFile] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path | str) -> Manifest:
        """Read the manifest in `folder`; a missing or unreadable one is empty."""
        folder = Path(folder)
        try:
            raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            entries = {
                target: AudioFile(**{**data, "parts": tuple(map(tuple, data.get("parts", ())))})
                for target, data in raw["entries"].items()
            }
        except FileNotFoundError:
            return cls(folder)
        except (ValueError, KeyError, TypeError) as error:
            log.warning("ignoring unreadable audio manifest in %s: %s", folder, error)
            return cls(folder)
        return cls(folder, entries)

    @property
    def version(self) -> str:
        """Changes whenever any file or its description changes."""
        text = json.dumps({k: asdict(v) for k, v in sorted(self.entries.items())})
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def get(self, locale: str, slug: str, section_id: str | None = None) -> AudioFile | None:
        return self.entries.get(target_id(locale, slug, section_id))

    def path(self, entry: AudioFile) -> Path:
        return self.folder / entry.file

    def save(self) -> None:
        data = {"version": self.version, "entries": {k: asdict(v) for k, v in self.entries.items()}}
        write_atomic(self.folder / MANIFEST, json.dumps(data, indent=1, sort_keys=True).encode())


def target_id(locale: str, slug: str, part: str | None = None) -> str:
    return f"{locale}/{slug}/{part}" if part else f"{locale}/{slug}"


def language_code(locale: str) -> str:
    """ISO 639-2 code of a locale, as ID3's TLAN wants it (the locale itself when unknown)."""
    base = locale.replace("-", "_").split("_")[0].lower()
    return ISO_639_2.get(base, base)


def course_licence(content_dir: Path) -> str:
    """The `licence:` declared in content/course.yaml, or ""."""
    import yaml

    try:
        config = yaml.safe_load((Path(content_dir) / "course.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return ""
    value = config.get("licence") if isinstance(config, dict) else None
    return str(value).strip() if value else ""


@dataclass(frozen=True)
class Tags:
    """What a module file's ID3 tags say, apart from the voice (known once it is built)."""

    title: str
    album: str
    language: str  # ISO 639-2
    licence: str  # the course's; empty: the voice's
    chapters: tuple[str, ...] = ()  # one title per part, in order

    def key(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def voice_licence(engines: tuple[str, ...], voices: str) -> str:
    from course.tts.piper import by_name

    found = [by_name(v) for v in voices.split(",")] if "piper" in engines else []
    return ", ".join(dict.fromkeys(v.licence for v in found if v))


def tag_mp3(
    data: bytes, tags: Tags, artist: str, licence: str, durations: Sequence[float] = ()
) -> bytes:
    """`data` with ID3v2.4 tags in front: text frames, and a CTOC with one CHAP per part
    (start and end in milliseconds) when `durations` gives each part's length."""
    from mutagen.id3 import CHAP, CTOC, ID3, TALB, TCOP, TIT2, TLAN, TPE1, CTOCFlags

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=[tags.title]))
    id3.add(TALB(encoding=3, text=[tags.album]))
    if artist:
        id3.add(TPE1(encoding=3, text=[artist]))
    id3.add(TLAN(encoding=3, text=[tags.language]))
    if licence:
        id3.add(TCOP(encoding=3, text=[licence]))
    if durations and len(durations) == len(tags.chapters):
        ids, start = [], 0.0
        for index, (title, seconds) in enumerate(zip(tags.chapters, durations, strict=True)):
            element = f"chp{index}"
            ids.append(element)
            begin, end = round(start * 1000), round((start + seconds) * 1000)
            chapter = CHAP(
                element_id=element,
                start_time=begin,
                end_time=end,
                start_offset=0xFFFFFFFF,  # no byte offsets: times only
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=3, text=[title])],
            )
            id3.add(chapter)
            start += seconds
        toc = CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=3, text=[tags.title])],
        )
        id3.add(toc)
    out = io.BytesIO(data)  # mutagen replaces any tag the data already has
    id3.save(out, v2_version=4, padding=lambda info: 0)
    return out.getvalue()


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _module_key(part_keys: list[str], tags: Tags) -> str:
    """A module file's key: what its parts were made from, and its tags."""
    return _hash("module", str(MODULE_FORMAT), tags.key(), *part_keys)


@dataclass(frozen=True)
class _Plan:
    """How one piece will be made: by a recording, or by the first engine that can."""

    key: str
    engine_index: int = 0
    recording: Recording | None = None


@dataclass(frozen=True)
class _Speech:
    """A finished MP3 and its description, ready to be stored."""

    data: bytes
    key: str
    engine: str
    voice: str
    duration: float
    recorded_by: str | None = None
    parts: tuple[tuple[str, str, float], ...] = ()
    cues: tuple[Cue, ...] = ()  # when each sentence is spoken


class _Chain:
    """The synthetic engines of TTS_ENGINES in order, with fall-through."""

    def __init__(self, names: list[str]) -> None:
        self.use_recordings = RECORDING in names
        self.engines: list[Engine] = []
        for name in names:
            if name == RECORDING:
                continue
            engine = create_engine(name)
            if engine.available():
                self.engines.append(engine)
            else:
                log.info("text-to-speech engine %s is not available; skipping it", name)

    def first(self, locale: str, text: str) -> _Plan | None:
        """The plan for the first engine with a voice for `locale`, or None."""
        for index, engine in enumerate(self.engines):
            voice = engine.voice(locale)
            if voice:
                return _Plan(_hash(engine.name, voice, engine.settings, text), index)
        return None

    def speak(self, text: str, locale: str, start: int = 0) -> _Speech:
        """`text` spoken by the first engine (from `start`) that succeeds."""
        problems = []
        for engine in self.engines[start:]:
            voice = engine.voice(locale)
            if not voice:
                continue
            try:
                data, cues = _speak_by_sentence(engine, text, voice)
                duration = audio_mp3.inspect(data).duration
            except Exception as error:  # any engine failure falls through to the next one
                log.warning("%s failed (%s), trying the next: %s", engine.name, locale, error)
                problems.append(f"{engine.name}: {error}")
                continue
            key = _hash(engine.name, voice, engine.settings, text)
            if cues is None:  # the engine gives a whole file only: spread by sentence length
                cues = spread(split_sentences(text), duration)
            return _Speech(data, key, engine.name, voice, duration, cues=tuple(cues))
        raise EngineError(f"no engine could speak this text ({'; '.join(problems) or 'no voice'})")


def _speak_by_sentence(engine: Engine, text: str, voice: str) -> tuple[bytes, list[Cue] | None]:
    """`text` as MP3 and when each sentence is spoken, when the engine gives samples
    (`pcm`); otherwise its MP3 and None."""
    sentences = split_sentences(text)
    speak_samples = getattr(engine, "pcm", None)
    if speak_samples is None or not sentences:
        return engine.synthesize(text, voice), None
    chunks, cues, position, rate = [], [], 0.0, 0
    for sentence in sentences:
        samples, rate = speak_samples(sentence, voice)
        seconds = len(samples) / 2 / rate
        chunks.append(samples)
        cues.append(Cue(round(position, 3), round(position + seconds, 3), sentence))
        position += seconds
    samples = b"".join(chunks)
    if not samples:
        raise EngineError(f"{engine.name} produced no sound")
    return encode_mp3(samples, rate), cues


class _Builder:
    def __init__(self, course: Course, folder: Path, chain: _Chain) -> None:
        self.course = course
        self.folder = folder
        self.chain = chain
        self.manifest = Manifest.load(folder)
        self.wanted: set[str] = set()

    def plan(self) -> list[Job]:
        jobs: list[Job] = []
        for locale in self.course.locales:
            modules = sorted(self.course.modules.get(locale, {}).values(), key=lambda m: m.order)
            for module in modules:
                if not module.untranslated:  # the source locale's audio serves it
                    jobs.extend(self._module_jobs(module))
        stale = set(self.manifest.entries) - self.wanted
        orphans = self._orphans()
        if stale or orphans:
            label = f"audio: remove {len(stale) + len(orphans)} outdated file(s)"
            jobs.append(Job(label, self.folder, partial(self._prune, stale, orphans)))
        return jobs

    def _recording(
        self, module: Module, part: str | None, text: str, locale: str | None = None
    ) -> Recording | None:
        """The recording to use for a part: none when it reads text that has changed since."""
        if not self.chain.use_recordings:
            return None
        content_dir = self.course.content_dir
        recording = find_recording(content_dir, locale or module.locale, module.slug, part)
        if recording is not None and recording.state(text) == STALE:
            log.info("recording %s is stale: its text has changed", recording.path.name)
            return None
        return recording

    def _module_jobs(self, module: Module) -> list[Job]:
        jobs: list[Job] = []
        locale, slug = module.locale, module.slug
        whole = self._recording(module, None, module_speech(module))
        pieces = [] if whole else [(INTRO_PART, intro_speech(module), locale)]
        # A section the translation lacks is read in the source's language, by its voice.
        pieces += [(s.id, section_speech(s), s.locale or locale) for s in module.sections]
        closing = closing_speech(module)
        if closing and not whole:
            pieces.append((CLOSING_PART, closing, locale))
        parts: list[str] = []
        voiced: list[tuple[str, str, str]] = []
        silent_sections = 0
        for part, text, spoken in pieces:
            synthetic_only = part in (INTRO_PART, CLOSING_PART)
            recording = None if synthetic_only else self._recording(module, part, text, spoken)
            plan = _Plan(recording.key, recording=recording) if recording else None
            plan = plan or self.chain.first(spoken, text)
            if plan is None:  # no voice for this language (Yoruba) and no recording yet
                silent_sections += not synthetic_only
                continue
            voiced.append((part, text, spoken))
            target = target_id(locale, slug, part)
            self.wanted.add(target)
            parts.append(target)
            if not self._is_current(target, plan.key):
                label = f"audio {locale}/{slug}#{part}"
                run = partial(self._build_piece, target, text, spoken, plan)
                jobs.append(Job(label, module.path, run, f"{locale}/{slug}"))
        target = target_id(locale, slug)
        if whole:
            self.wanted.add(target)
            if not self._is_current(target, whole.key):
                plan = _Plan(whole.key, recording=whole)
                run = partial(self._build_piece, target, "", locale, plan)
                jobs.append(Job(f"audio {locale}/{slug}", module.path, run, f"{locale}/{slug}"))
        elif parts and not silent_sections:
            # Every section has a voice; the intro and key points may lack one (a language
            # no engine speaks, whose sections are all recorded).
            titles = part_titles(module)
            tags = Tags(
                module.title,
                self.course.title(locale),
                language_code(locale),
                course_licence(self.course.content_dir),
                tuple(titles[part] for part, _, _ in voiced),
            )
            self.wanted.add(target)
            if jobs or not self._module_is_current(target, parts, tags):
                text = "\n".join(text for _, text, _ in voiced)
                run = partial(self._build_module, target, parts, text, locale, tags)
                jobs.append(Job(f"audio {locale}/{slug}", module.path, run, f"{locale}/{slug}"))
        return jobs

    def _is_current(self, target: str, key: str) -> bool:
        entry = self.manifest.entries.get(target)
        return entry is not None and entry.key == key and self.manifest.path(entry).is_file()

    def _module_is_current(self, target: str, parts: list[str], tags: Tags) -> bool:
        key = _module_key([self.manifest.entries[part].key for part in parts], tags)
        return self._is_current(target, key)

    def _build_piece(self, target: str, text: str, locale: str, plan: _Plan) -> None:
        if plan.recording:
            data = plan.recording.read()
            duration = audio_mp3.inspect(data).duration  # it may have changed since planning
            by = plan.recording.recorded_by
            # No sentence timings for a human voice: one cue for the part, titled by its first line.
            first = split_sentences(text)[:1]
            cues = tuple(Cue(0.0, round(duration, 3), line) for line in first)
            self._store(target, _Speech(data, plan.key, RECORDING, "", duration, by, cues=cues))
        else:
            self._store(target, self.chain.speak(text, locale, plan.engine_index))

    def _build_module(
        self, target: str, parts: list[str], text: str, locale: str, tags: Tags
    ) -> None:
        entries = [self.manifest.entries.get(part) for part in parts]
        missing = [part for part, entry in zip(parts, entries, strict=True) if entry is None]
        if missing:
            raise EngineError(f"parts could not be built: {', '.join(missing)}")
        built = [entry for entry in entries if entry is not None]
        key = _module_key([entry.key for entry in built], tags)
        try:
            data = audio_mp3.join(self.manifest.path(entry).read_bytes() for entry in built)
        except audio_mp3.Mp3Error as error:
            # A recorded section in another sample rate cannot be joined to the
            # synthetic ones: speak the whole module with the synthetic chain.
            log.info("%s: %s; synthesising the whole module", target, error)
            speech = self.chain.speak(text, locale)
            artist = credit([speech.engine], speech.voice)
            licence = tags.licence or voice_licence((speech.engine,), speech.voice)
            data = tag_mp3(speech.data, tags, artist, licence)  # one part: no chapters
            self._store(target, replace(speech, data=data, key=key))
            return
        engines = "+".join(dict.fromkeys(e for entry in built for e in entry.engines))
        voices = ",".join(dict.fromkeys(entry.voice for entry in built if entry.voice))
        recorded = ", ".join(dict.fromkeys(e.recorded_by for e in built if e.recorded_by))
        artist = ", ".join(filter(None, [recorded, credit(engines.split("+"), voices)]))
        licence = tags.licence or voice_licence(tuple(engines.split("+")), voices)
        data = tag_mp3(data, tags, artist, licence, [entry.duration for entry in built])
        layout = tuple(
            (part.rsplit("/", 1)[1], entry.key, entry.duration)
            for part, entry in zip(parts, built, strict=True)
        )
        duration = sum(entry.duration for entry in built)  # whole frames: lengths add up
        cues, offset = [], 0.0  # each part's sentences, moved to where the part starts
        for (part_id, _key, seconds), entry in zip(layout, built, strict=True):
            cues += with_part(self._cues(entry), part_id, offset)
            offset += seconds
        speech = _Speech(
            data, key, engines, voices, duration, recorded or None, layout, tuple(cues)
        )
        self._store(target, speech)

    def _cues(self, entry: AudioFile) -> list[Cue]:
        """The read-along cues built with `entry`, or none (a file from an older build)."""
        try:
            return parse_webvtt(self.manifest.path(entry).with_suffix(".vtt").read_text("utf-8"))
        except (OSError, ValueError):
            return []

    def _store(self, target: str, speech: _Speech) -> None:
        locale, slug, *part = target.split("/")
        file = f"{locale}/{slug}/{part[0] if part else 'module'}-{speech.key}.mp3"
        if speech.cues:
            write_atomic((self.folder / file).with_suffix(".vtt"), to_webvtt(speech.cues).encode())
        write_atomic(self.folder / file, speech.data)
        old = self.manifest.entries.get(target)
        self.manifest.entries[target] = AudioFile(
            file,
            speech.key,
            speech.engine,
            speech.voice,
            round(speech.duration, 3),
            len(speech.data),
            speech.recorded_by,
            speech.parts,
        )
        self.manifest.save()
        if old and old.file != file and not self._is_referenced(old.file):
            self._remove(old.file)

    def _remove(self, file: str) -> None:
        """An MP3 and its read-along cues."""
        (self.folder / file).unlink(missing_ok=True)
        (self.folder / file).with_suffix(".vtt").unlink(missing_ok=True)

    def _is_referenced(self, file: str) -> bool:
        return any(entry.file == file for entry in self.manifest.entries.values())

    def _orphans(self) -> list[Path]:
        """MP3s (and their cues) no entry names, and temp files of builds that died."""
        if not self.folder.is_dir():
            return []
        known = {entry.file for entry in self.manifest.entries.values()}
        old = time.time() - STALE_TEMP_SECONDS
        return [
            path
            for path in self.folder.rglob("*")
            if path.is_file()
            and (
                (
                    path.suffix in (".mp3", ".vtt")
                    and path.with_suffix(".mp3").relative_to(self.folder).as_posix() not in known
                )
                or (path.suffix == ".tmp" and path.stat().st_mtime < old)
            )
        ]

    def _prune(self, stale: set[str], orphans: list[Path]) -> None:
        removed = [self.manifest.entries.pop(target) for target in stale]
        self.manifest.save()
        for entry in removed:
            if not self._is_referenced(entry.file):
                self._remove(entry.file)
        for path in orphans:
            path.unlink(missing_ok=True)


def plan_audio(course: Course, out_dir: Path, engines: Sequence[str]) -> list[Job]:
    """Jobs that bring every module's and section's audio up to date, sections first.

    `engines` is the chain in order, e.g. `parse_chain("recording,gtts,espeak")`.
    """
    return _Builder(course, Path(out_dir), _Chain(tuple(engines))).plan()
