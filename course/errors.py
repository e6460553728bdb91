"""The error raised for content an author has to fix."""

from __future__ import annotations

from pathlib import Path


class ContentError(Exception):
    """A problem in a content file, located by file and line."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = Path(path)
        self.line = line
        self.message = message

    def __reduce__(self) -> tuple:  # kept parsed modules carry their problems
        return type(self), (self.path, self.line, self.message)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"
