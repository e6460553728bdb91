"""Helpers for the audio tests: build a course's audio, make recordings, judge durations."""

from __future__ import annotations

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
