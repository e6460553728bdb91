"""A generated course of any size, made from the shipped modules, for scale tests.

`generate(target, modules, locales)` writes `modules` modules into each of
`locales` locale folders: the shipped files copied round-robin with a new slug
and order, so every file parses as the shipped ones do. Locales beyond the
shipped four are copies of the Polish translation under another code.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

SHIPPED = Path(__file__).resolve().parents[2] / "content"
EXTRA_LOCALES = ("de", "fr", "es", "it", "pt", "uk", "cs", "sk", "ro", "hu", "lt", "lv")
SLUG_LINE = re.compile(r"^slug: (\S+)$", re.MULTILINE)
ORDER_LINE = re.compile(r"^order: \d+$", re.MULTILINE)


def locale_codes(count: int) -> list[str]:
    shipped = ["en", "pl", "zh", "yo"]
    return (shipped + list(EXTRA_LOCALES))[:count]


def generate(target: Path, modules: int, locales: int) -> Path:
    """Write the course into `target` (emptied first) and return it."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    codes = locale_codes(locales)
    config = yaml.safe_load((SHIPPED / "course.yaml").read_text(encoding="utf-8"))
    config["locales"] = codes
    config["title"] = {code: config["title"].get(code, config["title"]["pl"]) for code in codes}
    (target / "course.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    for code in codes:
        origin = SHIPPED / (code if code in ("en", "pl", "zh", "yo") else "pl")
        templates = sorted(origin.glob("*.md"))
        folder = target / code
        folder.mkdir()
        for number in range(1, modules + 1):
            text = templates[(number - 1) % len(templates)].read_text(encoding="utf-8")
            text = SLUG_LINE.sub(lambda m, n=number: f"slug: {m[1]}-{n}", text, count=1)
            text = ORDER_LINE.sub(f"order: {number}", text, count=1)
            (folder / f"{number:04d}-module.md").write_text(text, encoding="utf-8")
    return target
