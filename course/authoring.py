"""Small, careful edits to content files on an author's behalf.

Each edit changes only the lines it is about, so comments, order and layout
written by hand stay as they are. The new text goes to a temporary file that
is then renamed, so a running server never reads half a file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from course.errors import ContentError
from course.model import Module


def record_source_hashes(path: Path, hashes: dict[str, str], source_hash: str | None) -> None:
    """Set `source_hashes:` (and `source_hash:` when given) in a module's front matter."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
    if not lines or lines[0].strip() != "---" or end is None:
        raise ContentError(path, 1, "the file has no front matter to record hashes in")
    front = _without_key(lines[1:end], "source_hashes")
    if source_hash is not None:
        old = [i for i, line in enumerate(front) if re.match(r"source_hash\s*:", line)]
        if old:
            front[old[0]] = f"source_hash: {source_hash}\n"
        else:
            front.append(f"source_hash: {source_hash}\n")
    front.append("source_hashes:\n")
    front += [f"  {part}: {_plain_or_quoted(value)}\n" for part, value in hashes.items()]
    _write(path, "".join([lines[0], *front, *lines[end:]]))


def mark_translation_current(
    source: Module, translation: Module, parts: list[str], whole: bool
) -> None:
    """Record in the translation's file that `parts` are translated from the source as it is
    now (`whole`: every part, so the whole file's hash is recorded too)."""
    hashes = {
        part: h for part, h in translation.source_hashes.items() if part in source.part_hashes
    }
    hashes.update({part: source.part_hashes[part] for part in parts})
    ordered = {part: hashes[part] for part in source.part_hashes if part in hashes}
    record_source_hashes(translation.path, ordered, source.content_hash if whole else None)


def set_course_title(config: Path, locale: str, title: str) -> None:
    """Set the course's title in `locale` in course.yaml, and list the locale if they are."""
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"title:\s*(#.*)?$", line)), None)
    entry = f"  {locale}: {_quoted(title)}\n"
    if start is None:
        lines += ["title:\n", entry]
    else:
        block = start + 1
        while block < len(lines) and (
            lines[block].startswith((" ", "\t")) or not lines[block].strip()
        ):
            block += 1
        own = [i for i in range(start + 1, block) if lines[i].strip().startswith(f"{locale}:")]
        if own:
            lines[own[0]] = entry
        else:
            last = max((i for i in range(start + 1, block) if lines[i].strip()), default=start)
            lines.insert(last + 1, entry)
    for index, line in enumerate(lines):
        listed = re.match(r"locales:\s*\[(?P<codes>[^\]]*)\](?P<rest>.*)$", line.rstrip("\n"))
        if listed:
            codes = [c.strip() for c in listed["codes"].split(",") if c.strip()]
            if locale not in codes:
                lines[index] = f"locales: [{', '.join([*codes, locale])}]{listed['rest']}\n"
    _write(config, "".join(lines))


def _plain_or_quoted(value: str) -> str:
    """The value as YAML reads it back as text: a hash of digits only would be a number."""
    return value if yaml.safe_load(value) == value else f'"{value}"'


def _quoted(text: str) -> str:
    return yaml.safe_dump(text, allow_unicode=True, default_style='"', width=1000).strip()


def _without_key(lines: list[str], key: str) -> list[str]:
    """The front matter lines without `key:` and the indented lines that belong to it."""
    kept, skipping = [], False
    for line in lines:
        if re.match(rf"{re.escape(key)}\s*:", line):
            skipping = True
            continue
        if skipping and (line.startswith((" ", "\t")) or not line.strip()):
            continue
        skipping = False
        kept.append(line)
    return kept


def _write(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)
