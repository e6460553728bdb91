"""Locale names and writing direction, from the Unicode CLDR data Babel ships."""

from __future__ import annotations

import re
from functools import cache

from babel import Locale, UnknownLocaleError

LOCALE_CODE = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?$")


def is_locale_code(name: str) -> bool:
    return bool(LOCALE_CODE.match(name))


@cache
def _babel_locale(code: str) -> Locale | None:
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


def display_name(code: str) -> str:
    """The locale's name in its own language ("polski", "中文"), or the code."""
    locale = _babel_locale(code)
    name = locale.get_display_name(locale) if locale else None
    return (name[:1].upper() + name[1:]) if name else code


def text_direction(code: str) -> str:
    """`rtl` or `ltr`, for `<html dir>`."""
    locale = _babel_locale(code)
    return "rtl" if locale is not None and locale.character_order == "right-to-left" else "ltr"
