"""How long a module takes to read, from its words (characters in Chinese).

The rates are a study pace: about 80% of the average silent reading speed
measured for each language by the IReST study (Trauzettel-Klosinski & Dietz,
2012: English 228 words a minute, Polish 166, Chinese 255 characters), since
learners read a course more slowly than a story. A language without a measured
rate is read at the default. A translator who adds a locale adds its rate here.
"""

from __future__ import annotations

import math

DEFAULT_RATE = 180  # words a minute
RATES = {"en": 180, "pl": 130, "zh": 200, "yo": 180}  # zh: characters a minute
TOLERANCE = 0.25  # a declared time this far from the computed one is reported


def reading_rate(locale: str) -> int:
    return RATES.get(locale.split("-")[0], DEFAULT_RATE)


def reading_minutes(words: int, locale: str) -> int:
    """Whole minutes, at least one."""
    return max(1, math.ceil(words / reading_rate(locale)))


def far_from(declared: int, computed: int) -> bool:
    """Whether a declared reading time is off by more than the tolerance (and a minute)."""
    return abs(declared - computed) > max(1, TOLERANCE * computed)
