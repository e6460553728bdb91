"""Benchmark: the review desk and analytics on a busy course.

Run: python -m tests.bench.bench_analytics [--attempts 20000] [--feedback 5000]

Fills a database with self-test attempts spread over the course's modules
(each by its own learner, with progress and sections read), feedback in every
language and section votes, then times what an instructor waits for: the
analytics page, a page of the feedback list with a text search, and the CSV
export of all feedback. Runs on SQLite, and on PostgreSQL when the test server
is reachable (see tests/databases.py).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.models import Feedback, Learner, Progress, QuizAttempt, SectionRead, SectionVote
from course import grade
from tests.conftest import make_app
from tests.databases import fresh_postgres_database, postgres_unavailable, sqlite_url
from tests.learners import add_user, login

START = datetime(2025, 1, 6)


def fill(app, attempts: int, feedback: int) -> None:
    course = app.extensions["content"].course
    modules, locales = course.source_modules(), course.locales
    rnd = random.Random(7)
    tables: dict[type, list[dict]] = {m: [] for m in (Learner, Progress, SectionRead)}
    tables.update({QuizAttempt: [], SectionVote: [], Feedback: []})
    for number in range(attempts):
        module = modules[number % len(modules)]
        learner, slug = 1_000_000 + number, module.slug  # clear of the sequence
        when = START + timedelta(minutes=number * 7)
        tables[Learner].append(
            dict(id=learner, key=f"bench-{number:08d}-xxxxxxxxxx", created_at=when)
        )
        tables[Progress].append(
            dict(learner_id=learner, module_slug=slug, created_at=when, updated_at=when)
        )
        for section in module.sections[: rnd.randint(0, len(module.sections))]:
            tables[SectionRead].append(
                dict(learner_id=learner, module_slug=slug, section_id=section.id, read_at=when)
            )
        skill = rnd.random()
        answers = {
            q.id: sorted(q.correct_keys) if rnd.random() < skill else [q.options[-1].key]
            for q in module.quiz.questions
        }
        result = grade(module.quiz, answers, course.pass_threshold)
        tables[QuizAttempt].append(
            dict(
                learner_id=learner,
                module_slug=slug,
                locale=locales[number % len(locales)],
                content_hash=module.content_hash,
                answers=result.answers(),
                score=result.score,
                total=result.total,
                submitted_at=when,
            )
        )
        if number % 3 == 0:
            vote = dict(learner_id=learner, module_slug=slug, section_id=module.sections[0].id)
            vote.update(locale="en", helpful=rnd.random() < 0.7, created_at=when, updated_at=when)
            tables[SectionVote].append(vote)
    for number in range(feedback):
        tables[Feedback].append(
            dict(
                module_slug=modules[number % len(modules)].slug,
                locale=locales[number % len(locales)],
                content_hash="h",
                rating=rnd.randint(1, 5),
                clarity=rnd.randint(1, 5),
                improve=f"More examples, please ({number})",
                comment="Clear and useful.",
                contact_consent=False,
                status="new",
                created_at=START + timedelta(hours=number),
            )
        )
    with app.extensions["db_engine"].begin() as connection:
        for model, rows in tables.items():
            if rows:
                connection.execute(sa.insert(model), rows)


def timed(client, url: str, repeat: int = 3) -> tuple[float, int]:
    """Best of `repeat` wall times in milliseconds, and the response size."""
    best, size = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        body = response.get_data()
        best = min(best, (time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        size = len(body)
    return best, size


def run(name: str, url: str, attempts: int, feedback: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder), DATABASE_URL=url)
        started = time.perf_counter()
        fill(app, attempts, feedback)
        filled = time.perf_counter() - started
        add_user(app, "bench@example.com", "admin")
        client = app.test_client()
        login(client, "bench@example.com")
        print(f"\n{name}: {attempts} attempts, {feedback} feedback (filled in {filled:.1f} s)")
        for label, page in (
            ("analytics, all modules", "/admin/analytics"),
            ("analytics, one module", "/admin/analytics?module=principles&locale=pl"),
            ("feedback list, page 1", "/admin/feedback"),
            ("feedback list, search", "/admin/feedback?q=examples&rating=5"),
            ("feedback list, page 100", "/admin/feedback?page=100"),
            ("CSV, all feedback", "/admin/feedback.csv"),
        ):
            milliseconds, size = timed(client, page)
            print(f"  {label:26} {milliseconds:8.1f} ms  {size / 1024:8.1f} KiB")
        app.extensions["db_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=20_000)
    parser.add_argument("--feedback", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", sqlite_url(Path(folder)), args.attempts, args.feedback)
    reason = postgres_unavailable()
    if reason:
        print(f"\nPostgreSQL skipped: {reason}")
        return
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(fresh_postgres_database())
        run("PostgreSQL", url, args.attempts, args.feedback)


if __name__ == "__main__":
    main()
