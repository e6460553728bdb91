"""Text-to-speech engines behind one small interface.

An engine says which voice it has for a locale (or none), whether it can run
right now, and turns text into MP3 bytes. Failures raise EngineError so the
chain can fall through to the next engine.
"""

from __future__ import annotations

import importlib
from typing import Protocol

RECORDING = "recording"
ENGINES = {
    "gtts": "course.tts.google:GoogleEngine",
    "piper": "course.tts.piper:PiperEngine",
    "espeak": "course.tts.espeak:EspeakEngine",
}


class EngineError(RuntimeError):
    """The engine could not speak this text; the next engine in the chain may."""


class Engine(Protocol):
    name: str
    settings: str  # anything that changes the sound; part of the output's hash

    def voice(self, locale: str) -> str | None:
        """The voice for `locale`, or None when the engine does not speak it."""
        ...

    def available(self) -> bool:
        """True when the engine can run now (library present, network reachable)."""
        ...

    def synthesize(self, text: str, voice: str) -> bytes:
        """Speak `text` as MP3 bytes; raise EngineError on failure."""
        ...


# An offline engine also has `pcm(text, voice) -> (16-bit mono samples, sample rate)`: the
# build then speaks sentence by sentence and knows when each one is said (read-along).


NAMES = {"gtts": "Google Translate", "espeak": "eSpeak NG", "piper": "Piper"}


def credit(engines: tuple[str, ...] | list[str], voices: str = "") -> str:
    """Who speaks, for people: "Piper, en_US Joe, CC0-1.0", "eSpeak NG", or several joined."""
    from course.tts.piper import by_name

    names = []
    for engine in engines:
        if engine == RECORDING:
            continue
        if engine == "piper":
            packaged = [by_name(v) for v in voices.split(",")]
            found = [f"{v.credit}, {v.licence}" for v in packaged if v]
            names.extend(found or [NAMES["piper"]])
        else:
            names.append(NAMES.get(engine, engine))
    return ", ".join(dict.fromkeys(names))


def parse_chain(value: str | None) -> list[str]:
    """Engine names from a TTS_ENGINES value such as "recording,gtts,piper,espeak"."""
    names = [name.strip().lower() for name in (value or "").split(",") if name.strip()]
    for name in names:
        if name != RECORDING and name not in ENGINES:
            known = ", ".join([RECORDING, *ENGINES])
            raise ValueError(f"unknown text-to-speech engine '{name}' (known: {known})")
    return list(dict.fromkeys(names))


def create_engine(name: str) -> Engine:
    """A new instance of the engine called `name`."""
    module_name, _, class_name = ENGINES[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)()
