"""Which passwords an account may have (ASVS 2.1), and what to tell someone whose choice is weak.

A password is accepted when it has at least 12 characters and a strength
estimate of 3 of 4 (zxcvbn: about 10^8 guesses and more), or at least 8 with
the top estimate, and is neither on the shipped list of the 97,000 most
common leaked passwords (data/common-passwords.txt.gz) nor built from the
owner's email address or name. There is no rule about digits or symbols:
length and unpredictability are what make a password hard to guess.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MIN_LENGTH_VERY_STRONG = 8
MAX_LENGTH = 256
SCORE_NEEDED = 3  # zxcvbn's 0-4 scale, for MIN_LENGTH characters and more
SCORE_NEEDED_SHORT = 4  # for MIN_LENGTH_VERY_STRONG up to MIN_LENGTH
ESTIMATED_CHARACTERS = 100  # zxcvbn's work grows with the length; more adds nothing
COMMON_PASSWORDS = Path(__file__).with_name("data") / "common-passwords.txt.gz"
_WORDS = re.compile(r"[^\W_]{3,}")


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n") for line in lines)


def personal_words(email: str = "", name: str = "") -> list[str]:
    """What an attacker knows of the owner: the address, its parts, the name's words."""
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    words = [email, local, *_WORDS.findall(local), *_WORDS.findall(domain.rpartition(".")[0])]
    words += _WORDS.findall(name.lower())
    return [word for word in dict.fromkeys(words) if len(word) >= 3]


def password_problems(password: str, email: str = "", name: str = "") -> list[str]:
    """Why `password` may not be used, in the learner's language; empty when it may."""
    if len(password) > MAX_LENGTH:
        return [_l("Use at most %(max)d characters.", max=MAX_LENGTH)]
    if len(password) < MIN_LENGTH_VERY_STRONG or not password.strip():
        return [_too_short()]
    lowered = password.lower()
    if lowered in common_passwords():
        return [_l("This is one of the most common passwords: attackers try those first.")]
    personal = personal_words(email, name)
    address_parts = [word for word in personal[:2] if len(word) >= 5]  # "ada" may be in "canada"
    if any(word in lowered for word in address_parts):
        return [_l("Do not build your password from your email address.")]
    from zxcvbn import zxcvbn  # its word lists load on first use, not with every command

    estimate = zxcvbn(password[:ESTIMATED_CHARACTERS], user_inputs=personal)
    needed = SCORE_NEEDED if len(password) >= MIN_LENGTH else SCORE_NEEDED_SHORT
    if estimate["score"] >= needed:
        return []
    hints = _hints(estimate["sequence"])
    if len(password) < MIN_LENGTH:
        return [_too_short(), *hints]
    return [_l("This password would be easy to guess."), *hints]


def _too_short():
    return _l(
        "Use at least %(min)d characters. A few words you will remember work well.",
        min=MIN_LENGTH,
    )


def _hints(sequence: list[dict]) -> list[str]:
    """What made the estimate low, from the patterns zxcvbn found, most telling first."""
    hints = []
    for match in sorted(sequence, key=lambda m: len(m["token"]), reverse=True):
        hint = _hint(match)
        if hint is not None and hint not in hints:
            hints.append(hint)
    return hints[:2] or [_l("Add another word or two: uncommon words are better.")]


def _hint(match: dict):
    pattern = match["pattern"]
    if pattern == "repeat":
        return _l("Avoid repeated characters and words, like “aaa” or “abcabc”.")
    if pattern == "sequence":
        return _l("Avoid sequences, like “abcd” or “6543”.")
    if pattern == "spatial":
        return _l("Avoid rows and patterns of keys, like “qwerty”.")
    if pattern in ("date", "regex"):
        return _l("Avoid dates and years, above all those that say something about you.")
    if pattern == "dictionary":
        if match["dictionary_name"] == "user_inputs":
            return _l("Do not build your password from your email address.")
        if match["dictionary_name"] == "passwords":
            return _l("Avoid common passwords, even with letters swapped for digits or symbols.")
        if match["dictionary_name"] in ("surnames", "male_names", "female_names"):
            return _l("Avoid names: they are among the first things attackers try.")
        return _l("Add another word or two: uncommon words are better.")
    return None
