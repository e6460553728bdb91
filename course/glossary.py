"""The course's glossary in each language: `content/<locale>/glossary.yaml`.

    touchpoint:                  # the id: the same in every language
      term: touchpoint           # the headword
      forms: [touchpoints]       # other forms in the text that lead to it
      definition: >
        Any moment at which a customer meets the company …

The first use of a term (or one of its forms) in each module links to its entry:
whole words in any case, plain text in Chinese. A language's glossary lacking an
entry shows the source language's one.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from course.errors import ContentError, Invalid
from course.markdown import render, render_inline
from course.yaml_file import read_yaml_file

GLOSSARY_FILE = "glossary.yaml"
ENTRY_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FIELDS = {"term", "forms", "definition"}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Text inside these elements is never linked: links, code, headings, summaries, diagrams.
UNLINKED = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "summary", "kbd", "svg"}
TAG = re.compile(r"(<[^>]*>)")
TAG_NAME = re.compile(r"^</?\s*([a-zA-Z][a-zA-Z0-9]*)")


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    term: str
    forms: tuple[str, ...]
    definition_html: str
    locale: str
    line: int = 0

    @property
    def term_html(self) -> str:
        return render_inline(self.term)


@dataclass(frozen=True)
class Glossary:
    locale: str
    terms: dict[str, Term] = field(default_factory=dict)  # by id, in the file's order
    digest: str = ""  # of the file

    def with_fallback(self, source: Glossary | None) -> Glossary:
        """This glossary, with the source's entry for each id it lacks."""
        if source is None or source is self:
            return self
        terms = dict(self.terms)
        for term_id, term in source.terms.items():
            terms.setdefault(term_id, term)
        return replace(self, terms=terms)

    def sorted_terms(self) -> list[Term]:
        """Alphabetical by headword (Chinese headwords keep the file's order)."""
        if self.locale.startswith("zh"):
            return list(self.terms.values())
        return sorted(self.terms.values(), key=lambda t: _sort_key(t.term))

    def linker(self) -> TermLinker:
        return TermLinker(self)


def _sort_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def load_glossary(folder: Path, locale: str) -> Glossary | ContentError | None:
    """The locale folder's glossary; None without one; ContentError when it is broken."""
    found = read_yaml_file(folder / GLOSSARY_FILE)
    if found is None or isinstance(found, ContentError):
        return found
    path, node, digest = found.path, found.node, found.digest
    if node is None:
        return Glossary(locale, {}, digest)
    if not isinstance(node, yaml.MappingNode):
        return ContentError(path, 1, "the glossary must map term ids to entries (id: …)")
    terms: dict[str, Term] = {}
    for key, value in node.value:
        line = key.start_mark.line + 1
        entry = found.value(value)
        term_id = str(key.value)
        try:
            terms[term_id] = _term(term_id, entry, locale, line)
        except Invalid as error:
            return ContentError(path, line, error.template, **error.params)
    return Glossary(locale, terms, digest)


def _term(term_id: str, entry: object, locale: str, line: int) -> Term:
    if not ENTRY_ID.match(term_id):
        raise Invalid(
            "glossary entry '%(id)s': the id must be lowercase letters, digits and '-'", id=term_id
        )
    if not isinstance(entry, dict):
        raise Invalid("glossary entry '%(id)s': needs 'term:' and 'definition:'", id=term_id)
    unknown = sorted(set(map(str, entry)) - FIELDS)
    if unknown:
        raise Invalid(
            "glossary entry '%(id)s': unknown field(s) %(unknown)s: use %(fields)s",
            id=term_id,
            unknown=", ".join(unknown),
            fields=", ".join(sorted(FIELDS)),
        )
    term, definition = str(entry.get("term") or "").strip(), str(entry.get("definition") or "")
    if not term or not definition.strip():
        raise Invalid("glossary entry '%(id)s': needs 'term:' and 'definition:'", id=term_id)
    forms = entry.get("forms") or []
    if not isinstance(forms, list):
        raise Invalid("glossary entry '%(id)s': 'forms' must be a list", id=term_id)
    return Term(
        term_id, term, tuple(str(f).strip() for f in forms if str(f).strip()),
        render(definition), locale, line,
    )  # fmt: skip


class TermLinker:
    """Links the first use of each term in a module's texts to its glossary entry."""

    def __init__(self, glossary: Glossary) -> None:
        self.ids: dict[str, str] = {}
        alternatives: list[str] = []
        for term in glossary.terms.values():
            for form in (term.term, *term.forms):
                form = unicodedata.normalize("NFC", form)
                key = form.casefold()
                if key in self.ids:
                    continue
                self.ids[key] = term.id
                alternatives.append(form)
        alternatives.sort(key=len, reverse=True)  # the longest form first
        self.search = (
            re.compile("|".join(_pattern(form) for form in alternatives), re.IGNORECASE)
            if alternatives
            else None
        )

    def link(self, texts: Iterable[str], href: Callable[[str], str]) -> list[str]:
        """`texts` (HTML, in reading order) with the first use of each term linked;
        `href(id)` is the address of its entry."""
        linked: set[str] = set()
        return [self._link_one(text, href, linked) for text in texts]

    def _link_one(self, text: str, href: Callable[[str], str], linked: set[str]) -> str:
        if self.search is None:
            return text
        out: list[str] = []
        skipping: list[str] = []
        for piece in TAG.split(text):
            if piece.startswith("<"):
                name = TAG_NAME.match(piece)
                if name and name.group(1).lower() in UNLINKED and not piece.endswith("/>"):
                    if piece.startswith("</"):
                        if skipping:
                            skipping.pop()
                    else:
                        skipping.append(name.group(1).lower())
                out.append(piece)
            elif skipping or not piece.strip():
                out.append(piece)
            else:
                out.append(self._link_text(piece, href, linked))
        return "".join(out)

    def _link_text(self, text: str, href: Callable[[str], str], linked: set[str]) -> str:
        def wrap(match: re.Match) -> str:
            term_id = self.ids.get(unicodedata.normalize("NFC", match.group(0)).casefold())
            if term_id is None or term_id in linked:
                return match.group(0)
            linked.add(term_id)
            return f'<a class="term" href="{html.escape(href(term_id))}">{match.group(0)}</a>'

        return self.search.sub(wrap, text)


def _pattern(form: str) -> str:
    escaped = re.escape(form)
    if CJK.search(form):
        return escaped
    return rf"(?<![\w\u0300-\u036f-]){escaped}(?![\w\u0300-\u036f-])"


def used_terms(glossary: Glossary, linked_texts: Iterable[str]) -> list[Term]:
    """The entries linked from these texts, in the glossary's order (for a PDF's glossary)."""
    found = set()
    for text in linked_texts:
        found.update(re.findall(r'class="term" href="[^"]*#term-([a-z0-9-]+)"', text))
    return [term for term in glossary.sorted_terms() if term.id in found]


def linked_sections(module, glossary: Glossary, href: Callable[[str], str]) -> dict[str, str]:
    """Each section's HTML (by id) with the first use of each term in the module linked."""
    texts = glossary.linker().link((section.html for section in module.sections), href)
    return {section.id: text for section, text in zip(module.sections, texts, strict=True)}
