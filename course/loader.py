"""Read one module file: front matter, sections and self-test."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from course.diagrams import render_body
from course.errors import ContentError
from course.locales import text_direction
from course.markdown import (
    count_words,
    render_inline,
    slugify,
    speech_text,
    split_heading,
)
from course.media import media_problems
from course.model import Module, ModuleTexts, Quiz, Section, SectionText
from course.quiz import parse_quiz
from course.reading import far_from, reading_minutes, reading_rate
from course.references import (
    Reference,
    citation_problems,
    cite,
    parse_bibliography,
    without_citations,
)

REQUIRED_FIELDS = (
    "slug", "title", "order", "eqf",
    "description", "keywords", "outcomes", "bibliography",
)  # fmt: skip
FAST_YAML = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID = re.compile(r"^[A-Za-z][\w-]*$")
FENCE = re.compile(r"^(```|~~~)")
SECTION_HEADING = re.compile(r"^##\s+(?P<text>.+)$")
TRANSLATABLE_FIELDS = (
    "title", "description", "keywords", "outcomes", "key_points", "bibliography",
)  # fmt: skip


def git_blob_hash(data: bytes) -> str:
    """The hash `git hash-object` gives a file, so translators can compute it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def part_hash(text: str) -> str:
    """A short hash of a part's text, ignoring blank lines around it and trailing spaces."""
    normal = "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).strip()
    return hashlib.sha1(normal.encode(), usedforsecurity=False).hexdigest()[:12]


def load_module(path: Path, locale: str, data: bytes | None = None) -> Module:
    """Parse a module file, raising ContentError with the file and line of the problem."""
    data = path.read_bytes() if data is None else data
    text = decode_text(path, data)
    meta, key_lines, body_start = _front_matter(text, path)
    body_lines = text.splitlines()[body_start - 1 :]
    outcomes = _outcomes(meta, path, key_lines)
    texts = meta_text(meta)
    references = parse_bibliography(meta["bibliography"], path, key_lines["bibliography"])
    problems = citation_problems(path, text.splitlines(), references)
    problems += media_problems(path, text.splitlines(), path.parent.parent)
    sections, quiz = _sections(
        body_lines, body_start, path, outcomes, locale, problems, references
    )  # fmt: skip
    if not sections:
        raise ContentError(path, body_start, "the module has no sections (## headings)")
    minutes = _reading_time(meta, sections, locale, path, key_lines, problems)
    return Module(
        slug=meta["slug"],
        locale=locale,
        title=str(meta["title"]),
        order=meta["order"],
        eqf=str(meta["eqf"]),
        duration_minutes=minutes,
        description=str(meta["description"]).strip(),
        keywords=tuple(str(k) for k in meta["keywords"]),
        outcomes=outcomes,
        key_points_html=tuple(
            cite(render_inline(str(p)), references, locale) for p in meta.get("key_points") or ()
        ),
        references=references,
        sections=tuple(sections),
        quiz=quiz,
        path=path,
        content_hash=git_blob_hash(data),
        source_hash=meta.get("source_hash"),
        untranslated=bool(meta.get("untranslated", False)),
        meta_hash=part_hash(texts),
        texts=ModuleTexts(texts),
        slug_line=key_lines.get("slug", 2),
        source_hashes=_source_hashes(meta, path, key_lines),
        problems=tuple(problems),
    )


def _reading_time(
    meta: dict[str, Any],
    sections: list[Section],
    locale: str,
    path: Path,
    key_lines: dict[str, int],
    problems: list[ContentError],
) -> int:
    """Minutes to read the sections (course.reading); a declared time far from it is a problem."""
    words = sum(section.words for section in sections)
    minutes = reading_minutes(words, locale)
    declared = meta.get("duration_minutes")
    if declared is not None and far_from(declared, minutes):
        values = {"declared": declared, "minutes": minutes, "words": words}
        values["rate"] = reading_rate(locale)
        problems.append(ContentError(
            path, key_lines["duration_minutes"],
            "duration_minutes is %(declared)s, but the text takes about %(minutes)d minutes to "
            "read (%(words)d characters at %(rate)s a minute): remove the line to "
            "use the computed time, or correct it", **values,
        ) if locale.startswith("zh") else ContentError(
            path, key_lines["duration_minutes"],
            "duration_minutes is %(declared)s, but the text takes about %(minutes)d minutes to "
            "read (%(words)d words at %(rate)s a minute): remove the line to "
            "use the computed time, or correct it", **values,
        ))  # fmt: skip
    return minutes


def decode_text(path: Path, data: bytes) -> str:
    """The file's text; ContentError for an empty, binary or non-UTF-8 file."""
    if not data.strip():
        raise ContentError(path, 1, "the file is empty")
    if b"\0" in data:
        raise ContentError(path, 1, "this is not a text file (it holds binary data)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ContentError(
            path, line, "the file is not valid UTF-8: save it with the UTF-8 encoding"
        ) from None


def meta_text(meta: dict[str, Any]) -> str:
    """The front matter's translatable texts as YAML: what its hash and diffs are made of."""
    texts = {name: meta[name] for name in TRANSLATABLE_FIELDS if name in meta}
    return yaml.safe_dump(texts, allow_unicode=True, sort_keys=False, width=88)


def _source_hashes(meta: dict[str, Any], path: Path, key_lines: dict[str, int]) -> dict[str, str]:
    raw = meta.get("source_hashes")
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(v, str) and re.fullmatch(r"[0-9a-f]{12}", v) for v in raw.values()
    ):
        raise ContentError(
            path,
            key_lines.get("source_hashes", 1),
            "field 'source_hashes' must map part ids to 12-digit hashes: "
            "`omnicourse i18n mark-current` writes it",
        )
    return {str(key): value for key, value in raw.items()}


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
        loader = FAST_YAML(source)
        try:  # read once: the nodes know their lines, the values are made from them
            node = loader.get_single_node()
            meta = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as fast_error:
        try:  # libyaml's marks can differ: the pure-Python reader names the line exactly
            yaml.compose(source, Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:
            raise _yaml_error(path, source, error) from None
        raise _yaml_error(path, source, fast_error) from None
    if not isinstance(meta, dict):
        raise ContentError(path, 2, "the front matter must be a mapping of fields")
    key_lines = {
        key.value: key.start_mark.line + 2
        for key, _ in (node.value if isinstance(node, yaml.MappingNode) else [])
    }
    _check_fields(meta, path, key_lines)
    return meta, key_lines, end + 2


def _yaml_error(path: Path, source: str, error: yaml.YAMLError) -> ContentError:
    """The error at the line an author has to fix (the file's line numbers)."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line if mark else 0
    # A quote left open swallows the lines after it, and YAML only notices many lines
    # later: point at the quoted value that runs across lines before the fault.
    opened = _open_quote_before(source, line)
    if opened is not None:
        return ContentError(
            path, opened + 2, "broken YAML in front matter: this quoted value does not end "
            "on its line: is a closing quote missing?",
        )  # fmt: skip
    problem = getattr(error, "problem", None) or str(error)
    return ContentError(
        path, line + 2 if mark else 1, "broken YAML in front matter: %(error)s", error=problem
    )


def _open_quote_before(source: str, error_line: int) -> int | None:
    last = None
    try:
        for token in yaml.scan(source, Loader=yaml.SafeLoader):
            if token.start_mark.line >= error_line:
                break
            style = getattr(token, "style", None)
            if style in ('"', "'") and token.end_mark.line > token.start_mark.line:
                last = token.start_mark.line
    except yaml.YAMLError:
        pass
    return last


def _check_fields(meta: dict[str, Any], path: Path, key_lines: dict[str, int]) -> None:
    for name in REQUIRED_FIELDS:
        if meta.get(name) in (None, "", [], {}):
            raise ContentError(
                path, key_lines.get(name, 1), "missing required field '%(name)s'", name=name
            )

    def expect(name: str, ok: bool, message: str) -> None:
        if not ok:
            raise ContentError(path, key_lines[name], message, name=name)

    expect("slug", isinstance(meta["slug"], str) and bool(SLUG.match(meta["slug"])),
           "field '%(name)s' must be lowercase letters, digits and '-'")  # fmt: skip
    expect("order", isinstance(meta["order"], int), "field '%(name)s' must be a whole number")
    if "duration_minutes" in meta:
        duration = meta["duration_minutes"]
        expect("duration_minutes", isinstance(duration, int) and not isinstance(duration, bool)
               and duration > 0, "field '%(name)s' must be a positive whole number")  # fmt: skip
    for name in ("keywords", "bibliography"):
        expect(name, isinstance(meta[name], list), "field '%(name)s' must be a list")
    if "key_points" in meta:
        expect(
            "key_points", isinstance(meta["key_points"], list), "field '%(name)s' must be a list"
        )


def _outcomes(meta: dict[str, Any], path: Path, key_lines: dict[str, int]) -> dict[str, str]:
    raw = meta["outcomes"]
    if isinstance(raw, list):  # a plain list gets ids o1, o2, …
        raw = {f"o{index}": text for index, text in enumerate(raw, start=1)}
    if not isinstance(raw, dict):
        raise ContentError(path, key_lines["outcomes"], "field 'outcomes' must map ids to text")
    for key in raw:
        if not ID.match(str(key)):
            raise ContentError(
                path, key_lines["outcomes"], "outcome id '%(id)s' is not valid", id=key
            )
    return {str(key): str(value) for key, value in raw.items()}


def _sections(
    lines: list[str],
    first_line: int,
    path: Path,
    outcomes: dict[str, str],
    locale: str,
    problems: list[ContentError],
    references: tuple[Reference, ...] = (),
) -> tuple[list[Section], Quiz | None]:
    """Split the body at `##` headings (outside code fences); a broken diagram is left out
    and its problem added to `problems`."""
    starts = _section_starts(lines)
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
            raise ContentError(path, line_number, "section id '%(id)s' is not valid", id=section_id)
        if section_id in seen:
            raise ContentError(
                path,
                line_number,
                "duplicate section id '%(id)s' (first on line %(first)d)",
                id=section_id,
                first=seen[section_id],
            )
        seen[section_id] = line_number
        body = lines[start + 1 : end]
        markdown = "\n".join(lines[start:end])
        if "quiz" in classes:
            if quiz is not None:
                raise ContentError(path, line_number, "a module can have only one self-test")
            quiz = parse_quiz(section_id, title, body, line_number + 1, path, outcomes)
            questions = tuple(
                replace(q, explanation_html=cite(q.explanation_html, references, locale, False))
                for q in quiz.questions
            )
            quiz = replace(
                quiz, body=replace(quiz.body, questions=questions, markdown=markdown),
                line=line_number, hash=part_hash(markdown), locale=locale,
            )  # fmt: skip
            continue
        html, broken = render_body(
            body, line_number + 1, path, section_id, text_direction(locale) == "rtl"
        )
        problems += broken
        speech = speech_text(without_citations(html))
        html = cite(html, references, locale)
        sections.append(Section(
            section_id, title, SectionText(html, speech, markdown), line_number,
            hash=part_hash(markdown), locale=locale, words=count_words(speech),
        ))  # fmt: skip
    return sections, quiz


def _section_starts(lines: list[str]) -> list[int]:
    """The indexes of the `##` heading lines that are not inside a code fence."""
    starts: list[int] = []
    in_fence = False
    for index, line in enumerate(lines):
        if FENCE.match(line.strip()):
            in_fence = not in_fence
        elif not in_fence and SECTION_HEADING.match(line):
            starts.append(index)
    return starts


def split_parts(text: str) -> dict[str, str]:
    """The Markdown of each section of a module file's text, by id (for source diffs)."""
    lines = text.splitlines()
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        return {}
    body = lines[end + 1 :]
    starts = _section_starts(body)
    parts = {}
    for position, start in enumerate(starts):
        stop = starts[position + 1] if position + 1 < len(starts) else len(body)
        title, attrs, _ = split_heading(SECTION_HEADING.match(body[start])["text"])
        parts[attrs.get("id") or slugify(title)] = "\n".join(body[start:stop])
    return parts
