"""Shared fixtures: content factories in a temp folder, the app, its client and CLI runner."""

from __future__ import annotations

import logging
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from app import create_app
from app.config import PROJECT_ROOT, build_settings
from app.db import upgrade as upgrade_database
from course import load_course
from course.build import BuildReport, plan, run
from tests.databases import database_url  # noqa: F401  (fixture: SQLite, then PostgreSQL)

REAL_CONTENT = PROJECT_ROOT / "content"

MODULE_TEMPLATE = """\
---
slug: {slug}
title: {title}
order: {order}
eqf: "3-5"
description: A short module used by the tests.
keywords: [omnichannel, testing]
outcomes:
  define: Define omnichannel.
  compare: Compare multichannel and omnichannel.
key_points:
  - Channels are joined up.
bibliography:
  - "Harvard Business Review (2017). *A Study of 46,000 Shoppers*."
{extra}---

## What it means {{#what-it-means}}

Omnichannel joins up **every** channel. See https://example.com/page for more.

## Why it matters {{#why-it-matters}}

| channel | shared data |
| --- | --- |
| store | yes |

## Test yourself! {{#self-test .quiz}}

### Which statement describes omnichannel? {{#q-define outcome=define}}

- [ ] Channels run separately, each by its own team.
- [x] Channels are joined up around the customer.
- [ ] Only online sales.

> Omnichannel joins channels up around the customer.

### Which are channels? {{#q-channels outcome=compare type=multiple}}

- [x] A web shop
- [x] A store
- [ ] A spreadsheet

> Web shops and stores are channels; a spreadsheet is a tool.

### Multichannel shares customer data between channels. {{#q-tf outcome=compare type=true-false}}

- [ ] True
- [x] False

> In multichannel each channel keeps its own data.
"""


class ContentFactory:
    """Writes a small course into a temporary content folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.write_config()

    def write_config(self, **overrides: object) -> None:
        config = {"source_locale": "en", "pass_threshold": 0.6, **overrides}
        lines = [f"{key}: {value}" for key, value in config.items()]
        lines.append("title:\n  en: Test course\n  pl: Kurs testowy")
        (self.root / "course.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def module(
        self,
        slug: str = "basics",
        locale: str = "en",
        order: int = 1,
        title: str = "Basics",
        extra: str = "",
        text: str | None = None,
        filename: str | None = None,
    ) -> Path:
        folder = self.root / locale
        folder.mkdir(exist_ok=True)
        path = folder / (filename or f"{order:02d}-{slug}.md")
        body = (
            text
            if text is not None
            else MODULE_TEMPLATE.format(slug=slug, title=title, order=order, extra=extra)
        )
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        return path


@pytest.fixture
def content(tmp_path: Path) -> ContentFactory:
    return ContentFactory(tmp_path / "content")


def make_app(tmp_path: Path, content_dir: Path = REAL_CONTENT, **config: object):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "CONTENT_DIR": str(content_dir),
            "SECRET_KEY": "test-secret",
            "CONTENT_WATCH": False,  # tests reload with app.extensions["content"].refresh()
            "BUILD_ON_CHANGE": False,
            "MIGRATE_ON_FIRST_REQUEST": False,  # migrated below, as `omnicourse serve` does
            "MAIL_WORKER": False,  # tests send the outbox with app.mail.send_due, or say so
            "LTI_WORKER": False,  # likewise the LTI scores, with app.lti.grades.send_due
            # Tests of the self-test limits and of reading time set these back themselves.
            "QUIZ_ATTEMPTS_PER_MINUTE": 1000,
            "QUIZ_ATTEMPTS_PER_DAY": 1000,
            "QUIZ_GUEST_ATTEMPTS_PER_ADDRESS": 1000,
            "READING_WORDS_PER_MINUTE": 10**9,
            **config,
        }
    )
    upgrade_database(app)  # the database is made by the migrations, as in production
    return app


@pytest.fixture
def app(tmp_path: Path):
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: bytes | str) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    match = CSRF_INPUT.search(text)
    assert match, "the page has no CSRF token"
    return match.group(1)


# What `omnicourse serve` builds for the shipped course with no network (audio by
# eSpeak NG, PDFs with the shipped fonts and catalogues).
OFFLINE_BUILD = {
    "TTS_ENGINES": "recording,espeak",
    "TRANSLATIONS_DIR": str(PROJECT_ROOT / "translations"),
}


@dataclass(frozen=True)
class BuiltCourse:
    """The shipped course's audio and PDFs, as in an instance's build/ folder."""

    build: Path
    report: BuildReport
    missing_glyphs: list[str]  # WeasyPrint's warnings about characters no font drew


class _MissingGlyphs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "no font for" in record.getMessage():
            self.messages.append(record.getMessage())


@pytest.fixture(scope="session")
def built_course(tmp_path_factory) -> BuiltCourse:
    """Build the shipped course once for the whole run: tests and servers read it, never write."""
    build = tmp_path_factory.mktemp("built") / "build"
    missing = _MissingGlyphs()
    logging.getLogger("course.pdf").addHandler(missing)
    try:
        course = load_course(REAL_CONTENT)
        report = run(plan(course, build, ["audio", "pdf"], build_settings(OFFLINE_BUILD)))
    finally:
        logging.getLogger("course.pdf").removeHandler(missing)
    return BuiltCourse(build, report, missing.messages)
