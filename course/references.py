"""A module's bibliography and the author–year citations in its text.

An entry is a mapping with an `id` the text cites as `[@id]` (shown as
"(Author, year)", linked to the entry) or `[-@id]` (only "(year)", after the
authors' names in the sentence); `[@a; @b]` cites several. An entry written as
plain text is further reading: it has no id and needs no citation.

    bibliography:
      - id: verhoef2015
        author: Verhoef, Kannan & Inman
        year: 2015
        text: "Verhoef, P. C., … (2015). From Multi-Channel … *Journal of Retailing*, 91(2)."
        url: https://doi.org/10.1016/j.jretai.2015.02.005

Every entry with an id must be cited in its module, and every citation needs an
entry: `omnicourse check` reports both with their file and line.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course.errors import ContentError
from course.markdown import render_inline

ENTRY_ID = re.compile(r"^[A-Za-z][\w-]*$")
ENTRY_FIELDS = {"id", "author", "year", "text", "url"}
# `[@id]`, `[-@id]`, `[@a; @b]` as Markdown leaves them in the HTML
CITATION = re.compile(r"\[(-?@[A-Za-z][\w-]*(?:\s*;\s*-?@[A-Za-z][\w-]*)*)\]")
CITED_ID = re.compile(r"(-?)@([A-Za-z][\w-]*)")
# How a citation is punctuated: (Author, 2015; Other, 2016), in Chinese with full-width marks.
PUNCTUATION = {"zh": ("（", "）", "，", "；")}
LATIN_PUNCTUATION = ("(", ")", ", ", "; ")


@dataclass(frozen=True, slots=True)
class Reference:
    id: str  # "" for a plain-text entry
    author: str
    year: str
    html: str  # the entry as shown in the bibliography
    url: str = ""


def parse_bibliography(raw: list[Any], path: Path, line: int) -> tuple[Reference, ...]:
    """The front matter's `bibliography` list; ContentError for a malformed entry."""
    references: list[Reference] = []
    seen: set[str] = set()
    for number, entry in enumerate(raw, start=1):
        if isinstance(entry, str):
            references.append(Reference("", "", "", render_inline(entry)))
            continue
        if not isinstance(entry, dict):
            raise ContentError(
                path, line,
                "bibliography entry %(number)d must be text or a mapping with id and text",
                number=number,
            )  # fmt: skip
        unknown = sorted(set(map(str, entry)) - ENTRY_FIELDS)
        if unknown:
            raise ContentError(
                path, line, "bibliography entry %(number)d has unknown field(s) %(unknown)s: "
                "use %(fields)s",
                number=number, unknown=", ".join(unknown), fields=", ".join(sorted(ENTRY_FIELDS)),
            )  # fmt: skip
        entry_id = str(entry.get("id") or "")
        if not ENTRY_ID.match(entry_id):
            raise ContentError(
                path, line, "bibliography entry %(number)d needs an id (letters, digits, '-')",
                number=number,
            )  # fmt: skip
        if entry_id in seen:
            raise ContentError(path, line, "bibliography id '%(id)s' is used twice", id=entry_id)
        seen.add(entry_id)
        for name in ("author", "year", "text"):
            if not str(entry.get(name) or "").strip():
                raise ContentError(
                    path, line, "bibliography entry '%(id)s' has no %(field)s",
                    id=entry_id, field=name,
                )  # fmt: skip
        url = str(entry.get("url") or "")
        if url and not url.startswith(("https://", "http://")):
            raise ContentError(
                path, line, "bibliography entry '%(id)s': url must be a web address", id=entry_id
            )
        text = render_inline(str(entry["text"]))
        if url:
            text += f' <a class="url" href="{html.escape(url)}">{html.escape(url)}</a>'
        references.append(
            Reference(entry_id, str(entry["author"]).strip(), str(entry["year"]).strip(), text, url)
        )
    return tuple(references)


def cite(text: str, references: tuple[Reference, ...], locale: str, link: bool = True) -> str:
    """`text` (HTML) with each citation written out, linked to its entry (`#ref-<id>`)
    when `link`; a citation without an entry is left as written (see `citation_problems`)."""
    by_id = {r.id: r for r in references if r.id}
    opening, closing, comma, semicolon = PUNCTUATION.get(locale, LATIN_PUNCTUATION)

    def written(match: re.Match) -> str:
        cited = CITED_ID.findall(match.group(1))
        if any(entry_id not in by_id for _, entry_id in cited):
            return match.group(0)
        parts = []
        for year_only, entry_id in cited:
            reference = by_id[entry_id]
            label = html.escape(
                reference.year if year_only else f"{reference.author}{comma}{reference.year}"
            )
            parts.append(f'<a class="cite" href="#ref-{entry_id}">{label}</a>' if link else label)
        return opening + semicolon.join(parts) + closing

    return CITATION.sub(written, text)


def without_citations(text: str) -> str:
    """`text` without its citation marks: what a voice reads."""
    return re.sub(r"[ \t]*" + CITATION.pattern, "", text)


def cited_ids(markdown: str) -> list[str]:
    return [entry_id for match in CITATION.finditer(markdown)
            for _, entry_id in CITED_ID.findall(match.group(1))]  # fmt: skip


def citation_problems(
    path: Path, lines: list[str], references: tuple[Reference, ...]
) -> list[ContentError]:
    """A citation with no entry, and an entry never cited, each at its line of the file."""
    known = {r.id for r in references if r.id}
    problems: list[ContentError] = []
    cited: set[str] = set()
    for number, line in enumerate(lines, start=1):
        for entry_id in cited_ids(line):
            cited.add(entry_id)
            if entry_id not in known:
                problems.append(ContentError(
                    path, number, "citation [@%(id)s] has no entry in the bibliography", id=entry_id
                ))  # fmt: skip
    for reference in references:
        if reference.id and reference.id not in cited:
            line = next(
                (n for n, text in enumerate(lines, start=1)
                 if re.match(rf"\s*-?\s*id:\s*['\"]?{re.escape(reference.id)}['\"]?\s*$", text)),
                1,
            )  # fmt: skip
            problems.append(ContentError(
                path, line, "bibliography entry '%(id)s' is never cited: "
                "cite it in the text as [@%(id)s] or remove it",
                id=reference.id,
            ))  # fmt: skip
    return problems
