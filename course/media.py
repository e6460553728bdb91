"""Images of the course: the files in content/media/, how a module refers to them, and
what an image must be to go there.

A module refers to an image the way any Markdown editor shows it, relative to the file:
`![What it shows](../media/journey-map.svg)`. The site, the PDFs and the static copy each
turn that address into their own (`with_media_urls`). An image taken in is made safe
first: a PNG is decoded and written anew (nothing but its pixels survives), an SVG keeps
only drawing elements and attributes (no scripts, no event handlers, no styles, no
references outside the file).
"""

from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable
from pathlib import Path

from course.errors import ContentError

FOLDER = "media"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\.(?:svg|png)$")
MAX_PIXELS = 25_000_000  # 5000 × 5000: more than any diagram needs, far below a bomb

# `![alt](../media/name)` in Markdown, and the src it becomes in the HTML.
REFERENCE = re.compile(r"!\[(?P<alt>[^\]]*)\]\(\s*\.\./media/(?P<name>[^)\s]*)")
SOURCE = re.compile(r'(?<=src=")\.\./media/(?P<name>[^"]+)(?=")')

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
XML = "http://www.w3.org/XML/1998/namespace"

DRAWING_ELEMENTS = frozenset({
    "svg", "g", "defs", "symbol", "use", "title", "desc", "path", "rect", "circle",
    "ellipse", "line", "polyline", "polygon", "text", "tspan", "textPath", "marker",
    "linearGradient", "radialGradient", "stop", "clipPath", "mask", "pattern",
})  # fmt: skip
DRAWING_ATTRIBUTES = frozenset({
    "id", "class", "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx",
    "cy", "r", "rx", "ry", "d", "points", "transform", "fill", "fill-opacity", "fill-rule",
    "stroke", "stroke-width", "stroke-opacity", "stroke-linecap", "stroke-linejoin",
    "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit", "opacity", "font-family",
    "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline",
    "letter-spacing", "dx", "dy", "rotate", "textLength", "lengthAdjust", "offset",
    "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "fx", "fy",
    "spreadMethod", "clip-path", "clip-rule", "mask", "marker-start", "marker-mid",
    "marker-end", "markerWidth", "markerHeight", "markerUnits", "refX", "refY", "orient",
    "patternUnits", "patternContentUnits", "patternTransform", "clipPathUnits",
    "maskUnits", "maskContentUnits", "preserveAspectRatio", "version", "role",
    "aria-label", "aria-hidden", "visibility", "display", "direction", "writing-mode",
})  # fmt: skip
LOCAL_PAINT = re.compile(r"^\s*url\(\s*#[\w.-]+\s*\)\s*$")


class MediaRefused(Exception):
    """An upload that cannot become a course image; `reason` says which way (the
    interface words it in the uploader's language)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def folder(content_dir: Path) -> Path:
    return content_dir / FOLDER


def media_files(content_dir: Path) -> list[Path]:
    """The course's images, by name."""
    found = folder(content_dir)
    if not found.is_dir():
        return []
    return sorted(p for p in found.iterdir() if p.is_file() and NAME.match(p.name))


def media_problems(path: Path, lines: list[str], content_dir: Path) -> list[ContentError]:
    """An image without a text alternative, or one that is not in content/media/."""
    problems: list[ContentError] = []
    for number, line in enumerate(lines, start=1):
        for match in REFERENCE.finditer(line):
            name = match["name"]
            if not match["alt"].strip():
                problems.append(ContentError(
                    path, number, "the image %(name)s has no text alternative: say what it "
                    "shows between the brackets, ![…](../media/…)",
                    name=name,
                ))  # fmt: skip
            if not NAME.match(name) or not (folder(content_dir) / name).is_file():
                problems.append(ContentError(
                    path, number, "there is no image '%(name)s' in content/media/: upload it "
                    "in the studio or copy it there",
                    name=name,
                ))  # fmt: skip
    return problems


def with_media_urls(html: str, url: Callable[[str], str]) -> str:
    """`html` with each image of content/media/ at the address `url(name)` gives."""
    return SOURCE.sub(lambda match: url(match["name"]), html)


def clean_image(data: bytes) -> tuple[str, bytes]:
    """The kind ("png" or "svg") and a safe copy of an uploaded image, or MediaRefused."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", _clean_png(data)
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data[:65536].lower():
        return "svg", _clean_svg(data)
    raise MediaRefused("not-an-image")


def _clean_png(data: bytes) -> bytes:
    from PIL import Image, UnidentifiedImageError

    if not _png_is_whole(data):
        raise MediaRefused("broken")
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise MediaRefused("too-many-pixels")
            image.load()
            out = io.BytesIO()
            image.save(out, format="PNG")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise MediaRefused("broken") from error
    return out.getvalue()


def _png_is_whole(data: bytes) -> bool:
    """Every chunk up to IEND is complete and its checksum right.

    Checked here rather than left to Pillow, whose tolerance of cut files is one switch
    for the whole process (WeasyPrint turns it on when it loads).
    """
    offset = 8
    while offset + 12 <= len(data):
        length = int.from_bytes(data[offset:offset + 4], "big")
        end = offset + 8 + length
        if end + 4 > len(data):
            return False
        kind_and_body = data[offset + 4:end]
        if zlib.crc32(kind_and_body) != int.from_bytes(data[end:end + 4], "big"):
            return False
        if kind_and_body[:4] == b"IEND":
            return True
        offset = end + 4
    return False


def _clean_svg(data: bytes) -> bytes:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MediaRefused("broken") from error
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise MediaRefused("doctype")  # entities can expand without end or read files
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise MediaRefused("broken") from error
    if root.tag != f"{{{SVG}}}svg":
        raise MediaRefused("not-an-image")
    _keep_drawing(root)
    for prefix, uri in (("", SVG), ("xlink", XLINK)):  # a registry other code changes too
        ET.register_namespace(prefix, uri)
    drawing = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + drawing


def _keep_drawing(element: ET.Element) -> None:
    for name in list(element.attrib):
        if not _safe_attribute(name, element.attrib[name]):
            del element.attrib[name]
    for child in list(element):
        if child.tag == f"{{{SVG}}}a":
            child.tag = f"{{{SVG}}}g"  # a link: its drawing stays, not where it leads
        if not isinstance(child.tag, str) or not child.tag.startswith(f"{{{SVG}}}"):
            element.remove(child)  # comments, processing instructions, other vocabularies
        elif child.tag[len(SVG) + 2 :] not in DRAWING_ELEMENTS:
            element.remove(child)  # script, style, foreignObject, image, a, animate…
        else:
            _keep_drawing(child)


def _safe_attribute(name: str, value: str) -> bool:
    if name in (f"{{{XLINK}}}href", "href"):
        return value.strip().startswith("#")  # a part of this drawing, nothing outside
    if name in (f"{{{XML}}}lang", f"{{{XML}}}space"):
        return True
    if name not in DRAWING_ATTRIBUTES:
        return False  # event handlers, style, other namespaces
    return "url(" not in value.lower() or bool(LOCAL_PAINT.match(value))


def store(content_dir: Path, name: str, data: bytes) -> Path:
    """Write a new image into content/media/; FileExistsError if the name is taken (an
    image in use is never replaced under the pages that show it)."""
    target = folder(content_dir) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{name}.{os.getpid()}.tmp")
    partial.write_bytes(data)
    try:
        os.link(partial, target)  # fails, atomically, if the name exists
    finally:
        partial.unlink(missing_ok=True)
    return target
