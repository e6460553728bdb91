"""Read-along timings: each built MP3 has WebVTT cues saying when each sentence is spoken."""

from __future__ import annotations

import pytest

from course.readalong import Cue, parse_webvtt, split_sentences, spread, to_webvtt
from tests.audio_helpers import build_audio, decoded_seconds, manifest, tone_mp3


def cues_of(found, entry) -> list[Cue]:
    return parse_webvtt(found.path(entry).with_suffix(".vtt").read_text(encoding="utf-8"))


def test_sentences_split_at_stops_in_latin_and_chinese_text():
    text = 'Channels join up. "Do they?" Yes!\nA list item\n全渠道连接渠道。顾客在中心！好'
    assert split_sentences(text) == [
        "Channels join up.", '"Do they?"', "Yes!", "A list item",
        "全渠道连接渠道。", "顾客在中心！", "好",
    ]  # fmt: skip
    assert split_sentences("It costs 3.5 units. Then") == ["It costs 3.5 units.", "Then"]


def test_webvtt_round_trip_keeps_parts_times_and_text():
    cues = [Cue(0.0, 1.25, "First.", "what-it-means"), Cue(1.25, 3661.5, "A --> B", "_key-points")]
    vtt = to_webvtt(cues)
    assert vtt.startswith("WEBVTT\n\nwhat-it-means-1\n00:00:00.000 --> 00:00:01.250\nFirst.")
    assert "01:01:01.500" in vtt
    assert parse_webvtt(vtt) == [cues[0], Cue(1.25, 3661.5, "A → B", "_key-points")]
    with pytest.raises(ValueError):
        parse_webvtt("not a caption file")


def test_spread_shares_time_by_sentence_length():
    cues = spread(["Short.", "A sentence three times as long."], 10.0)
    assert cues[0].start == 0 and cues[-1].end == 10.0
    assert cues[1].end - cues[1].start > 3 * (cues[0].end - cues[0].start)


def test_each_sentence_has_its_measured_time_and_the_module_file_its_parts_in_order(
    tmp_path, content
):
    content.module()
    instance = tmp_path / "instance"
    assert build_audio(content.root, instance).failed == []
    found = manifest(instance)

    section = found.get("en", "basics", "what-it-means")
    cues = cues_of(found, section)
    sentences = [c.text for c in cues]
    assert sentences[0] == "What it means."  # the title is read first
    assert any(s.startswith("Omnichannel joins up every channel") for s in sentences)
    starts = [c.start for c in cues]
    assert starts == sorted(starts) and all(c.end > c.start for c in cues)
    # The sentences' measured lengths fill the file, but for the pause after the last one.
    assert cues[-1].end == pytest.approx(decoded_seconds(found.path(section)) - 0.7, abs=0.15)

    whole = found.get("en", "basics")
    module_cues = cues_of(found, whole)
    assert module_cues[0].part == "_intro"
    offset = 0.0
    for part, _key, seconds in whole.parts:
        own = [c for c in module_cues if c.part == part]
        assert own and own[0].start == pytest.approx(offset, abs=0.01), part
        assert all(offset <= c.start and c.end <= offset + seconds + 0.01 for c in own), part
        offset += seconds
    assert module_cues[-1].part == "_key-points"
    assert module_cues[-1].text == "Channels are joined up."


def test_a_recorded_section_has_one_cue_and_old_cues_go_with_their_mp3(tmp_path, content):
    path = content.module()
    folder = content.root / "en" / "audio"
    folder.mkdir()
    (folder / "basics--why-it-matters.mp3").write_bytes(tone_mp3(2.0))
    instance = tmp_path / "instance"
    assert build_audio(content.root, instance).failed == []
    found = manifest(instance)
    recorded = found.get("en", "basics", "why-it-matters")
    assert [(c.start, c.text) for c in cues_of(found, recorded)] == [(0.0, "Why it matters.")]
    old = found.path(found.get("en", "basics", "what-it-means")).with_suffix(".vtt")
    assert old.is_file()

    path.write_text(path.read_text().replace("joins up", "connects"), encoding="utf-8")
    assert build_audio(content.root, instance).failed == []
    assert not old.exists()  # replaced with its MP3
    found = manifest(instance)
    changed = cues_of(found, found.get("en", "basics", "what-it-means"))
    assert any(c.text.startswith("Omnichannel connects every channel") for c in changed)
    vtts = sorted((instance / "build" / "audio").rglob("*.vtt"))
    assert {p.with_suffix(".mp3").name for p in vtts} == {
        p.name for p in (instance / "build" / "audio").rglob("*.mp3")
    }
