"""The project's promises about itself: CI runs the README's test command."""

from __future__ import annotations

import re

from app.config import PROJECT_ROOT


def readme_commands() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", readme)


def test_ci_runs_the_readme_test_command():
    test_command = next(c for c in readme_commands() if "pytest" in c)
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci


def test_readme_install_command_serves():
    assert any(c.endswith("omnicourse serve") for c in readme_commands())
