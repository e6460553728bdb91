"""Human recordings kept in step with the text, and recordings imported from a browser."""

from __future__ import annotations

import pytest

from app.rebuild import changed_modules
from course import audio_mp3, load_course
from course.audio_import import (
    NOT_AUDIO,
    RATE,
    SILENT,
    TOO_LONG,
    TOO_SHORT,
    RecordingRefused,
    import_recording,
)
from course.audio_recordings import (
    CURRENT,
    STALE,
    UNTRACKED,
    accept_recording,
    recording_path,
    recording_report,
    remove_recording,
    save_recording,
    sidecar,
)
from course.tts.espeak import PAUSE_SECONDS
from tests.audio_helpers import build_audio, manifest, recorded_tone, tone_mp3


def module_of(content_root, locale="en", slug="basics"):
    return load_course(content_root).modules[locale][slug]


def engine_of(instance, part):
    return manifest(instance).get("en", "basics", part).engine


def test_a_recording_goes_stale_when_its_text_changes_until_recorded_or_accepted(tmp_path, content):
    path = content.module()
    instance = tmp_path / "instance"
    module = module_of(content.root)
    spoken = import_recording(recorded_tone(1.5)).mp3  # as the recording page stores it
    saved = save_recording(content.root, module, "what-it-means", spoken, "Ada", "user:7")
    assert saved == recording_path(content.root, "en", "basics", "what-it-means")
    meta = sidecar(saved)
    assert (meta["recorded_by"], meta["account"]) == ("Ada", "user:7")
    assert [s.state for s in recording_report(load_course(content.root))] == [CURRENT]

    assert build_audio(content.root, instance).failed == []
    assert engine_of(instance, "what-it-means") == "recording"
    # It joins the synthetic parts frame by frame in the module's file.
    assert manifest(instance).get("en", "basics").engines == ("espeak", "recording")

    # The author rewrites the section: the recording reads the old words.
    path.write_text(path.read_text().replace("joins up **every** channel", "links each channel"))
    report = recording_report(load_course(content.root))
    assert [(s.name, s.state, s.recorded_by) for s in report] == [
        ("en/basics#what-it-means", STALE, "Ada")
    ]
    assert build_audio(content.root, instance).failed == []
    assert engine_of(instance, "what-it-means") == "espeak"  # the synthetic voice reads it
    assert saved.is_file()  # and the recording is kept, to be accepted or replaced

    # An admin keeps the old recording for the new text.
    assert accept_recording(content.root, module_of(content.root), "what-it-means", "user:1")
    assert [s.state for s in recording_report(load_course(content.root))] == [CURRENT]
    assert build_audio(content.root, instance).failed == []
    assert engine_of(instance, "what-it-means") == "recording"

    assert remove_recording(content.root, module_of(content.root), "what-it-means")
    assert not saved.is_file() and not saved.with_suffix(".yaml").exists()
    assert build_audio(content.root, instance).failed == []
    assert engine_of(instance, "what-it-means") == "espeak"


def test_spacing_changes_do_not_make_a_recording_stale_but_words_do(content):
    path = content.module()
    save_recording(content.root, module_of(content.root), "what-it-means", tone_mp3(1), None)
    path.write_text(path.read_text().replace("joins up **every**", "joins up\n**every**"))
    assert [s.state for s in recording_report(load_course(content.root))] == [CURRENT]
    path.write_text(path.read_text().replace("**every**", "**each**"))
    assert [s.state for s in recording_report(load_course(content.root))] == [STALE]


def test_a_recording_put_there_by_hand_is_used_and_listed_as_untracked(tmp_path, content):
    content.module()
    folder = content.root / "en" / "audio"
    folder.mkdir()
    (folder / "basics--why-it-matters.mp3").write_bytes(tone_mp3(1.0))
    report = recording_report(load_course(content.root))
    assert [(s.section_id, s.state) for s in report] == [("why-it-matters", UNTRACKED)]
    assert build_audio(content.root, tmp_path / "instance").failed == []
    assert engine_of(tmp_path / "instance", "why-it-matters") == "recording"


def test_a_new_or_changed_recording_marks_its_module_for_rebuilding(content):
    content.module()
    content.module(slug="other", title="Other", order=2)
    before = load_course(content.root)
    save_recording(content.root, module_of(content.root), "what-it-means", tone_mp3(1), None)
    after = load_course(content.root)
    assert after.version != before.version
    assert changed_modules(before, after) == ["en/basics"]


@pytest.mark.parametrize("container", ["webm", "ogg", "wav"])
def test_a_browser_recording_becomes_an_mp3_at_the_synthetic_voices_rate(container):
    imported = import_recording(recorded_tone(2.5, container=container))
    info = audio_mp3.inspect(imported.mp3)
    assert imported.seconds == pytest.approx(2.5, abs=0.05)
    assert info.sample_rate == RATE and info.channels == 1
    # and the pause every part ends with, so joined parts do not run together
    assert info.duration == pytest.approx(2.5 + PAUSE_SECONDS, abs=0.1)


def test_a_quiet_recording_is_raised_to_a_normal_level():
    import av
    import numpy as np

    imported = import_recording(recorded_tone(2, loudness=0.05))
    with av.open(__import__("io").BytesIO(imported.mp3)) as container:
        peak = max(float(np.abs(f.to_ndarray()).max()) for f in container.decode(audio=0))
    assert 0.3 < peak <= 1.0  # eight times louder at most (0.4), not left at 0.05


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", NOT_AUDIO),
        (b"<html><body>not a recording</body></html>" * 50, NOT_AUDIO),
        (b"\x89PNG\r\n\x1a\n" + bytes(2000), NOT_AUDIO),
        ("silence", SILENT),
        ("half a second", TOO_SHORT),
    ],
)
def test_what_is_not_a_usable_recording_is_refused_with_its_reason(data, reason):
    if data == "silence":
        data = recorded_tone(3, loudness=0)
    elif data == "half a second":
        data = recorded_tone(0.5)
    with pytest.raises(RecordingRefused) as refused:
        import_recording(data)
    assert refused.value.reason == reason


def test_a_recording_over_the_time_limit_is_refused_without_decoding_it_all():
    with pytest.raises(RecordingRefused) as refused:
        import_recording(recorded_tone(6), max_seconds=3)
    assert refused.value.reason == TOO_LONG


def test_a_language_no_engine_speaks_gets_module_audio_once_every_section_is_recorded(
    tmp_path, content
):
    from tests.app.test_i18n import translate_module

    content.module()
    translate_module(content, locale="yo", title="Ìpìlẹ̀")
    instance = tmp_path / "instance"
    module = module_of(content.root, "yo")
    take = import_recording(recorded_tone(1.5)).mp3
    save_recording(content.root, module, "what-it-means", take, "Adé")
    assert build_audio(content.root, instance).failed == []
    found = manifest(instance)
    assert found.get("yo", "basics", "what-it-means").engine == "recording"
    assert found.get("yo", "basics") is None  # one section still has no voice

    save_recording(content.root, module, "why-it-matters", take, "Adé")
    assert build_audio(content.root, instance).failed == []
    whole = manifest(instance).get("yo", "basics")
    assert whole is not None and whole.engines == ("recording",)
    assert whole.recorded_by == "Adé"
    assert audio_mp3.inspect(manifest(instance).path(whole).read_bytes()).duration > 3
