"""Building audio: real eSpeak NG synthesis, incremental rebuilds, recordings, interruptions."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mutagen.id3 import ID3, TPE1

import course.audio
import course.store
from app.cli import build, check
from course import audio_mp3, load_course
from course.audio import closing_speech, intro_speech, section_speech
from course.tts.espeak import EspeakEngine
from tests.audio_helpers import (
    build_audio,
    decoded_seconds,
    manifest,
    planned,
    spoken_units,
    tone_mp3,
)
from tests.conftest import make_app

SECTIONS = ["what-it-means", "why-it-matters"]


def audio_files(instance):
    return sorted(p.relative_to(instance) for p in (instance / "build" / "audio").rglob("*.mp3"))


def test_espeak_speaks_english_polish_and_chinese_but_not_yoruba():
    engine = EspeakEngine()
    assert engine.voice("en") and engine.voice("pl") and engine.voice("zh")
    assert engine.voice("yo") is None


LESSON = (
    "A customer who starts a purchase on a phone expects to finish it in the store without "
    "telling the whole story again. Omnichannel means that every channel shares what it "
    "knows about the customer, so the journey feels like one conversation. Companies that "
    "join up their channels keep more customers and learn faster what those customers want. "
)


def test_build_makes_decodable_mp3s_whose_length_fits_the_text(tmp_path, content):
    extra = {"en": "", "pl": "source_hash: abc\n"}
    for locale in ("en", "pl"):
        path = content.module(locale=locale, extra=extra[locale])
        path.write_text(path.read_text().replace("Omnichannel joins up", LESSON * 2 + "It joins"))
    instance = tmp_path / "instance"

    report = build_audio(content.root, instance)

    assert report.failed == []
    found = manifest(instance)
    module = load_course(content.root).modules["en"]["basics"]
    words = (
        spoken_units(intro_speech(module))
        + sum(spoken_units(section_speech(s)) for s in module.sections)
        + spoken_units(closing_speech(module))
    )
    assert words > 100
    for locale in ("en", "pl"):
        entry = found.get(locale, "basics")
        assert entry.engine == "espeak"
        seconds = decoded_seconds(found.path(entry))
        assert seconds == pytest.approx(entry.duration, abs=0.1)
        pauses = 0.7 * (2 + len(module.sections))  # after the intro, each section, key points
        words_per_minute = words / ((seconds - pauses) / 60)
        assert 100 < words_per_minute < 220, (
            f"{locale}: {seconds:.1f} s, {words_per_minute:.0f} wpm"
        )
        for section in SECTIONS:
            part = found.get(locale, "basics", section)
            assert part.engine == "espeak"
            assert decoded_seconds(found.path(part)) > 1
    # The module file is its parts joined: the durations add up, nothing is spoken twice.
    entry = found.get("en", "basics")
    assert sum(seconds for _, _, seconds in entry.parts) == pytest.approx(entry.duration, abs=0.05)
    assert [part for part, _, _ in entry.parts] == ["_intro", *SECTIONS, "_key-points"]


def test_section_speech_reads_the_title_and_joins_soft_line_breaks(content):
    path = content.module()
    path.write_text(path.read_text().replace("joins up **every**", "joins up\n**every**"))
    section = load_course(content.root).modules["en"]["basics"].sections[0]
    text = section_speech(section)
    assert text.startswith("What it means.\n")
    assert "joins up every channel." in text
    assert "example.com" not in text


def test_a_second_build_has_nothing_to_do(tmp_path, content):
    content.module()
    instance = tmp_path / "instance"
    build_audio(content.root, instance)
    assert planned(content.root, instance) == []


def test_changing_one_section_rebuilds_only_it_and_its_module(tmp_path, content):
    path = content.module()
    content.module(slug="other", order=2, title="Other")
    instance = tmp_path / "instance"
    build_audio(content.root, instance)
    before = {p: os.stat(instance / p).st_mtime_ns for p in audio_files(instance)}

    path.write_text(path.read_text().replace("joins up", "connects"))
    assert planned(content.root, instance) == [
        "audio en/basics#what-it-means",
        "audio en/basics",
    ]
    assert build_audio(content.root, instance).failed == []

    after = {p: os.stat(instance / p).st_mtime_ns for p in audio_files(instance)}
    changed = {p.parent.name + "/" + p.name.rsplit("-", 1)[0] for p in set(after) - set(before)}
    assert changed == {"basics/what-it-means", "basics/module"}
    unchanged = set(before) & set(after)
    assert all(before[p] == after[p] for p in unchanged)
    assert len(after) == len(before)  # the replaced files were removed


def test_human_recording_wins_and_says_who_recorded_it(tmp_path, content):
    content.module()
    folder = content.root / "en" / "audio"
    folder.mkdir()
    recording = folder / "basics.mp3"
    recording.write_bytes(tone_mp3())
    tag = ID3()
    tag.add(TPE1(encoding=3, text=["Ada Lovelace"]))
    tag.save(recording)
    (folder / "basics--why-it-matters.mp3").write_bytes(tone_mp3(1.0))
    (folder / "basics--why-it-matters.yaml").write_text("recorded_by: Grace Hopper\n")
    instance = tmp_path / "instance"

    assert build_audio(content.root, instance).failed == []

    found = manifest(instance)
    module = found.get("en", "basics")
    assert (module.engine, module.recorded_by) == ("recording", "Ada Lovelace")
    assert found.path(module).read_bytes() == recording.read_bytes()
    section = found.get("en", "basics", "why-it-matters")
    assert (section.engine, section.recorded_by) == ("recording", "Grace Hopper")
    assert found.get("en", "basics", "what-it-means").engine == "espeak"
    # Without "recording" in the chain the files are synthesised instead.
    build_audio(content.root, instance, TTS_ENGINES="espeak")
    assert manifest(instance).get("en", "basics").engine == "espeak"


def test_section_recording_in_another_format_still_gives_a_whole_module_file(tmp_path, content):
    content.module()
    folder = content.root / "en" / "audio"
    folder.mkdir()
    (folder / "basics--what-it-means.mp3").write_bytes(tone_mp3(1.5, rate=44100, channels=2))
    instance = tmp_path / "instance"

    assert build_audio(content.root, instance).failed == []

    found = manifest(instance)
    assert found.get("en", "basics", "what-it-means").engine == "recording"
    module = found.get("en", "basics")
    info = audio_mp3.inspect(found.path(module).read_bytes())  # one consistent stream
    assert module.engine == "espeak" and info.duration > 5
    assert planned(content.root, instance) == []  # and it is not made again next time


@pytest.mark.parametrize(
    ("data", "problem"),
    [(b"", "the file is empty"), (b"ID3 this is not audio at all" * 40, "no MP3 audio found")],
)
def test_check_reports_a_broken_recording_and_the_build_skips_it(tmp_path, content, data, problem):
    content.module()
    folder = content.root / "en" / "audio"
    folder.mkdir()
    broken = folder / "basics.mp3"
    broken.write_bytes(data)
    app = make_app(tmp_path, content.root, **{"TTS_ENGINES": "recording,espeak"})

    result = app.test_cli_runner().invoke(check)
    assert result.exit_code == 1
    assert f"{broken}:1: broken recording, skipped: {problem}" in result.output

    result = app.test_cli_runner().invoke(build, ["--audio"])
    assert result.exit_code == 0, result.output
    assert manifest(tmp_path / "instance").get("en", "basics").engine == "espeak"


def test_check_reports_recordings_of_unknown_modules_and_sections(tmp_path, content):
    content.module()
    folder = content.root / "en" / "audio"
    folder.mkdir()
    (folder / "nothing.mp3").write_bytes(tone_mp3(0.5))
    (folder / "basics--no-such-part.mp3").write_bytes(tone_mp3(0.5))
    (folder / "basics--what-it-means.mp3").write_bytes(tone_mp3(0.5))  # fine

    result = make_app(tmp_path, content.root).test_cli_runner().invoke(check)

    assert result.exit_code == 1
    assert f"{folder / 'nothing.mp3'}:1: recording of a module that does not exist" in result.output
    assert "'basics' has no 'no-such-part'" in result.output
    assert "basics--what-it-means" not in result.output
    assert "2 problem(s) found" in result.output


def test_build_command_shows_progress_and_then_is_up_to_date(tmp_path, content):
    content.module()
    runner = make_app(tmp_path, content.root, TTS_ENGINES="recording,espeak").test_cli_runner()
    first = runner.invoke(build, ["--audio"])
    assert first.exit_code == 0, first.output
    assert "Built 5 file(s), 0 failure(s)." in first.output  # intro, 2 sections, key points, module
    assert "Up to date: audio." in runner.invoke(build, ["--audio"]).output


def test_unknown_engine_name_is_a_clear_build_failure(tmp_path, content):
    content.module()
    runner = make_app(tmp_path, content.root, TTS_ENGINES="recording,festival").test_cli_runner()
    result = runner.invoke(build, ["--audio"])
    assert result.exit_code == 1
    assert "unknown text-to-speech engine 'festival'" in result.output
    assert "Traceback" not in result.output


def test_interrupted_build_leaves_no_half_written_file(tmp_path, content, monkeypatch):
    content.module()
    instance = tmp_path / "instance"
    real_replace = os.replace
    mp3s = []

    def interrupted(source, target):
        if str(target).endswith(".mp3"):
            mp3s.append(target)
            if len(mp3s) == 2:  # the first part is in place; stop while the next one is written
                raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(course.store.os, "replace", interrupted)  # where files are written
    with pytest.raises(KeyboardInterrupt):
        build_audio(content.root, instance)
    monkeypatch.undo()

    folder = instance / "build" / "audio"
    assert not list(folder.rglob("*.tmp"))
    assert not mp3s[1].exists()
    found = manifest(instance)
    assert list(found.entries) == ["en/basics/_intro"]  # the module's file is not served yet
    for entry in found.entries.values():
        audio_mp3.inspect(found.path(entry).read_bytes())
    app = make_app(tmp_path, content.root)
    assert app.test_client().get("/en/modules/basics/audio.mp3").status_code == 404

    assert build_audio(content.root, instance).failed == []
    assert manifest(instance).get("en", "basics") is not None
    with app.test_client().get("/en/modules/basics/audio.mp3") as response:
        assert response.status_code == 200


def test_killed_build_process_leaves_only_whole_files_in_the_manifest(tmp_path, content):
    for order in range(1, 7):
        path = content.module(slug=f"m{order}", order=order, title=f"Module {order}")
        path.write_text(path.read_text().replace("Omnichannel joins up", LESSON * 6 + "It joins"))
    instance = tmp_path / "instance"
    env = {
        **os.environ,
        "OMNICOURSE_INSTANCE_PATH": str(instance),
        "OMNICOURSE_CONTENT_DIR": str(content.root),
        "OMNICOURSE_TTS_ENGINES": "recording,espeak",
    }
    command = [str(Path(sys.executable).with_name("omnicourse")), "build", "--audio"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    manifest_file = instance / "build" / "audio" / "manifest.json"
    deadline = time.monotonic() + 60
    while not manifest_file.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)  # no chance to clean up
    process.wait()

    found = manifest(instance)
    assert found.entries and found.get("en", "m6") is None, "the build ended before the kill"
    for entry in found.entries.values():
        data = found.path(entry).read_bytes()
        assert len(data) == entry.size
        assert audio_mp3.inspect(data).duration == pytest.approx(entry.duration, abs=0.01)
    assert build_audio(content.root, instance).failed == []
    assert manifest(instance).get("en", "m6") is not None


def test_leftover_temp_files_of_a_killed_build_are_removed(tmp_path, content):
    content.module()
    instance = tmp_path / "instance"
    build_audio(content.root, instance)
    leftover = instance / "build" / "audio" / "en" / "basics" / ".module-x.mp3.99.tmp"
    leftover.write_bytes(b"half")
    hour_ago = time.time() - 7200
    os.utime(leftover, (hour_ago, hour_ago))

    assert planned(content.root, instance) == ["audio: remove 1 outdated file(s)"]
    build_audio(content.root, instance)
    assert not leftover.exists()


def test_removed_module_loses_its_audio(tmp_path, content):
    content.module()
    other = content.module(slug="other", order=2, title="Other")
    instance = tmp_path / "instance"
    build_audio(content.root, instance)
    other.unlink()

    assert build_audio(content.root, instance).failed == []

    found = manifest(instance)
    assert found.get("en", "other") is None
    assert not (instance / "build" / "audio" / "en" / "other").exists() or not list(
        (instance / "build" / "audio" / "en" / "other").iterdir()
    )
