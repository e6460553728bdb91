"""The build pipeline: plan what is out of date, then run each job in isolation.

Each kind of artifact (audio, pdf) has a planner that looks at the whole
course first and returns one job per output that is missing or stale (outputs
are keyed by a hash of what they are made from). Running is separate, so a
caller can show a progress bar and one failing job does not stop the others.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from course.catalog import Course

if TYPE_CHECKING:
    from course.pdf import PdfSettings

log = logging.getLogger(__name__)

# Each kind's planner (imported when used: WeasyPrint is slow to load) and its settings.
PLANNERS = {
    "audio": ("course.audio:plan_audio", "tts_engines"),
    "pdf": ("course.pdf:plan_pdfs", "pdf"),
}


@dataclass(frozen=True)
class BuildSettings:
    """What the builds are made with: the PDFs' fonts and paper, the audio's engine chain."""

    pdf: PdfSettings
    tts_engines: Sequence[str]


@dataclass(frozen=True)
class Job:
    """One output to (re)build; `source` names the content file it comes from and
    `module` the module it belongs to (`locale/slug`, empty for housekeeping)."""

    label: str
    source: Path
    run: Callable[[], None] = field(repr=False)
    module: str = ""


@dataclass
class BuildReport:
    built: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def plan(course: Course, out_dir: Path, kinds: Iterable[str], settings: BuildSettings) -> list[Job]:
    """Every job needed to bring the requested kinds of artifact up to date."""
    jobs: list[Job] = []
    for kind in kinds:
        where, setting = PLANNERS[kind]
        module_name, _, function = where.partition(":")
        planner = getattr(importlib.import_module(module_name), function)
        jobs.extend(planner(course, Path(out_dir) / kind, getattr(settings, setting)))
    return jobs


def run(jobs: Iterable[Job], done: Callable[[Job], None] | None = None) -> BuildReport:
    """Run jobs one by one; a failure is reported with its source file and the rest go on.

    `done` is told of each job once it has run (to show progress)."""
    report = BuildReport()
    for job in jobs:
        try:
            job.run()
        except Exception as error:
            log.exception("build failed: %s", job.label)
            report.failed.append(f"{job.source}: {job.label}: {error}")
        else:
            report.built.append(job.label)
        if done is not None:
            done(job)
    return report
