"""One terminology per language: `content/<locale>/terms.yaml` and its lint.

    - preferred: omnikanałowość
      rejected: [omnichannel]           # whole words, any case
      note: The English word only as a marked foreign term.
    - preferred: "，"
      patterns: ['(?<=[\\u4e00-\\u9fff]),']   # regular expressions

`omnicourse check` reports each rejected variant in the locale's module files and
glossary with its file and line. Text marked as another language,
`*omnichannel*{lang=en}`, is not checked; nor are ids (`{…}`, YAML keys), URLs,
the front matter's `slug` and hashes, and the bibliography, whose titles keep
their own language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from course.errors import ContentError, Invalid
from course.yaml_file import read_yaml_file

TERMS_FILE = "terms.yaml"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# What the lint skips: foreign-language spans, attribute blocks, addresses, hashes.
SKIPPED = re.compile(
    r"(?P<mark>[*_])[^*_\n]+(?P=mark)\{:?\s*lang=[^}]*\}"
    r"|\{[^{}\n]*\}"
    r"|https?://\S+"
    r"|^\s*(?:slug|source_hash|[\w-]+: [0-9a-f]{12})\s*:?.*$"
    r"|^\s*[\w-]+:\s*$"
)
TOP_LEVEL_KEY = re.compile(r"^[\w-]+:")
YAML_KEY = re.compile(r"^\s*(?:-\s+)?[\w-]+:(?=\s|$)")
FIELDS = {"preferred", "rejected", "patterns", "note"}


@dataclass(frozen=True)
class Rule:
    preferred: str
    search: re.Pattern
    note: str
    line: int


@dataclass(frozen=True)
class Termbase:
    path: Path
    rules: tuple[Rule, ...]
    digest: str  # of the file: a changed termbase checks every file again

    def problems(self, path: Path, text: str) -> list[ContentError]:
        """Each rejected variant in `text` (the file at `path`), at its line."""
        found: list[ContentError] = []
        lines = unicodedata.normalize("NFC", text).splitlines()
        module = bool(lines) and lines[0].strip() == "---"
        skipped = _bibliography_lines(lines) if module else set()
        yaml_lines = _front_matter_end(lines) if module else len(lines)
        for number, line in enumerate(lines, start=1):
            if number in skipped:
                continue
            if number <= yaml_lines:  # YAML: its keys are ids
                line = YAML_KEY.sub(lambda m: " " * len(m.group(0)), line)
            checked = SKIPPED.sub(lambda m: " " * len(m.group(0)), line)
            for rule in self.rules:
                for match in rule.search.finditer(checked):
                    found.append(ContentError(
                        path, number, "'%(found)s' is not this course's term: "
                        "write '%(preferred)s' (%(note)s)",
                        found=match.group(0), preferred=rule.preferred, note=rule.note,
                    ) if rule.note else ContentError(
                        path, number, "'%(found)s' is not this course's term: "
                        "write '%(preferred)s'",
                        found=match.group(0), preferred=rule.preferred,
                    ))  # fmt: skip
        return found


def _front_matter_end(lines: list[str]) -> int:
    """The number of the line that closes a module's front matter."""
    return next((n for n, line in enumerate(lines[1:], start=2) if line.strip() == "---"), 1)


def _bibliography_lines(lines: list[str]) -> set[int]:
    """The numbers of the lines of the front matter's `bibliography:` block."""
    numbers: set[int] = set()
    inside = False
    for number, line in enumerate(lines, start=1):
        if number > 1 and line.strip() == "---":
            break
        if TOP_LEVEL_KEY.match(line):
            inside = line.startswith("bibliography:")
        if inside:
            numbers.add(number)
    return numbers


def load_termbase(folder: Path) -> Termbase | ContentError | None:
    """The locale folder's termbase; None without one; ContentError when it is broken."""
    found = read_yaml_file(folder / TERMS_FILE)
    if found is None or isinstance(found, ContentError):
        return found
    path, node = found.path, found.node
    if node is None:
        return Termbase(path, (), found.digest)
    if not isinstance(node, yaml.SequenceNode):
        return ContentError(path, 1, "the termbase must be a list of terms (- preferred: …)")
    rules: list[Rule] = []
    for item in node.value:
        line = item.start_mark.line + 1
        entry = found.value(item)
        try:
            rules.append(_rule(entry, line))
        except Invalid as error:
            return ContentError(path, line, error.template, **error.params)
    return Termbase(path, tuple(rules), found.digest)


def _rule(entry: object, line: int) -> Rule:
    if not isinstance(entry, dict) or not str(entry.get("preferred") or "").strip():
        raise Invalid("each term needs 'preferred:' (the term to use)")
    unknown = sorted(set(map(str, entry)) - FIELDS)
    if unknown:
        raise Invalid(
            "unknown field(s) %(unknown)s: use %(fields)s",
            unknown=", ".join(unknown),
            fields=", ".join(sorted(FIELDS)),
        )
    rejected = entry.get("rejected") or []
    patterns = entry.get("patterns") or []
    if not isinstance(rejected, list) or not isinstance(patterns, list):
        raise Invalid("'rejected' and 'patterns' must be lists")
    if not rejected and not patterns:
        raise Invalid("a term needs 'rejected:' variants or 'patterns:' to look for")
    parts = [_word(str(word)) for word in rejected if str(word).strip()]
    for pattern in patterns:
        try:
            re.compile(str(pattern))
        except re.error as error:
            raise Invalid(
                "pattern %(pattern)s is not a valid regular expression: %(error)s",
                pattern=repr(pattern),
                error=str(error),
            ) from None
        parts.append(f"(?:{pattern})")
    return Rule(
        str(entry["preferred"]), re.compile("|".join(parts), re.IGNORECASE),
        str(entry.get("note") or "").strip(), line,
    )  # fmt: skip


def _word(word: str) -> str:
    """A rejected word as a pattern: a whole word (hyphens join words), or a plain
    substring in Chinese, where words are not spaced."""
    word = unicodedata.normalize("NFC", word.strip())
    escaped = re.escape(word)
    if CJK.search(word):
        return escaped
    return rf"(?<![\w\u0300-\u036f-]){escaped}(?![\w\u0300-\u036f-])"
