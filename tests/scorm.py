"""SCORM packages in tests: the ADL schemas as one validator, and a package's files."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from app.channels.scorm_manifest import NAMESPACES, SCHEMA_FILES, SCHEMAS


class _LocalSchemas(etree.Resolver):
    """SCORM 1.2's ims_xml.xsd declares the xml namespace as its default one, which libxml2
    refuses; the W3C's own xml.xsd (shipped for 2004) defines the same attributes."""

    def resolve(self, url, public_id, context):
        if url.endswith("ims_xml.xsd"):
            return self.resolve_filename(str(SCHEMAS / "scorm2004" / "xml.xsd"), context)
        return None


def manifest_schema(version: str) -> etree.XMLSchema:
    """Every schema a manifest of `version` names, imported into one, read from the project."""
    imports = "".join(
        f'<xs:import namespace="{NAMESPACES[version][prefix]}" schemaLocation="{file}"/>'
        for prefix, file in SCHEMA_FILES[version].items()
    )
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalSchemas())
    base = (SCHEMAS / version).as_uri() + "/"
    return etree.XMLSchema(etree.fromstring(driver.encode(), parser, base_url=base))


def manifest(package: Path) -> etree._Element:
    with zipfile.ZipFile(package) as archive:
        return etree.fromstring(archive.read("imsmanifest.xml"))


def names(package: Path) -> set[str]:
    with zipfile.ZipFile(package) as archive:
        return set(archive.namelist())
