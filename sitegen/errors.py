"""The small error hierarchy every layer reports through.

A `Problem` is one thing wrong with the input, located by file and line. Layers
collect problems instead of stopping at the first, and raise `BuildError` with
all of them at the end of a phase, so the user fixes everything in one pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    message: str
    path: Path | None = None
    line: int | None = None
    hint: str | None = None
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def location(self, root: Path | None = None) -> str:
        if self.path is None:
            return "sitegen"
        path = self.path
        if root is not None:
            try:
                path = self.path.resolve().relative_to(root.resolve())
            except ValueError:
                pass
        return f"{path}:{self.line}" if self.line else str(path)

    def format(self, root: Path | None = None) -> str:
        text = f"{self.location(root)}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class SitegenError(Exception):
    """Base of every error sitegen reports to the user without a traceback."""


class BuildError(SitegenError):
    """One or more problems stopped the build."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.is_error]
        first = errors[0].format() if errors else "build failed"
        super().__init__(first if len(errors) == 1 else f"{len(errors)} errors; first: {first}")


class Problems:
    """A collector: phases append, then `raise_if_errors` ends the phase."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(self, message: str, path: Path | None = None, line: int | None = None,
              hint: str | None = None) -> None:
        self.items.append(Problem(message, path, line, hint, ERROR))

    def warning(self, message: str, path: Path | None = None, line: int | None = None,
                hint: str | None = None) -> None:
        self.items.append(Problem(message, path, line, hint, WARNING))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if not p.is_error]

    def raise_if_errors(self, strict: bool = False) -> None:
        """Raise with every problem; under `strict`, warnings count as errors."""
        if self.errors or (strict and self.warnings):
            if strict:
                raise BuildError(
                    Problem(p.message, p.path, p.line, p.hint, ERROR) for p in self.items)
            raise BuildError(self.items)
