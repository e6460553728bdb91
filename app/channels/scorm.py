"""A locale of the course as a SCORM 1.2 or 2004 package: one SCO per module, for any LMS.

Each SCO is a module page of `app.channels.module_pages`: self-contained, its
self-test graded in the page, so its answer key and explanations are in the
package. static/js/scorm.js finds the LMS's API and reports status, score, one
interaction per question and the session time, and keeps the learner's place and
answers in suspend_data. The schemas of the SCORM version are beside
`imsmanifest.xml`.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from flask import Flask

from app.channels.module_pages import PackageReport, Runtime, write_module_pages
from app.channels.scorm_manifest import Sco, manifest_xml, schema_files
from course import Course


def export_scorm(app: Flask, course: Course, version: str, locale: str, out: Path) -> PackageReport:
    """Write the package of `locale`'s modules for SCORM `version` to the ZIP file `out`."""
    report = PackageReport()
    runtime = Runtime("js/scorm.js", {"scorm-version": version})
    with tempfile.TemporaryDirectory(prefix="omnicourse-scorm-") as folder:
        root = Path(folder)
        written = write_module_pages(app, course, locale, runtime, root, report)
        scos = [Sco(page.slug, page.title, page.href, page.files) for page in written.pages]
        manifest = manifest_xml(
            version, f"omnicourse-{locale}", course.title(locale), scos, written.shared,
            course.pass_threshold,
        )  # fmt: skip
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            package.writestr("imsmanifest.xml", manifest)
            for schema in schema_files(version):
                package.write(schema, schema.name)
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                package.write(path, path.relative_to(root).as_posix())
                report.files += 1
    report.bytes = out.stat().st_size
    return report
