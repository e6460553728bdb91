"""Benchmark: Lighthouse scores of the pages learners use most, in every locale.

Run: python -m tests.bench lighthouse [--locale xx ...] [--page NAME ...] [--keep DIR]
Lighthouse (npm, pinned in tests/bench/lighthouse/package.json and installed there with
`npm ci` on first use) audits the home, module, self-test and progress pages on
`omnicourse serve` with Debian's Chromium, as a phone on a slow network (Lighthouse's
default simulated throttling). Goal: at least 0.95 in performance, accessibility, best
practices and SEO on each. Prints one row per page and the audits that cost points.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bench.server import running_server
from tests.browser.conftest import CHROMIUM

TOOL = Path(__file__).parent / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOAL = 0.95
PAGES = {
    "home": "/{locale}/",
    "module": "/{locale}/modules/principles/",
    "self-test": "/{locale}/modules/principles/quiz",
    "progress": "/{locale}/progress",
}


def lighthouse() -> Path:
    binary = TOOL / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=TOOL, check=True,
                       capture_output=True)  # fmt: skip
    return binary


def audit(binary: Path, url: str, report: Path) -> dict:
    command = [
        str(binary), url, "--quiet", "--output=json", f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]  # fmt: skip
    for _attempt in (1, 2):  # a busy machine sometimes loses Chromium's connection: once more
        done = subprocess.run(command, capture_output=True, text=True,
                              env={**os.environ, "CHROME_PATH": CHROMIUM})  # fmt: skip
        if done.returncode == 0:
            return json.loads(report.read_text())
    raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed")


def lost_points(result: dict) -> list[str]:
    """The audits that lowered a category below a full score."""
    lost = []
    for name in CATEGORIES:
        for ref in result["categories"][name]["auditRefs"]:
            found = result["audits"][ref["id"]]
            if ref["weight"] and found.get("score") is not None and found["score"] < 0.9:
                value = found.get("displayValue", "")
                lost.append(f"{name}: {ref['id']} {found['score']:.2f} {value}".rstrip())
    return lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", action="append", dest="locales")
    parser.add_argument("--page", action="append", dest="pages", choices=sorted(PAGES))
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep each JSON report in DIR")
    args = parser.parse_args(sys.argv[1:])
    locales = args.locales or ["en", "pl", "zh", "yo"]
    pages = args.pages or list(PAGES)
    binary = lighthouse()
    header = f"{'page':<22}" + "".join(f"{name:>16}" for name in CATEGORIES)
    rows, misses = [], []
    with running_server(workers=2, env={"OMNICOURSE_BUILD_ON_START": "false"}) as port, \
            tempfile.TemporaryDirectory() as folder:  # fmt: skip
        for locale in locales:
            for name in pages:
                url = f"http://127.0.0.1:{port}" + PAGES[name].format(locale=locale)
                try:
                    reports = args.keep or Path(folder)
                    reports.mkdir(parents=True, exist_ok=True)
                    result = audit(binary, url, reports / f"{locale}-{name}.json")
                except RuntimeError as error:
                    rows.append(f"{locale + ' ' + name:<22} Lighthouse failed: {error}")
                    misses.append((f"{locale} {name}", [str(error)]))
                    continue
                scores = [result["categories"][c]["score"] for c in CATEGORIES]
                rows.append(f"{locale + ' ' + name:<22}" + "".join(f"{s:>16.2f}" for s in scores))
                if min(scores) < GOAL:
                    misses.append((f"{locale} {name}", lost_points(result)))
    print(header)
    print("\n".join(rows))
    print(f"\npages at or above {GOAL} in every category: {len(rows) - len(misses)} of {len(rows)}")
    for page, lost in misses:
        print(f"\n{page} loses points on:")
        print("\n".join(f"  {line}" for line in lost) or "  (no single audit below 0.9)")


if __name__ == "__main__":
    main()
