"""Make the web fonts in this folder from the Debian Noto packages, and their stylesheets.

The fonts ship with the project so pages and PDFs show real glyphs for every
language of the course on a machine with no font packages at all. They are
subsets, to keep the repository small:

- Noto Sans (regular, bold, italic, bold italic): Latin with every extension,
  combining marks (Yoruba tone marks over dotted vowels), Greek, punctuation.
- Noto Sans Math (regular): arrows, mathematical operators, geometric shapes.
- Noto Sans CJK SC (regular, bold): the 3,755 level-1 characters of GB 2312
  (the common hanzi, about 99.7% of running modern Chinese text), CJK
  punctuation, full-width forms, and every character the course and the
  interface catalogues use.
- Noto Sans CJK SC, course slice (regular, bold): only the characters the
  course and the catalogues use, and CJK punctuation: about a quarter of the
  size. The stylesheet declares it after the full face with a unicode-range of
  exactly those characters, so a browser draws the course's own text with the
  slice and downloads the full face only for other characters (a learner's
  name, a comment).

Run it again after adding a language or a rare character (a test fails until
you do). Faces whose source is not in the folder are kept as they are:

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk*.deb noto
    python static/fonts/subset.py noto/usr/share/fonts    # only the Chinese faces change

or all of them:

    apt-get download fonts-noto-core fonts-noto-cjk
    for deb in fonts-noto-*.deb; do dpkg-deb -x "$deb" noto; done
    python static/fonts/subset.py noto/usr/share/fonts
"""

from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent.parent
CSS = PROJECT_ROOT / "static" / "css"
FONTS_CSS = CSS / "fonts.css"  # every face but the placeholder: what the PDFs use
WEB_CSS = CSS / "fonts-web.css"  # what a page loads at once: all but the Chinese glyphs
CJK_CSS = CSS / "fonts-cjk.css"  # the Chinese glyphs, which a page loads after its first paint
CJK_SC_INDEX = 2  # Simplified Chinese face inside NotoSansCJK-*.ttc
PLACEHOLDER = "NotoSansSC-Placeholder.woff2"
PLACEHOLDER_FAMILY = "Noto Sans SC Placeholder"

SPACES = [(0x20, 0x20), (0xA0, 0xA0), (0x2000, 0x200F)]
LATIN = [
    (0x20, 0x7E), (0xA0, 0x24F), (0x250, 0x2FF), (0x300, 0x36F), (0x370, 0x3FF),
    (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2100, 0x214F),
    (0x25CC, 0x25CC), (0xFB00, 0xFB06),
]  # fmt: skip
SYMBOLS = [(0x2190, 0x22FF), (0x25A0, 0x25FF)]
CJK_BLOCKS = [(0x3000, 0x303F), (0xFF00, 0xFFEF)]
# The browser downloads a face only for characters in its unicode-range.
CJK_RANGE = [(0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
             (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF)]  # fmt: skip
CJK_CHAR = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                      r"\ufe30-\ufe4f\uff00-\uffef]")  # fmt: skip

# (file stem, CSS family, weight, style, source file under usr/share/fonts)
FACES = [
    ("NotoSans-Regular", "Noto Sans", 400, "normal", "truetype/noto/NotoSans-Regular.ttf"),
    ("NotoSans-Bold", "Noto Sans", 700, "normal", "truetype/noto/NotoSans-Bold.ttf"),
    ("NotoSans-Italic", "Noto Sans", 400, "italic", "truetype/noto/NotoSans-Italic.ttf"),
    ("NotoSans-BoldItalic", "Noto Sans", 700, "italic", "truetype/noto/NotoSans-BoldItalic.ttf"),
    ("NotoSansMath-Regular", "Noto Sans Math", 400, "normal",
     "truetype/noto/NotoSansMath-Regular.ttf"),
    ("NotoSansSC-Regular", "Noto Sans SC", 400, "normal", "opentype/noto/NotoSansCJK-Regular.ttc"),
    ("NotoSansSC-Bold", "Noto Sans SC", 700, "normal", "opentype/noto/NotoSansCJK-Bold.ttc"),
    # After the full faces: for a character in both, browsers try the last rule first.
    ("NotoSansSC-Course-Regular", "Noto Sans SC", 400, "normal",
     "opentype/noto/NotoSansCJK-Regular.ttc"),
    ("NotoSansSC-Course-Bold", "Noto Sans SC", 700, "normal", "opentype/noto/NotoSansCJK-Bold.ttc"),
]  # fmt: skip
# Chinese has no italics: emphasis stays upright instead of a system font's slanted glyphs.
ITALIC_ALIASES = [
    (stem, family, weight, "italic", source)
    for stem, family, weight, _style, source in FACES
    if family == "Noto Sans SC"
]


def expand(ranges: list[tuple[int, int]]) -> set[int]:
    return {code for start, end in ranges for code in range(start, end + 1)}


def gb2312_level1() -> set[int]:
    """The 3,755 most common hanzi: rows 16-55 of GB 2312."""
    codes = set()
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                codes.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                continue  # row 55 ends early
    return codes


def used_cjk() -> set[int]:
    """Every CJK character in the course and the interface catalogues."""
    files = [*PROJECT_ROOT.glob("content/**/*.md"), *PROJECT_ROOT.glob("content/*.yaml"),
             *PROJECT_ROOT.glob("translations/**/*.po")]  # fmt: skip
    return {ord(c) for path in files for c in CJK_CHAR.findall(path.read_text(encoding="utf-8"))}


def merged(codes: set[int]) -> list[tuple[int, int]]:
    """`codes` as the fewest (first, last) ranges."""
    ranges: list[tuple[int, int]] = []
    for code in sorted(codes):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return ranges


def course_slice() -> set[int]:
    return used_cjk() | expand(CJK_BLOCKS)


def codepoints(stem: str) -> set[int]:
    if stem.startswith("NotoSansSC-Course"):
        return course_slice() | expand(SPACES)
    if stem.startswith("NotoSansSC"):
        return gb2312_level1() | expand(CJK_BLOCKS) | expand(SPACES) | used_cjk()
    if stem.startswith("NotoSansMath"):
        return expand(SYMBOLS) | expand(SPACES)  # spaces next to a symbol stay in its run
    return expand(LATIN)


def css_range(stem: str) -> str:
    if stem.startswith("NotoSansSC-Course"):
        ranges = merged(course_slice())
    elif stem.startswith("NotoSansSC"):
        ranges = CJK_RANGE
    elif stem.startswith("NotoSansMath"):
        ranges = SYMBOLS
    else:
        ranges = LATIN
    return ", ".join(f"U+{a:04X}" if a == b else f"U+{a:04X}-{b:04X}" for a, b in ranges)


def load(path: Path) -> TTFont:
    if path.suffix == ".ttc":
        return TTCollection(path, recalcTimestamp=False).fonts[CJK_SC_INDEX]
    return TTFont(path, recalcTimestamp=False)


def make(stem: str, source: Path) -> Path:
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # keep mark positioning for stacked diacritics
    options.name_IDs = ["*"]  # keep the copyright and licence notices
    options.notdef_outline = True
    options.hinting = False
    font = load(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints(stem))
    subsetter.subset(font)
    target = HERE / f"{stem}.woff2"
    font.flavor = "woff2"
    font.save(target)
    return target


def make_placeholder(source: Path) -> Path:
    """A tiny face that draws every CJK character as a blank of the real glyphs' size.

    It comes last in the page's font list (fonts-web.css), for the course
    slice's characters only: on a device with no Chinese font, the course's text
    waits blank in its final layout until Noto Sans SC arrives, instead of as
    tofu boxes of another width that move everything below them when the real
    glyphs come in. Any other character falls back to the system as usual.
    """
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = False
    options.hinting = False
    options.layout_features = []
    font = load(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[0x3000])  # the ideographic space: blank, one em wide
    subsetter.subset(font)
    blank = font.getBestCmap()[0x3000]
    table = CmapSubtable.newSubtable(4)  # browsers' font sanitiser rejects the terser format 13
    table.platformID, table.platEncID, table.language = 3, 1, 0
    table.cmap = {code: blank for code in expand(CJK_RANGE)}
    font["cmap"].tables = [table]
    font["name"].setName(PLACEHOLDER_FAMILY, 1, 3, 1, 0x409)
    font["name"].setName(PLACEHOLDER_FAMILY, 4, 3, 1, 0x409)
    target = HERE / PLACEHOLDER
    font.flavor = "woff2"
    font.save(target)
    return target


# System fonts a browser shows Latin text in until Noto Sans arrives, scaled to Noto Sans's
# width and line metrics so the text keeps its place when it swaps in (no layout shift).
# Average advance per em, weighted by English letter frequency (`average_width`), measured on
# Liberation Sans (metric-compatible with Arial and Helvetica), Roboto and DejaVu Sans.
NOTO_SANS = {"width": 0.4702, "ascent": 1.069, "descent": 0.293}
FALLBACKS = [
    ("Arial", 0.4399,
     ["Arial", "ArialMT", "Helvetica Neue", "Helvetica", "Liberation Sans", "Arimo"],
     ["Arial Bold", "Arial-BoldMT", "Helvetica Neue Bold", "Helvetica Bold",
      "Liberation Sans Bold", "Arimo Bold"]),
    ("Roboto", 0.4412, ["Roboto", "Roboto-Regular"], ["Roboto Bold", "Roboto-Bold"]),
    ("DejaVu", 0.5050, ["DejaVu Sans", "DejaVuSans"], ["DejaVu Sans Bold", "DejaVuSans-Bold"]),
]  # fmt: skip
LETTER_FREQUENCY = {
    " ": 182, "e": 102, "t": 75, "a": 65, "o": 62, "n": 57, "i": 57, "s": 53, "r": 50, "h": 50,
    "l": 33, "d": 33, "u": 23, "c": 22, "m": 20, "f": 18, "w": 17, "g": 16, "y": 15, "p": 15,
    "b": 12, "v": 8, "k": 6, "x": 1, "j": 1, "q": 1, "z": 1,
}  # fmt: skip


def average_width(font: TTFont) -> float:
    """Mean advance of running English text, in ems (how wide a line of it is)."""
    cmap, metrics = font.getBestCmap(), font["hmtx"]
    total = sum(LETTER_FREQUENCY.values())
    widths = sum(metrics[cmap[ord(c)]][0] * n for c, n in LETTER_FREQUENCY.items())
    return widths / total / font["head"].unitsPerEm


def fallback_rules() -> list[str]:
    rules = []
    for name, width, regular, bold in FALLBACKS:
        adjust = NOTO_SANS["width"] / width
        for weight, names in ((400, regular), (700, bold)):
            sources = ", ".join(f'local("{local}")' for local in names)
            rules.append(
                "@font-face {\n"
                f'  font-family: "Noto Sans Fallback {name}";\n'
                f"  font-weight: {weight};\n"
                f"  src: {sources};\n"
                f"  size-adjust: {adjust * 100:.1f}%;\n"
                f"  ascent-override: {NOTO_SANS['ascent'] / adjust * 100:.1f}%;\n"
                f"  descent-override: {NOTO_SANS['descent'] / adjust * 100:.1f}%;\n"
                "  line-gap-override: 0%;\n"
                f"  unicode-range: {css_range('NotoSans')};\n"
                "}"
            )
    return rules


HEADER = (
    "/* Fonts that ship with Omnicourse, so every script shows real glyphs with no font CDN.\n"
    "   SIL Open Font License 1.1: static/fonts/OFL.txt. Written by static/fonts/subset.py;\n"
    "   do not edit by hand. {what} */"
)


def write_css() -> None:
    """fonts.css with every face (for the PDFs), and the same faces split in two for pages:
    fonts-web.css, loaded at once, and fonts-cjk.css with the Chinese glyphs, which
    static/js/site.js adds after the first paint. Until then the placeholder face holds
    each Chinese character's place, so the first paint never waits for a 340 KB font."""
    cjk = [face for face in FACES + ITALIC_ALIASES if face[1] == "Noto Sans SC"]
    others = [face for face in FACES + ITALIC_ALIASES if face[1] != "Noto Sans SC"]
    web = [*face_rules(others), placeholder_rule(), *fallback_rules()]
    later = face_rules(cjk)
    # No placeholder for PDFs: WeasyPrint has every font before it lays out, and its SVG
    # text would fall back to the placeholder's blank glyphs.
    pdf = [rule for rule in web if PLACEHOLDER_FAMILY not in rule]
    FONTS_CSS.write_text(
        "\n".join([HEADER.format(what="Every face, for the PDFs."), *pdf, *later]) + "\n",
        encoding="utf-8",
    )
    WEB_CSS.write_text(
        "\n".join([HEADER.format(what="Pages: all but the Chinese glyphs."), *web]) + "\n",
        encoding="utf-8",
    )
    CJK_CSS.write_text(
        "\n".join([HEADER.format(what="Pages: the Chinese glyphs, after the first paint."),
                   *later]) + "\n",
        encoding="utf-8",
    )  # fmt: skip


def face_rules(faces: list[tuple]) -> list[str]:
    rules = []
    for stem, family, weight, style, _source in faces:
        target = HERE / f"{stem}.woff2"
        version = hashlib.sha256(target.read_bytes()).hexdigest()[:12]
        rules.append(
            "@font-face {\n"
            f'  font-family: "{family}";\n'
            f"  font-style: {style};\n"
            f"  font-weight: {weight};\n"
            "  font-display: swap;\n"
            f'  src: url("../fonts/{stem}.woff2?v={version}") format("woff2");\n'
            f"  unicode-range: {css_range(stem)};\n"
            "}"
        )
    return rules


def placeholder_rule() -> str:
    version = hashlib.sha256((HERE / PLACEHOLDER).read_bytes()).hexdigest()[:12]
    return (
        "@font-face {\n"
        f'  font-family: "{PLACEHOLDER_FAMILY}";\n'
        "  font-display: block;\n"
        f'  src: url("../fonts/{PLACEHOLDER}?v={version}") format("woff2");\n'
        f"  unicode-range: {css_range('NotoSansSC-Course')};\n"  # others fall back as usual
        "}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fonts", type=Path, help="a usr/share/fonts folder with the Noto fonts")
    arguments = parser.parse_args()
    for stem, _family, _weight, _style, source in FACES:
        if not (arguments.fonts / source).is_file():
            print(f"{stem}.woff2: kept ({source} is not in {arguments.fonts})")
            continue
        target = make(stem, arguments.fonts / source)
        print(f"{target.name}: {target.stat().st_size // 1024} KiB")
    cjk = arguments.fonts / "opentype/noto/NotoSansCJK-Regular.ttc"
    if cjk.is_file():
        target = make_placeholder(cjk)
        print(f"{target.name}: {target.stat().st_size} bytes")
    write_css()
    for written in (FONTS_CSS, WEB_CSS, CJK_CSS):
        print(f"wrote {written.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
