"""Problems found in content, and the three ways they are printed (text, JSON, GitHub)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding, at a 1-based line and column of a file."""

    path: str
    line: int
    col: int
    severity: str
    loc: str
    message: str

    def __str__(self) -> str:
        field = f"{self.loc}: " if self.loc else ""
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {field}{self.message}"


def dotted(loc: Iterable[object]) -> str:
    """pydantic's loc tuple as the dotted field path shown to authors."""
    return ".".join(str(part) for part in loc)


def promote(problems: Iterable[Problem], strict: bool) -> list[Problem]:
    """Sort problems; with strict, warnings become errors."""
    out = []
    for problem in problems:
        if strict and problem.severity == WARNING:
            problem = Problem(**{**asdict(problem), "severity": ERROR})
        out.append(problem)
    return sorted(set(out))


def summary(problems: list[Problem], documents: int, files: int) -> str:
    errors = sum(p.severity == ERROR for p in problems)
    warnings = len(problems) - errors
    return (
        f"{documents} documents in {files} files: "
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    )


def format_text(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


def format_json(problems: list[Problem]) -> str:
    return json.dumps([asdict(p) for p in problems], ensure_ascii=False, indent=2)


def _escape_github(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def format_github(problems: list[Problem]) -> str:
    """GitHub Actions workflow commands, so problems show up on the pull request's lines."""
    lines = []
    for p in problems:
        title = _escape_github(p.loc or "dutybook")
        text = _escape_github(p.message)
        lines.append(
            f"::{p.severity} file={p.path},line={p.line},col={p.col},title={title}::{text}"
        )
    return "\n".join(lines)


FORMATS = {"text": format_text, "json": format_json, "github": format_github}
