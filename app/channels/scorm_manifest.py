"""`imsmanifest.xml` for a SCORM 1.2 or 2004 (4th Edition) package of one locale.

One organization, one item per module, each item launching its own SCO; the
files every SCO shares (styles, scripts, fonts) are one asset resource the SCOs
depend on. The self-test's pass threshold is the item's mastery score (1.2) or
its primary objective's minimum normalized measure (2004), so an LMS that
judges success itself judges it as the course does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

SCHEMAS = Path(__file__).with_name("schemas")
VERSIONS = ("scorm12", "scorm2004")
SHARED = "shared-files"

NAMESPACES = {
    "scorm12": {
        "": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
        "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
    },
    "scorm2004": {
        "": "http://www.imsglobal.org/xsd/imscp_v1p1",
        "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
        "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3",
        "adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
        "imsss": "http://www.imsglobal.org/xsd/imsss",
    },
}
SCHEMA_FILES = {  # namespace prefix → its schema, for xsi:schemaLocation
    "scorm12": {"": "imscp_rootv1p1p2.xsd", "adlcp": "adlcp_rootv1p2.xsd"},
    "scorm2004": {"": "imscp_v1p1.xsd", "adlcp": "adlcp_v1p3.xsd", "adlseq": "adlseq_v1p3.xsd",
                  "adlnav": "adlnav_v1p3.xsd", "imsss": "imsss_v1p0.xsd"},
}  # fmt: skip
SCHEMA_VERSION = {"scorm12": "1.2", "scorm2004": "2004 4th Edition"}
XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True)
class Sco:
    """One module as a sharable content object: its launch page and the files only it uses."""

    slug: str
    title: str
    href: str
    files: tuple[str, ...]

    @property
    def identifier(self) -> str:
        return f"sco-{self.slug}"


def schema_files(version: str) -> list[Path]:
    """The schema files a package of `version` carries at its root."""
    return sorted(p for p in (SCHEMAS / version).iterdir() if p.suffix in (".xsd", ".dtd"))


def manifest_xml(
    version: str,
    identifier: str,
    title: str,
    scos: list[Sco],
    shared: list[str],
    pass_threshold: float,
) -> bytes:
    """The manifest of a package holding `scos` (in course order) and the `shared` files."""
    if version not in VERSIONS:
        raise ValueError(f"unknown SCORM version {version!r}: {', '.join(VERSIONS)}")
    ns = NAMESPACES[version]

    def tag(name: str, prefix: str = "") -> str:
        return f"{{{ns[prefix]}}}{name}"

    def scorm_type() -> str:  # the attribute is spelled differently in each version
        return tag("scormtype" if version == "scorm12" else "scormType", "adlcp")

    for prefix, uri in ns.items():
        ET.register_namespace(prefix, uri)
    ET.register_namespace("xsi", XSI)
    manifest = ET.Element(tag("manifest"), {"identifier": identifier, "version": "1"})
    manifest.set(
        f"{{{XSI}}}schemaLocation",
        " ".join(f"{ns[prefix]} {file}" for prefix, file in SCHEMA_FILES[version].items()),
    )
    metadata = ET.SubElement(manifest, tag("metadata"))
    ET.SubElement(metadata, tag("schema")).text = "ADL SCORM"
    ET.SubElement(metadata, tag("schemaversion")).text = SCHEMA_VERSION[version]

    organizations = ET.SubElement(manifest, tag("organizations"), {"default": "course"})
    organization = ET.SubElement(organizations, tag("organization"), {"identifier": "course"})
    ET.SubElement(organization, tag("title")).text = title
    for sco in scos:
        item = ET.SubElement(
            organization, tag("item"), {"identifier": f"item-{sco.slug}",
                                        "identifierref": sco.identifier, "isvisible": "true"}
        )  # fmt: skip
        ET.SubElement(item, tag("title")).text = sco.title
        if version == "scorm12":
            mastery = ET.SubElement(item, tag("masteryscore", "adlcp"))
            mastery.text = str(round(pass_threshold * 100))
        else:
            _primary_objective(item, tag, sco.slug, pass_threshold)

    resources = ET.SubElement(manifest, tag("resources"))
    for sco in scos:
        resource = ET.SubElement(
            resources, tag("resource"),
            {"identifier": sco.identifier, "type": "webcontent", "href": sco.href,
             scorm_type(): "sco"},
        )  # fmt: skip
        for name in sco.files:
            ET.SubElement(resource, tag("file"), {"href": name})
        ET.SubElement(resource, tag("dependency"), {"identifierref": SHARED})
    asset = ET.SubElement(
        resources, tag("resource"),
        {"identifier": SHARED, "type": "webcontent", scorm_type(): "asset"},
    )  # fmt: skip
    for name in shared:
        ET.SubElement(asset, tag("file"), {"href": name})
    ET.indent(manifest)
    return ET.tostring(manifest, encoding="utf-8", xml_declaration=True)


def _primary_objective(item: ET.Element, tag, slug: str, pass_threshold: float) -> None:
    """2004: the module's self-test passed ⇔ its scaled score reaches the threshold."""
    sequencing = ET.SubElement(item, tag("sequencing", "imsss"))
    objectives = ET.SubElement(sequencing, tag("objectives", "imsss"))
    primary = ET.SubElement(
        objectives, tag("primaryObjective", "imsss"),
        {"objectiveID": f"self-test-{slug}", "satisfiedByMeasure": "true"},
    )  # fmt: skip
    ET.SubElement(primary, tag("minNormalizedMeasure", "imsss")).text = f"{pass_threshold:g}"
