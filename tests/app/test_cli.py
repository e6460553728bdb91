"""The omnicourse commands."""

from __future__ import annotations

import json

from app.cli import check
from tests.conftest import make_app


def test_check_passes_on_the_shipped_course(runner):
    result = runner.invoke(check)
    assert result.exit_code == 0, result.output
    assert "All content is valid" in result.output


def test_check_lists_every_problem_as_file_line_message(tmp_path, content):
    content.module(slug="good", order=1)
    bad_yaml = content.module(slug="b", order=2, text="---\nslug: b\ntitle: [x\n---\n")
    no_answer = content.module(slug="c", order=3)
    no_answer.write_text(no_answer.read_text().replace("[x] Channels", "[ ] Channels"))
    runner = make_app(tmp_path, content.root).test_cli_runner()
    result = runner.invoke(check)
    assert result.exit_code == 1
    assert f"{bad_yaml}:" in result.output and "broken YAML" in result.output
    assert f"{no_answer}:" in result.output and "no correct answer" in result.output
    assert "2 problem(s) found" in result.output


def test_check_warns_of_test_wiseness_cues_and_fails_on_them_when_strict(tmp_path, content):
    path = content.module()
    # The right option becomes the longest in the one single-choice question.
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "- [x] Channels are joined up around the customer.",
            "- [x] Channels are joined up around the customer, with one shared profile.",
        ),
        encoding="utf-8",
    )
    runner = make_app(tmp_path, content.root).test_cli_runner()
    result = runner.invoke(check)
    assert result.exit_code == 0  # a warning does not fail the check
    quiz_line = (
        path.read_text(encoding="utf-8").splitlines().index("## Test yourself! {#self-test .quiz}")
        + 1
    )
    assert (
        f"{path}:{quiz_line}: warning: the right option is the longest in 1 of 1" in result.output
    )
    assert runner.invoke(check, ["--strict"]).exit_code == 1
    report = json.loads(runner.invoke(check, ["--format", "json"]).output)
    assert report["problems"] == [] and report["warnings"][0]["line"] == quiz_line
