"""The error raised for content an author has to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class ContentError(Exception):
    """A problem in a content file, located by file and line.

    `message` is a %-style template ("duplicate question id '%(id)s'") and
    `params` its values, so that a page can show the problem in its reader's
    language; `.message` is the English text.
    """

    def __init__(self, path: Path | str, line: int, message: str, /, **params: Any) -> None:
        self.path = Path(path)
        self.line = line
        self.template = message
        self.params = params
        self.message = message % params if params else message
        super().__init__(f"{path}:{line}: {self.message}")

    def __reduce__(self) -> tuple:  # kept parsed modules carry their problems
        return _rebuild, (type(self), self.path, self.line, self.template, self.params)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _rebuild(
    cls: type[ContentError], path: Path, line: int, template: str, params: dict[str, Any]
) -> ContentError:
    return cls(path, line, template, **params)


class Invalid(ValueError):
    """A problem found where the file and line are not known yet; the caller makes it a
    ContentError with the same template and values."""

    def __init__(self, message: str, /, **params: Any) -> None:
        self.template = message
        self.params = params
        self.message = message % params if params else message
        super().__init__(self.message)
