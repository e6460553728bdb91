"""Audio versions of modules (text-to-speech engines and recordings)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from course.catalog import Course


def plan_audio(course: Course, out_dir: Path, config: Mapping[str, Any]) -> list:
    """Jobs that build missing or stale audio files (none until engines exist)."""
    return []
