"""/translate/recordings/: voices and translators record sections; stale ones are listed."""

from __future__ import annotations

import io

import pytest

from app.cli.i18n import i18n
from course.audio_recordings import recording_path, sidecar
from tests.app.test_i18n import gettext, translate_module
from tests.audio_helpers import recorded_tone
from tests.conftest import csrf_token, make_app
from tests.learners import add_user, login

SECTION = "what-it-means"
PAGE = "/translate/recordings/en/basics"
UPLOAD = f"{PAGE}/{SECTION}"


@pytest.fixture
def studio(tmp_path, content):
    """A one-module course with a voice, a translator, an admin and a learner."""
    content.module()
    translate_module(content, locale="pl", title="Podstawy")
    app = make_app(tmp_path, content.root)
    for role in ("voice", "translator", "admin", "learner"):
        add_user(app, f"{role}@example.com", role)
    return app


def client_of(app, role: str):
    client = app.test_client()
    assert login(client, f"{role}@example.com").status_code == 302
    return client


def send(client, data: bytes | None, json: bool = False, url: str = UPLOAD, **form):
    token = csrf_token(client.get(PAGE).data)
    fields = {"csrf_token": token, **form}
    if data is not None:
        fields["audio"] = (io.BytesIO(data), "recording.webm")
    headers = {"Accept": "application/json"} if json else {}
    return client.post(url, data=fields, content_type="multipart/form-data", headers=headers)


def stored(content) -> bytes | None:
    path = recording_path(content.root, "en", "basics", SECTION)
    return path.read_bytes() if path.is_file() else None


def test_a_voice_records_a_section_and_hears_it_back(studio, content):
    voice = client_of(studio, "voice")
    page = voice.get(PAGE)
    assert page.status_code == 200
    assert page.headers["Permissions-Policy"] == "camera=(), microphone=(self), geolocation=()"
    assert "Not recorded yet" in page.get_data(as_text=True)

    answer = send(voice, recorded_tone(2))
    assert (answer.status_code, answer.location) == (303, PAGE)
    meta = sidecar(recording_path(content.root, "en", "basics", SECTION))
    assert meta["account"].startswith("user:") and len(meta["text_hash"]) == 16
    after = voice.get(PAGE).get_data(as_text=True)
    assert "Saved: “What it means”" in after and "Recorded" in after
    played = voice.get(f"{UPLOAD}.mp3")
    assert (played.status_code, played.mimetype) == (200, "audio/mpeg")
    assert played.data == stored(content)
    played.close()
    # Only the recording pages may use the microphone.
    assert "microphone=()" in voice.get("/translate/recordings/").headers["Permissions-Policy"]


def test_the_recording_is_credited_to_the_speakers_display_name(studio, content):
    voice = client_of(studio, "voice")
    token = csrf_token(voice.get("/auth/name").data)
    voice.post("/auth/name", data={"csrf_token": token, "display_name": "Adé Bello"})
    assert "credited to “Adé Bello”" in voice.get(PAGE).get_data(as_text=True)
    send(voice, recorded_tone(2))
    assert sidecar(recording_path(content.root, "en", "basics", SECTION))["recorded_by"] == (
        "Adé Bello"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00 an executable, not audio" * 30, "This file is not a recording we can read"),
        ("silence", "The recording is silent"),
        ("short", "The recording is too short"),
        (None, "Choose or record a recording first"),
    ],
)
def test_a_bad_recording_is_refused_clearly_and_keeps_the_one_saved(studio, content, data, message):
    voice = client_of(studio, "voice")
    assert send(voice, recorded_tone(2)).status_code == 303
    before = stored(content)
    if data == "silence":
        data = recorded_tone(3, loudness=0)
    elif data == "short":
        data = recorded_tone(0.4)
    page = send(voice, data)
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    script = send(voice, data, json=True)
    assert script.status_code == 400 and script.json["error"].startswith(message)
    assert stored(content) == before


def test_refusals_speak_the_speakers_language(studio):
    voice = client_of(studio, "voice")
    # The page opened in Polish sends its form to an address that names the language.
    assert f"{UPLOAD}?lang=pl" in voice.get(f"{PAGE}?lang=pl").get_data(as_text=True)
    page = send(voice, recorded_tone(3, loudness=0), url=f"{UPLOAD}?lang=pl").get_data(as_text=True)
    expected = gettext("pl", "The recording is silent. Check that the right microphone is "
                       "chosen and not muted, then record again.")  # fmt: skip
    assert expected in page and "silent" not in expected


def test_a_recording_too_large_or_too_long_is_refused_with_the_limit(tmp_path, content):
    content.module()
    app = make_app(tmp_path, content.root, RECORDING_MAX_BYTES=400_000, RECORDING_MAX_SECONDS=60)
    add_user(app, "voice@example.com", "voice")
    voice = client_of(app, "voice")
    too_large = send(voice, bytes(450_000))
    assert too_large.status_code == 413
    assert "larger than 0.4 MB. Record one section at a time" in too_large.get_data(as_text=True)
    too_long = send(voice, recorded_tone(61, loudness=0.2))
    assert too_long.status_code == 400
    assert "longer than 1 minute. Record one section" in too_long.get_data(as_text=True)
    assert stored(content) is None


def test_only_voices_translators_and_admins_record_and_only_admins_accept(studio, content):
    anonymous = studio.test_client()
    assert anonymous.get(PAGE).status_code == 302  # to the login page
    learner = client_of(studio, "learner")
    assert learner.get(PAGE).status_code == 403
    assert client_of(studio, "translator").get(PAGE).status_code == 200
    voice = client_of(studio, "voice")
    assert voice.get("/translate/").status_code == 403  # the status page is the translators'
    assert send(voice, recorded_tone(2)).status_code == 303
    assert send(voice, None, url=f"{UPLOAD}/accept").status_code == 403
    before = stored(content)
    assert send(learner, recorded_tone(3)).status_code == 403
    assert stored(content) == before
    # Without the form's token nothing is saved.
    no_token = voice.post(UPLOAD, data={"audio": (io.BytesIO(recorded_tone(2)), "r.webm")})
    assert no_token.status_code == 400
    # Unknown modules, sections and languages are a 404, and so is a way out of the folder.
    for url in (f"{PAGE}/nope.mp3", f"{PAGE}/..%2F..%2Fcourse.mp3", f"{PAGE}/_intro.mp3",
                "/translate/recordings/en/nope", "/translate/recordings/xx/basics"):  # fmt: skip
        assert voice.get(url).status_code == 404, url
    assert voice.get("/translate/recordings/..%2Fen/basics").status_code in (404, 405)
    assert send(voice, recorded_tone(2), url=f"{PAGE}/nope").status_code == 404
    assert send(voice, recorded_tone(2), url=f"{PAGE}/_module").status_code == 404


def test_a_stale_recording_is_listed_and_an_admin_can_keep_it(studio, content):
    voice = client_of(studio, "voice")
    send(voice, recorded_tone(2))
    source = content.root / "en" / "01-basics.md"
    source.write_text(source.read_text().replace("joins up **every** channel", "links channels"))
    studio.extensions["content"].refresh()

    translator = client_of(studio, "translator")
    status = translator.get("/translate/").get_data(as_text=True)
    assert "Recordings to redo" in status and "en/basics#what-it-means" in status
    assert "Stale: the text has changed" in voice.get(PAGE).get_data(as_text=True)
    assert "Keep it for the new text" not in voice.get(PAGE).get_data(as_text=True)
    cli = studio.test_cli_runner().invoke(i18n, ["status"]).output
    assert "1 recording(s) read text that has changed" in cli
    assert "en/basics#what-it-means" in cli

    admin = client_of(studio, "admin")
    assert "Keep it for the new text" in admin.get(PAGE).get_data(as_text=True)
    assert send(admin, None, url=f"{UPLOAD}/accept").status_code == 303
    studio.extensions["content"].refresh()
    assert "Recordings to redo" not in translator.get("/translate/").get_data(as_text=True)
    assert "recording(s) read text" not in studio.test_cli_runner().invoke(i18n, ["status"]).output


def test_removing_a_recording_brings_back_the_synthetic_voice(studio, content):
    voice = client_of(studio, "voice")
    send(voice, recorded_tone(2))
    assert send(voice, None, url=f"{UPLOAD}/remove").status_code == 303
    assert stored(content) is None
    assert send(voice, None, url=f"{UPLOAD}/remove").status_code == 404


def test_recordings_are_rate_limited_per_account(tmp_path, content):
    content.module()
    app = make_app(tmp_path, content.root, RECORDING_WRITES_PER_ACCOUNT=2)
    add_user(app, "voice@example.com", "voice")
    voice = client_of(app, "voice")
    assert send(voice, recorded_tone(2)).status_code == 303
    assert send(voice, recorded_tone(2)).status_code == 303
    refused = send(voice, recorded_tone(2), json=True)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many requests" in refused.json["error"]


def test_the_index_shows_how_much_of_each_module_is_recorded(studio):
    voice = client_of(studio, "voice")
    send(voice, recorded_tone(2))
    html = voice.get("/translate/recordings/").get_data(as_text=True)
    assert "1 of 2 sections" in html
    assert 'href="/translate/recordings/en/basics"' in html
    # The voice's header leads there.
    assert 'href="/translate/recordings/?lang=en">Recordings</a>' in voice.get("/en/").get_data(
        as_text=True
    )


def test_a_language_without_a_voice_offers_its_recorded_sections_one_by_one(tmp_path, content):
    from course import load_course
    from course.audio_import import import_recording
    from course.audio_recordings import save_recording
    from tests.audio_helpers import build_audio

    content.module()
    translate_module(content, locale="yo", title="Ìpìlẹ̀")
    module = load_course(content.root).modules["yo"]["basics"]
    save_recording(content.root, module, SECTION, import_recording(recorded_tone(2)).mp3, "Adé")
    app = make_app(tmp_path, content.root)
    build_audio(content.root, tmp_path / "instance")
    html = app.test_client().get("/yo/modules/basics/").get_data(as_text=True)
    assert f'src="/yo/modules/basics/sections/{SECTION}/audio.mp3?v=' in html
    assert gettext("yo", "Sections recorded so far") in html
    # and no link to a section that has no audio yet
    assert "/yo/modules/basics/sections/why-it-matters/audio.mp3" not in html
