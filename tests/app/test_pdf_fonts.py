"""The fonts that ship with the project: served without a CDN, covering every character used."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

from app.config import PROJECT_ROOT

STATIC = PROJECT_ROOT / "static"
FONTS_CSS = STATIC / "css" / "fonts.css"
FACE = re.compile(r"@font-face\s*\{(?P<body>[^}]*)\}")


@dataclass(frozen=True)
class Face:
    family: str
    style: str
    weight: int
    url: str
    ranges: tuple[tuple[int, int], ...]

    @property
    def path(self) -> Path:
        return (FONTS_CSS.parent / self.url.partition("?")[0]).resolve()

    def draws(self, character: str) -> bool:
        code = ord(character)
        in_range = any(start <= code <= end for start, end in self.ranges)
        return in_range and code in cmap(self.path)


@cache
def cmap(path: Path) -> frozenset[int]:
    return frozenset(TTFont(path).getBestCmap())


def faces() -> list[Face]:
    result = []
    for match in FACE.finditer(FONTS_CSS.read_text(encoding="utf-8")):
        body = match["body"]
        ranges = []
        for part in re.search(r"unicode-range:\s*([^;]+);", body)[1].split(","):
            start, _, end = part.strip().removeprefix("U+").partition("-")
            ranges.append((int(start, 16), int(end or start, 16)))
        result.append(
            Face(
                family=re.search(r'font-family:\s*"([^"]+)"', body)[1],
                style=re.search(r"font-style:\s*(\w+)", body)[1],
                weight=int(re.search(r"font-weight:\s*(\d+)", body)[1]),
                url=re.search(r'src:\s*url\("([^"]+)"\)', body)[1],
                ranges=tuple(ranges),
            )
        )
    return result


def characters_used() -> set[str]:
    """Every character of the course and of the interface catalogues."""
    files = [
        *PROJECT_ROOT.glob("content/**/*.md"),
        PROJECT_ROOT / "content" / "course.yaml",
        *PROJECT_ROOT.glob("translations/*/LC_MESSAGES/*.po"),
    ]
    text = "".join(path.read_text(encoding="utf-8") for path in files)
    return {c for c in text if unicodedata.category(c) not in {"Cc", "Cf"}}


def test_pages_link_the_fonts_and_every_font_is_served_for_a_year(client):
    html = client.get("/zh/").get_data(as_text=True)
    css_url = re.search(r'href="(/static/css/fonts\.css\?v=\w+)"', html)[1]
    css = client.get(css_url)
    assert css.status_code == 200 and css.mimetype == "text/css"
    css.close()
    families = {face.family for face in faces()}
    assert {"Noto Sans", "Noto Sans SC"} <= families
    for face in faces():
        assert not face.url.startswith(("http:", "https:", "//"))
        version = face.url.partition("?v=")[2]
        assert version == hashlib.sha256(face.path.read_bytes()).hexdigest()[:12], face.path.name
        font = client.get(f"/static/fonts/{face.path.name}?v={version}")
        assert font.status_code == 200
        assert font.data[:4] == b"wOF2"
        assert "immutable" in font.headers["Cache-Control"]
        font.close()


def test_the_fonts_draw_every_character_of_the_course_and_interface():
    """Fails after new text brings a character the fonts lack: run static/fonts/subset.py."""
    regular = [face for face in faces() if face.weight == 400 and face.style == "normal"]
    missing = [c for c in characters_used() if not any(face.draws(c) for face in regular)]
    assert sorted(f"U+{ord(c):04X} {c}" for c in missing) == []


def test_bold_and_italic_draw_what_the_regular_face_draws():
    """So bold headings and emphasis never fall back to another font mid-word."""
    by_family: dict[str, list[Face]] = {}
    for face in faces():
        by_family.setdefault(face.family, []).append(face)
    for family, family_faces in by_family.items():
        regular = next(f for f in family_faces if f.weight == 400 and f.style == "normal")
        for face in family_faces:
            assert cmap(face.path) >= cmap(regular.path), f"{family} {face.weight} {face.style}"


def test_yoruba_and_polish_letters_come_from_noto_sans_in_every_style():
    letters = "ẹọṣẸỌṢàáèéìíòóùúǹ\u0300\u0301ąćęłńśźż"
    latin = [face for face in faces() if face.family == "Noto Sans"]
    assert len(latin) == 4  # regular, bold, italic, bold italic
    for face in latin:
        assert [c for c in letters if not face.draws(c)] == [], face.path.name


def test_the_font_licence_ships_with_the_fonts():
    licence = (STATIC / "fonts" / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    for face in faces():
        notice = TTFont(face.path)["name"].getDebugName(13)
        assert "SIL Open Font License" in notice, face.path.name
