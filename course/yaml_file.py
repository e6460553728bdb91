"""A locale's YAML data file (glossary, termbase), read with the lines of its parts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from course.errors import ContentError


@dataclass(frozen=True)
class YamlFile:
    path: Path
    text: str
    node: yaml.Node | None  # None for an empty file
    digest: str  # of the bytes: a changed file gets a new one

    def value(self, node: yaml.Node) -> Any:
        """The Python value of one node of the file."""
        return yaml.SafeLoader(self.text).construct_object(node, deep=True)


def read_yaml_file(path: Path) -> YamlFile | ContentError | None:
    """The file parsed into nodes; None when it does not exist; ContentError when broken."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        return ContentError(path, 1, "the file cannot be read: %(error)s", error=error.strerror)
    try:
        text = data.decode("utf-8-sig")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        return ContentError(
            path, mark.line + 1 if mark else 1, "broken YAML: %(error)s", error=str(error)
        )
    return YamlFile(path, text, node, hashlib.sha256(data).hexdigest()[:16])
