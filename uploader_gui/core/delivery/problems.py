"""A problem found in the person's input, located precisely enough to fix it.

Index, label and pre-flight checks collect every problem rather than stopping at the first, so
one run tells the person everything to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from uploader_gui.core.errors import UserInputError


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong, where (file, line or key path), and how to fix it."""

    file: str
    message: str
    line: int | None = None
    key: str | None = None
    fix: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.key:
            where += f" [{self.key}]"
        text = f"{where}: {self.message}"
        return f"{text} — {self.fix}" if self.fix else text


class ProblemsFound(UserInputError):
    """Input with one or more problems; `problems` lists them all."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0] if self.problems else None
        summary = "\n".join(str(p) for p in self.problems)
        super().__init__(
            summary, path=first.file if first else None, line=first.line if first else None
        )
