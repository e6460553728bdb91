"""The interface catalogues on disk, made and compiled with pybabel.

    lines = run_pybabel("compile", "-d", str(folder))   # raises CatalogueError

Used by `omnicourse i18n` and by the studio when an admin starts a language.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from app.config import PROJECT_ROOT
from course.translation import TEMPLATE, catalogue_path

MAPPING = PROJECT_ROOT / "babel.cfg"
# Reading the two-form template for a one-form language (zh, yo) warns harmlessly.
NOISE = ("extracting messages", "WARNING: msg has more translations", "WARNING: Problem on")


class CatalogueError(Exception):
    """pybabel failed; the message says how."""


def run_pybabel(*args: str) -> list[str]:
    """Run a pybabel command; return what it said worth reading, or raise CatalogueError."""
    command = [sys.executable, "-m", "babel.messages.frontend", *args]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise CatalogueError(f"pybabel {args[0]} failed:\n{output}")
    return [line for line in output.splitlines() if not line.startswith(NOISE)]


def extract(translations: Path) -> list[str]:
    """Collect the interface strings into translations/messages.pot."""
    translations.mkdir(parents=True, exist_ok=True)
    return run_pybabel(
        "extract", "-F", str(MAPPING), "-o", str(translations / TEMPLATE),
        "--add-comments=Translators:", "--sort-by-file", "--project=Omnicourse",
        "--copyright-holder=Omnicourse contributors", f"--version={version()}", ".",
    )  # fmt: skip


def start_catalogue(translations: Path, code: str) -> bool:
    """Create and compile the catalogue of language `code`; False when it already exists."""
    if catalogue_path(translations, code).exists():
        return False
    if not (translations / TEMPLATE).is_file():
        extract(translations)
    run_pybabel("init", "-i", str(translations / TEMPLATE), "-d", str(translations), "-l", code)
    run_pybabel("compile", "-d", str(translations), "-l", code)
    return True


def version() -> str:
    try:
        return metadata.version("omnicourse")
    except metadata.PackageNotFoundError:
        return "unreleased"
