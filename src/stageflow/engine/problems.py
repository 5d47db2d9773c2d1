"""Problems found in a pipeline definition, and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about a definition; `path` points into the file, e.g. `stages[2].status`."""

    severity: Severity
    path: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class DefinitionError(ValueError):
    """A definition file or mapping could not be read; `problems` lists every reason."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def has_errors(problems: Iterable[Problem]) -> bool:
    """True when any problem is an error (warnings do not block publishing)."""
    return any(problem.severity == "error" for problem in problems)
