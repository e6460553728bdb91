"""Read one module file: front matter, sections and self-test."""

from __future__ import annotations

import hashlib
import re
from html import escape
from pathlib import Path
from typing import Any

import yaml

from course.errors import ContentError
from course.markdown import render, render_inline, slugify, speech_text, split_heading
from course.model import Module, Quiz, Section
from course.quiz import parse_quiz

REQUIRED_FIELDS = (
    "slug", "title", "order", "eqf", "duration_minutes",
    "description", "keywords", "outcomes", "bibliography",
)  # fmt: skip
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID = re.compile(r"^[A-Za-z][\w-]*$")
FENCE = re.compile(r"^(```|~~~)")
SECTION_HEADING = re.compile(r"^##\s+(?P<text>.+)$")


def git_blob_hash(data: bytes) -> str:
    """The hash `git hash-object` gives a file, so translators can compute it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def load_module(path: Path, locale: str) -> Module:
    """Parse a module file, raising ContentError with the file and line of the problem."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ContentError(path, line, "the file is not valid UTF-8") from None
    meta, key_lines, body_start = _front_matter(text, path)
    body_lines = text.splitlines()[body_start - 1 :]
    outcomes = _outcomes(meta, path, key_lines)
    sections, quiz = _sections(body_lines, body_start, path, outcomes)
    if not sections:
        raise ContentError(path, body_start, "the module has no sections (## headings)")
    return Module(
        slug=meta["slug"],
        locale=locale,
        title=str(meta["title"]),
        order=meta["order"],
        eqf=str(meta["eqf"]),
        duration_minutes=meta["duration_minutes"],
        description=str(meta["description"]).strip(),
        keywords=tuple(str(k) for k in meta["keywords"]),
        outcomes=outcomes,
        key_points_html=tuple(render_inline(str(p)) for p in meta.get("key_points") or ()),
        bibliography_html=tuple(render_inline(str(b)) for b in meta["bibliography"]),
        sections=tuple(sections),
        quiz=quiz,
        path=path,
        content_hash=git_blob_hash(data),
        source_hash=meta.get("source_hash"),
        untranslated=bool(meta.get("untranslated", False)),
        speech_text=_module_speech(meta, sections),
    )


def _front_matter(text: str, path: Path) -> tuple[dict[str, Any], dict[str, int], int]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ContentError(path, 1, "the file must start with YAML front matter ('---')")
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise ContentError(path, 1, "the front matter is not closed by a '---' line") from None
    source = "\n".join(lines[1:end])
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        meta = yaml.safe_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(error, "problem", None) or str(error)
        raise ContentError(path, line, f"broken YAML in front matter: {problem}") from None
    if not isinstance(meta, dict):
        raise ContentError(path, 2, "the front matter must be a mapping of fields")
    key_lines = {
        key.value: key.start_mark.line + 2
        for key, _ in (node.value if isinstance(node, yaml.MappingNode) else [])
    }
    _check_fields(meta, path, key_lines)
    return meta, key_lines, end + 2


def _check_fields(meta: dict[str, Any], path: Path, key_lines: dict[str, int]) -> None:
    for name in REQUIRED_FIELDS:
        if meta.get(name) in (None, "", [], {}):
            raise ContentError(path, key_lines.get(name, 1), f"missing required field '{name}'")

    def expect(name: str, ok: bool, what: str) -> None:
        if not ok:
            raise ContentError(path, key_lines[name], f"field '{name}' must be {what}")

    expect("slug", isinstance(meta["slug"], str) and bool(SLUG.match(meta["slug"])),
           "lowercase letters, digits and '-'")  # fmt: skip
    expect("order", isinstance(meta["order"], int), "a whole number")
    expect("duration_minutes", isinstance(meta["duration_minutes"], int)
           and meta["duration_minutes"] > 0, "a positive whole number")  # fmt: skip
    for name in ("keywords", "bibliography"):
        expect(name, isinstance(meta[name], list), "a list")
    if "key_points" in meta:
        expect("key_points", isinstance(meta["key_points"], list), "a list")


def _outcomes(meta: dict[str, Any], path: Path, key_lines: dict[str, int]) -> dict[str, str]:
    raw = meta["outcomes"]
    if isinstance(raw, list):  # a plain list gets ids o1, o2, …
        raw = {f"o{index}": text for index, text in enumerate(raw, start=1)}
    if not isinstance(raw, dict):
        raise ContentError(path, key_lines["outcomes"], "field 'outcomes' must map ids to text")
    for key in raw:
        if not ID.match(str(key)):
            raise ContentError(path, key_lines["outcomes"], f"outcome id '{key}' is not valid")
    return {str(key): str(value) for key, value in raw.items()}


def _sections(
    lines: list[str], first_line: int, path: Path, outcomes: dict[str, str]
) -> tuple[list[Section], Quiz | None]:
    """Split the body at `##` headings (outside code fences)."""
    starts: list[int] = []
    in_fence = False
    for index, line in enumerate(lines):
        if FENCE.match(line.strip()):
            in_fence = not in_fence
        elif not in_fence and SECTION_HEADING.match(line):
            starts.append(index)
    if starts and any(line.strip() for line in lines[: starts[0]]):
        first_text = next(i for i, line in enumerate(lines) if line.strip())
        raise ContentError(path, first_line + first_text, "text before the first ## section")
    sections: list[Section] = []
    quiz: Quiz | None = None
    seen: dict[str, int] = {}
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(lines)
        line_number = first_line + start
        heading = SECTION_HEADING.match(lines[start])["text"]
        title, attrs, classes = split_heading(heading)
        section_id = attrs.get("id") or slugify(title)
        if not ID.match(section_id):
            raise ContentError(path, line_number, f"section id '{section_id}' is not valid")
        if section_id in seen:
            raise ContentError(
                path,
                line_number,
                f"duplicate section id '{section_id}' (first on line {seen[section_id]})",
            )
        seen[section_id] = line_number
        body = lines[start + 1 : end]
        if "quiz" in classes:
            if quiz is not None:
                raise ContentError(path, line_number, "a module can have only one self-test")
            quiz = parse_quiz(section_id, title, body, line_number + 1, path, outcomes)
            continue
        html = render("\n".join(body))
        sections.append(Section(section_id, title, html, speech_text(html), line_number))
    return sections, quiz


def _module_speech(meta: dict[str, Any], sections: list[Section]) -> str:
    parts = [speech_text(f"<p>{escape(str(meta['title']))}</p>")]
    for section in sections:
        parts.append(speech_text(f"<p>{escape(section.title)}</p>"))
        parts.append(section.speech_text)
    return "\n".join(part for part in parts if part)
