"""The engine chain: gTTS online (its network calls mocked here), eSpeak NG offline, MP3 checks.

gTTS is the only part not run for real: these tests replace its network
calls (the reachability probe and `requests.Session.send`) with fakes, so
they never contact Google. Everything else, eSpeak NG included, is real.
"""

from __future__ import annotations

import base64
import time
from types import SimpleNamespace

import pytest
import requests

import course.tts.google
from course import audio_mp3
from course.tts import EngineError, parse_chain
from course.tts.google import GoogleEngine, chunks
from tests.audio_helpers import build_audio, manifest, tone_mp3

GOOGLE_MP3 = tone_mp3(1.0, rate=24000, channels=1)  # the format Google's voice comes in


def google_reply(request: requests.PreparedRequest, status: int) -> requests.Response:
    """A reply shaped like Google Translate's batchexecute answer."""
    response = requests.Response()
    response.status_code = status
    response.reason = {200: "OK", 429: "Too Many Requests"}.get(status, "Error")
    response.url, response.request = request.url, request
    payload = base64.b64encode(GOOGLE_MP3).decode() if status == 200 else ""
    response._content = (')]}\'\n\n[["wrb.fr","jQ1olc","[\\"' + payload + '\\"]",null]]').encode()
    response._content_consumed = True
    return response


@pytest.fixture
def google(monkeypatch):
    """Fake network for gTTS: `google.replies` lists the statuses to answer, then 200s."""

    fake = SimpleNamespace(replies=[], sent=0)

    def send(session, request, **kwargs):
        fake.sent += 1
        reply = fake.replies.pop(0) if fake.replies else 200
        if isinstance(reply, Exception):
            raise reply
        return google_reply(request, reply)

    class Connection:
        def close(self) -> None:
            pass

    monkeypatch.setattr(requests.Session, "send", send)
    monkeypatch.setattr(course.tts.google.socket, "create_connection", lambda *a, **k: Connection())
    return fake


def test_gtts_chunks_end_at_sentences_and_keep_every_word():
    text = " ".join(f"Sentence number {n} says something about channels." for n in range(40))
    pieces = list(chunks(text, limit=200))
    assert len(pieces) > 5
    assert all(len(piece) <= 200 and piece.endswith(".") for piece in pieces)
    assert " ".join(pieces) == text


def test_gtts_retries_after_429_with_a_growing_back_off(google):
    google.replies = [429, 429]
    sleeps: list[float] = []
    data = GoogleEngine(sleep=sleeps.append).synthesize("Hello learners.", "en")
    assert sleeps == [2.0, 4.0]
    assert google.sent == 3
    assert audio_mp3.inspect(data).sample_rate == 24000


def test_gtts_gives_up_after_its_retries(google):
    google.replies = [429] * 10
    sleeps: list[float] = []
    with pytest.raises(EngineError, match="429"):
        GoogleEngine(sleep=sleeps.append).synthesize("Hello learners.", "en")
    assert sleeps == [2.0, 4.0, 8.0, 16.0]


def test_gtts_pauses_between_chunks_of_a_long_text(google):
    sleeps: list[float] = []
    text = " ".join(f"Sentence {n} is about the customer journey." for n in range(30))
    data = GoogleEngine(sleep=sleeps.append).synthesize(text, "en")
    assert len(sleeps) == len(list(chunks(text))) - 1 and set(sleeps) == {0.3}
    assert audio_mp3.inspect(data).duration == pytest.approx(google.sent * 1.0, rel=0.1)


def test_gtts_reachability_probe_fails_fast_without_network():
    engine = GoogleEngine(host="omnicourse.invalid")  # a name that never resolves: no mock
    started = time.monotonic()
    assert engine.available() is False
    assert time.monotonic() - started < 5
    with pytest.raises(EngineError):
        engine.synthesize("Hello.", "en")


@pytest.mark.parametrize("failure", [requests.ConnectionError("network is unreachable"), 403])
def test_failing_gtts_fails_fast_and_the_chain_falls_through_to_espeak(
    tmp_path, content, google, failure
):
    google.replies = [failure] * 50
    content.module()
    instance = tmp_path / "instance"
    started = time.monotonic()

    report = build_audio(content.root, instance, TTS_ENGINES="recording,gtts,espeak")

    assert report.failed == []
    assert time.monotonic() - started < 10
    assert google.sent == 1  # after the first failure gTTS is not asked again
    entries = manifest(instance).entries.values()
    assert {entry.engine for entry in entries} == {"espeak"}


def test_online_gtts_wins_over_espeak_and_yoruba_gets_no_file(tmp_path, content, google):
    content.module()
    content.module(locale="yo", extra="source_hash: abc\n")
    instance = tmp_path / "instance"

    assert build_audio(content.root, instance, TTS_ENGINES="recording,gtts,espeak").failed == []

    found = manifest(instance)
    module = found.get("en", "basics")
    assert (module.engine, module.voice) == ("gtts", "en")
    assert audio_mp3.inspect(found.path(module).read_bytes()).sample_rate == 24000
    assert not [target for target in found.entries if target.startswith("yo/")]


def test_engine_chain_names_are_checked():
    assert parse_chain(" Recording, espeak ,espeak") == ["recording", "espeak"]
    with pytest.raises(ValueError, match="unknown text-to-speech engine 'festival'"):
        parse_chain("recording,festival")


def test_damaged_mp3_is_rejected_and_formats_are_not_mixed():
    good = tone_mp3(2.0)
    info = audio_mp3.inspect(good)
    assert info.duration == pytest.approx(2.0, abs=0.1)
    damaged = good[: len(good) // 3] + bytes(len(good) // 2)
    with pytest.raises(audio_mp3.Mp3Error, match="damaged"):
        audio_mp3.inspect(damaged)
    with pytest.raises(audio_mp3.Mp3Error, match="different sample rates"):
        audio_mp3.join([good, tone_mp3(1.0, rate=24000, channels=1)])
    joined = audio_mp3.join([good, good])
    assert audio_mp3.inspect(joined).duration == pytest.approx(2 * info.duration, abs=0.01)
