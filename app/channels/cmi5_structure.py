"""`cmi5.xml`, the course structure of a cmi5 package of one locale.

One AU (assignable unit) per module, in the course's order. Ids are the IRIs the
web platform's xAPI statements use (`app.xapi.statements`): the course is
`<site>/`, a module `<site>/modules/<slug>`, so an LRS sees one activity for a
module wherever it was taken. Each AU:

- `moveOn="CompletedAndPassed"`: the LMS counts the module done once the learner
  has read every section (completed) and passed its self-test (passed); a module
  without a self-test is `Completed`.
- `masteryScore`: the course's `pass_threshold`, the scaled score that passes.
- `launchMethod="AnyWindow"`: the page works in a frame or a window of its own.
- title and description as langstrings in the package's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from xml.etree import ElementTree as ET

from app.channels.module_pages import ModulePage
from app.xapi.statements import language_tag

NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
SCHEMA = Path(__file__).with_name("schemas") / "cmi5" / "CourseStructure.xsd"
MOVE_ON = "CompletedAndPassed"
MOVE_ON_WITHOUT_SELF_TEST = "Completed"
LAUNCH_METHOD = "AnyWindow"


def au_id(site_url: str, slug: str) -> str:
    return f"{site_url}/modules/{slug}"


def course_structure_xml(
    site_url: str, locale: str, title: str, description: str, pages: Iterable[ModulePage],
    mastery_score: float, with_self_test: set[str],
) -> bytes:  # fmt: skip
    """The `cmi5.xml` of `pages` (launch URLs relative to the package's root)."""
    ET.register_namespace("", NAMESPACE)
    lang = language_tag(locale)

    def tag(name: str) -> str:
        return f"{{{NAMESPACE}}}{name}"

    def text(parent: ET.Element, name: str, value: str) -> None:
        ET.SubElement(ET.SubElement(parent, tag(name)), tag("langstring"), lang=lang).text = value

    root = ET.Element(tag("courseStructure"))
    course = ET.SubElement(root, tag("course"), id=f"{site_url}/")
    text(course, "title", title)
    text(course, "description", description or title)
    for page in pages:
        tested = page.slug in with_self_test
        attributes = {
            "id": au_id(site_url, page.slug),
            "moveOn": MOVE_ON if tested else MOVE_ON_WITHOUT_SELF_TEST,
            "launchMethod": LAUNCH_METHOD,
        }
        if tested:
            attributes["masteryScore"] = _decimal(mastery_score)
        au = ET.SubElement(root, tag("au"), attributes)
        text(au, "title", page.title)
        text(au, "description", page.description or page.title)
        ET.SubElement(au, tag("url")).text = page.href
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _decimal(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"
