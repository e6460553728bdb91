"""PDF versions of modules."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from course.catalog import Course


def plan_pdfs(course: Course, out_dir: Path, config: Mapping[str, Any]) -> list:
    """Jobs that build missing or stale PDFs (none until the PDF builder exists)."""
    return []
