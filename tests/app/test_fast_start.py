"""Commands and workers start fast: no course loaded unless needed, parsed modules reused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.db import db as db_command
from app.cli.users import users as users_command
from tests.conftest import make_app


def test_commands_about_accounts_and_the_database_never_load_the_course(tmp_path):
    app = make_app(tmp_path, CONTENT_ON_DEMAND=True)  # as `omnicourse` makes it
    runner = app.test_cli_runner()
    assert runner.invoke(users_command, ["list"]).exit_code == 0
    assert runner.invoke(db_command, ["status"]).exit_code == 0
    assert app.extensions["content"]._course is None


def test_a_second_process_reads_parsed_modules_back_instead_of_parsing(tmp_path, monkeypatch):
    first = make_app(tmp_path)
    course = first.extensions["content"].course
    assert course.errors == [] and len(course.modules["en"]) == 4

    def no_parsing(*args, **kwargs):
        raise AssertionError("a module was parsed again")

    monkeypatch.setattr("course.catalog.load_module", no_parsing)
    again = make_app(tmp_path).extensions["content"].course  # the same instance folder
    assert again.version == course.version
    assert again.resolve("pl", "principles").module.sections[0].html == (
        course.resolve("pl", "principles").module.sections[0].html
    )


def test_a_changed_file_is_parsed_again(tmp_path, content):
    path = content.module()
    app = make_app(tmp_path, content.root)
    assert app.extensions["content"].course.resolve("en", "basics").module.title == "Basics"
    path.write_text(path.read_text().replace("title: Basics", "title: Changed"))
    fresh = make_app(tmp_path, content.root)  # a new process, the same cache
    assert fresh.extensions["content"].course.resolve("en", "basics").module.title == "Changed"


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x04K\x01."])
def test_a_damaged_cache_file_is_parsed_again(tmp_path, garbage):
    app = make_app(tmp_path)
    expected = app.extensions["content"].course.version
    cache = app.extensions["content"].cache
    for path in cache.folder.glob("*/*.pickle"):
        path.write_bytes(garbage)
    assert make_app(tmp_path).extensions["content"].course.version == expected


@pytest.mark.parametrize("name", ["WORKERS", "THREADS"])
def test_a_server_setting_that_is_no_number_is_named_before_anything_starts(tmp_path, name):
    env = {**os.environ, "OMNICOURSE_INSTANCE_PATH": str(tmp_path), f"OMNICOURSE_{name}": "many"}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("omnicourse")), "serve", "--port", "1"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert f"OMNICOURSE_{name} must be a whole number, not 'many'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "omnicourse.sqlite3").exists()  # nothing was started
