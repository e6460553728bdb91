"""Benchmark: one module's audio read by Piper (en_US Joe) and by eSpeak NG.

Run: python -m tests.bench voices   (or python -m tests.bench.bench_voices [LOCALE SLUG])
Speaks the parts of the English module 01 (intro, every section, key points)
with each engine as the build would, joins them, and prints the seconds it
took (Piper's model load shown apart), the MP3's bytes and length, and the
ratios Piper / eSpeak NG.
"""

from __future__ import annotations

import sys
import time

from course import audio_mp3, load_course
from course.audio import closing_speech, intro_speech, section_speech
from course.tts import create_engine
from tests.conftest import REAL_CONTENT


def module_texts(locale: str, slug: str) -> list[str]:
    module = load_course(REAL_CONTENT).modules[locale][slug]
    texts = [intro_speech(module), *(section_speech(s) for s in module.sections)]
    return [text for text in (*texts, closing_speech(module)) if text]


def measure(name: str, locale: str, texts: list[str]) -> tuple[float, float, int, float]:
    """(seconds to load, seconds to speak, bytes, seconds of audio) for engine `name`."""
    started = time.perf_counter()
    engine = create_engine(name)
    voice = engine.voice(locale)
    assert voice, f"{name} has no voice for {locale}"
    engine.synthesize("Ready.", voice)  # loads the library or model once, as a build does
    loaded = time.perf_counter()
    data = audio_mp3.join(engine.synthesize(text, voice) for text in texts)
    spoken = time.perf_counter()
    return loaded - started, spoken - loaded, len(data), audio_mp3.inspect(data).duration


def main() -> None:
    locale, slug = sys.argv[1:3] if len(sys.argv) > 2 else ("en", "principles")
    texts = module_texts(locale, slug)
    words = sum(len(text.split()) for text in texts)
    print(f"{locale}/{slug}: {len(texts)} parts, {words} words")
    results = {name: measure(name, locale, texts) for name in ("espeak", "piper")}
    print(
        f"{'engine':<8} {'load s':>7} {'speak s':>8} {'bytes':>9} {'audio s':>8} {'x realtime':>10}"
    )
    for name, (load, speak, size, seconds) in results.items():
        print(
            f"{name:<8} {load:7.2f} {speak:8.2f} {size:9d} {seconds:8.1f} {seconds / speak:10.1f}"
        )
    piper, espeak = results["piper"], results["espeak"]
    print(
        f"piper / espeak: time {piper[1] / espeak[1]:.1f}x "
        f"(with loading {(piper[0] + piper[1]) / (espeak[0] + espeak[1]):.1f}x), "
        f"bytes {piper[2] / espeak[2]:.2f}x, audio length {piper[3] / espeak[3]:.2f}x"
    )


if __name__ == "__main__":
    main()
