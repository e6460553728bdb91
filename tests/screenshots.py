"""Screenshots of every page type at phone and desktop size, for a reviewer to look at.

Run: python -m tests.screenshots [--out DIR] [--locale en ...] [--width 390 ...]
Starts `omnicourse serve` on a fresh instance (with an admin account and some
progress), opens each page in Debian's Chromium and writes DIR/<locale>-<page>-<width>.png
(full page). Prints each file and whether the page overflows its width.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bench.server import running_server
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

WIDTHS = {320: 700, 390: 844, 768: 1024, 1280: 800}
ADMIN = ("admin@example.org", "a long and careful passphrase 42")
LEARNER_PAGES = {
    "home": "/{locale}/",
    "module": "/{locale}/modules/principles/",
    "selftest": "/{locale}/modules/principles/quiz",
    "feedback": "/{locale}/modules/principles/feedback",
    "progress": "/{locale}/progress",
    "login": "/auth/login?lang={locale}",
    "register": "/auth/register?lang={locale}",
    "verify": "/verify?lang={locale}",
    "verify-badge": "/verify/badge?lang={locale}",
    "not-found": "/{locale}/modules/no-such-module/",
}
STAFF_PAGES = {
    "account": "/auth/account?lang={locale}",
    "desk": "/admin/feedback?lang={locale}",
    "analytics": "/admin/analytics?lang={locale}",
    "translations": "/translate/?lang={locale}",
    "recordings": "/translate/recordings/?lang={locale}",
    "record": "/translate/recordings/{locale}/principles?lang={locale}",
}


def _create_admin(env: dict[str, str]) -> None:
    command = [str(Path(sys.executable).with_name("omnicourse")), "users", "create", ADMIN[0],
               "--role", "admin", "--password-stdin"]  # fmt: skip
    subprocess.run(command, input=ADMIN[1] + "\n", env={**os.environ, **env}, text=True,
                   check=True, capture_output=True)  # fmt: skip


def _shoot(browser, base: str, pages: dict[str, str], locales, widths, out: Path, login: bool):
    for width in widths:
        context = browser.new_context(viewport={"width": width, "height": WIDTHS.get(width, 900)})
        page = context.new_page()
        if login:
            page.goto(base + "/auth/login")
            page.fill("input[name=email]", ADMIN[0])
            page.fill("input[name=password]", ADMIN[1])
            page.click("form.form [type=submit]")
            page.wait_for_load_state()
        for locale in locales:
            for name, path in pages.items():
                page.goto(base + path.format(locale=locale))
                page.wait_for_load_state("networkidle")
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - window.innerWidth"
                )
                file = out / f"{locale}-{name}-{width}.png"
                page.screenshot(path=str(file), full_page=True)
                note = f"  OVERFLOWS by {overflow} px" if overflow > 0 else ""
                print(f"{file}{note}")
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots", type=Path)
    parser.add_argument("--locale", action="append", dest="locales")
    parser.add_argument("--width", action="append", dest="widths", type=int)
    parser.add_argument("--page", action="append", dest="pages", help="only these page names")
    args = parser.parse_args()
    locales = args.locales or ["en", "pl", "zh", "yo"]
    widths = args.widths or [390, 1280]
    wanted = set(args.pages or [*LEARNER_PAGES, *STAFF_PAGES])
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as instance, running_server(workers=1, env=(
        env := {"OMNICOURSE_BUILD_ON_START": "false", "OMNICOURSE_INSTANCE_PATH": instance}
    )) as port:  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        _create_admin(env)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            learner = {k: v for k, v in LEARNER_PAGES.items() if k in wanted}
            staff = {k: v for k, v in STAFF_PAGES.items() if k in wanted}
            _shoot(browser, base, learner, locales, widths, args.out, login=False)
            if staff:
                _shoot(browser, base, staff, locales, widths, args.out, login=True)
            browser.close()


if __name__ == "__main__":
    main()
