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
FONTS_CSS = STATIC / "css" / "fonts.css"  # the PDFs'
WEB_CSS = STATIC / "css" / "fonts-web.css"  # what pages load at once
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


def faces(stylesheet: Path = FONTS_CSS) -> list[Face]:
    """The shipped faces a stylesheet declares (fonts.css: all of them, as PDFs use)."""
    result = []
    for match in FACE.finditer(stylesheet.read_text(encoding="utf-8")):
        body = match["body"]
        if "url(" not in body:
            continue  # a system font scaled to stand in for a shipped one (local() only)
        ranges = []
        for part in re.search(r"unicode-range:\s*([^;]+);", body)[1].split(","):
            start, _, end = part.strip().removeprefix("U+").partition("-")
            ranges.append((int(start, 16), int(end or start, 16)))
        result.append(
            Face(
                family=re.search(r'font-family:\s*"([^"]+)"', body)[1],
                style=(re.search(r"font-style:\s*(\w+)", body) or [None, "normal"])[1],
                weight=int((re.search(r"font-weight:\s*(\d+)", body) or [None, 400])[1]),
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
    # At once: every face but the Chinese glyphs; those after the first paint (site.js),
    # or at once without JavaScript. Together they are the faces the PDFs use.
    web = re.search(r'<link rel="stylesheet" href="(/static/css/fonts-web\.css\?v=\w+)"', html)
    later = re.search(r'data-later-stylesheet="(/static/css/fonts-cjk\.css\?v=\w+)"', html)
    assert f'<noscript><link rel="stylesheet" href="{later[1]}"></noscript>' in html
    for url in (web[1], later[1]):
        css = client.get(url)
        assert css.status_code == 200 and css.mimetype == "text/css"
        css.close()
    split = faces(WEB_CSS) + faces(STATIC / "css" / "fonts-cjk.css")
    placeholder = [face for face in split if face.family == "Noto Sans SC Placeholder"]
    assert len(placeholder) == 1  # for pages only: PDFs have every glyph before layout
    assert sorted(split, key=repr) == sorted(faces() + placeholder, key=repr)
    assert {face.family for face in faces(STATIC / "css" / "fonts-cjk.css")} == {"Noto Sans SC"}
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
    by_slice: dict[tuple, list[Face]] = {}
    for face in faces():
        by_slice.setdefault((face.family, face.ranges), []).append(face)
    for slice_faces in by_slice.values():
        regular = next(f for f in slice_faces if f.weight == 400 and f.style == "normal")
        for face in slice_faces:
            assert cmap(face.path) >= cmap(regular.path), f"{face.path.name} {face.style}"


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


def first_face_for(character: str, family: str, weight: int = 400) -> Face | None:
    """The face a browser tries first for `character`: of those whose range holds it, the last."""
    candidates = [f for f in faces() if f.family == family and f.weight == weight
                  and f.style == "normal"
                  and any(a <= ord(character) <= b for a, b in f.ranges)]  # fmt: skip
    return candidates[-1] if candidates else None


def test_chinese_pages_download_only_the_course_slice_of_noto_sans_sc():
    """The course's own characters come from a face about a third the size of the full one."""
    chinese = {c for c in characters_used() if 0x3000 <= ord(c) <= 0x9FFF}
    assert len(chinese) > 1000
    for weight in (400, 700):
        files = {first_face_for(c, "Noto Sans SC", weight).path for c in chinese}
        assert len(files) == 1, files
        (course_slice,) = files
        full = max((f.path for f in faces() if f.family == "Noto Sans SC"),
                   key=lambda path: path.stat().st_size)  # fmt: skip
        assert course_slice.stat().st_size < full.stat().st_size / 2
        assert all(first_face_for(c, "Noto Sans SC", weight).draws(c) for c in chinese)


def test_the_placeholder_holds_each_course_character_at_the_real_glyph_size():
    """Blank, one em wide, with Noto Sans SC's line metrics: the layout never moves on swap."""
    placeholder = next(f for f in faces(WEB_CSS) if f.family == "Noto Sans SC Placeholder")
    real = TTFont(first_face_for("渠", "Noto Sans SC").path)
    blank = TTFont(placeholder.path)
    chinese = [c for c in characters_used() if 0x3000 <= ord(c) <= 0x9FFF]
    assert all(placeholder.draws(c) for c in chinese)
    real_cmap, blank_cmap = real.getBestCmap(), blank.getBestCmap()
    for character in chinese:
        real_width = real["hmtx"][real_cmap[ord(character)]][0]
        assert blank["hmtx"][blank_cmap[ord(character)]][0] == real_width, character
    for table, field in [("hhea", "ascent"), ("hhea", "descent"), ("hhea", "lineGap"),
                         ("OS/2", "sTypoAscender"), ("OS/2", "sTypoDescender"),
                         ("OS/2", "usWinAscent"), ("OS/2", "usWinDescent")]:  # fmt: skip
        assert getattr(blank[table], field) == getattr(real[table], field), field
    assert blank["head"].unitsPerEm == real["head"].unitsPerEm
    assert placeholder.path.stat().st_size < 4096
