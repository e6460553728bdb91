"""The shipped course's audio, built offline with eSpeak NG: every module in en, pl and zh."""

from __future__ import annotations

import pytest

from course import load_course
from course.audio import Manifest, section_speech
from tests.audio_helpers import decoded_seconds, spoken_units
from tests.conftest import REAL_CONTENT

# Plausible speaking rates (words, or Chinese characters, per minute) for a clear voice.
RATES = {"en": (130, 210), "pl": (90, 160), "zh": (170, 290)}


@pytest.mark.slow
def test_every_module_of_the_course_has_audio_as_long_as_its_text(built_course):
    course = load_course(REAL_CONTENT)

    assert built_course.report.failed == []
    found = Manifest.load(built_course.build / "audio")
    for locale, (slowest, fastest) in RATES.items():
        for module in course.modules[locale].values():
            entry = found.get(locale, module.slug)
            assert entry is not None, f"{locale}/{module.slug} has no audio"
            seconds = decoded_seconds(found.path(entry))
            units = spoken_units(module.title)
            units += sum(spoken_units(section_speech(section)) for section in module.sections)
            rate = units / (seconds / 60)
            assert slowest < rate < fastest, (
                f"{locale}/{module.slug}: {seconds:.0f} s, {rate:.0f}/min"
            )
            for section in module.sections:
                assert found.get(locale, module.slug, section.id) is not None
    assert not [target for target in found.entries if target.startswith("yo/")]
