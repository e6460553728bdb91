"""Helpers for the audio tests: build a course's audio, make recordings, judge durations."""

from __future__ import annotations

import io
import math
import re
import struct
from pathlib import Path

import lameenc
import mutagen.mp3

from app.config import build_settings
from course import load_course
from course.audio import Manifest
from course.build import BuildReport, plan, run

OFFLINE = {"TTS_ENGINES": "recording,espeak"}  # no network in tests unless a test mocks it
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def build_audio(content_dir: Path, instance: Path, **config: object) -> BuildReport:
    """Plan and run the audio build of `content_dir` into `instance`/build/audio."""
    course = load_course(content_dir)
    settings = build_settings({**OFFLINE, **config})
    return run(plan(course, instance / "build", ["audio"], settings))


def planned(content_dir: Path, instance: Path, **config: object) -> list[str]:
    course = load_course(content_dir)
    settings = build_settings({**OFFLINE, **config})
    return [job.label for job in plan(course, instance / "build", ["audio"], settings)]


def manifest(instance: Path) -> Manifest:
    return Manifest.load(instance / "build" / "audio")


def decoded_seconds(path: Path) -> float:
    """The duration an MP3 decoder (mutagen) finds in the file."""
    return mutagen.mp3.MP3(path).info.length


def spoken_units(text: str) -> int:
    """Words, counting each Chinese character as one (Chinese has no spaces between words)."""
    return len(CJK.sub(" ", text).split()) + len(CJK.findall(text))


def tone_mp3(seconds: float = 2.0, rate: int = 44100, channels: int = 2) -> bytes:
    """A real MP3 of a 440 Hz tone, standing in for a human recording."""
    frames = int(seconds * rate)
    samples = (int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(frames))
    pcm = b"".join(struct.pack("<h", s) * channels for s in samples)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(128)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(channels)
    encoder.set_quality(7)
    return bytes(encoder.encode(pcm) + encoder.flush())


def recorded_tone(seconds: float = 2.0, loudness: float = 0.3, container: str = "webm") -> bytes:
    """A tone as a browser's recorder sends it: WebM/Opus as Chromium makes it (or Ogg/Opus,
    or 16-bit WAV), made by FFmpeg through PyAV; `loudness` 0 gives silence."""
    import av
    import numpy as np

    rate = 48000
    codec = {"webm": "libopus", "ogg": "libopus", "wav": "pcm_s16le"}[container]
    times = np.arange(int(seconds * rate)) / rate
    samples = (loudness * np.sin(2 * math.pi * 440 * times)).astype("float32")
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as output:
        stream = output.add_stream(codec, rate=rate)
        stream.layout = "mono"
        if codec == "libopus":
            stream.bit_rate = 24_000  # a speech recorder's rate: a minute is about 180 KB
        sample_format = "flt" if codec == "libopus" else "s16"
        for start in range(0, len(samples), 960):
            chunk = samples[start : start + 960].reshape(1, -1)
            if sample_format == "s16":
                chunk = (chunk * 32767).astype("int16")
            frame = av.AudioFrame.from_ndarray(chunk, format=sample_format, layout="mono")
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()
