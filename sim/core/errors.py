"""Input problems, reported all at once with the file, the key and the reason; and warnings,
which do not stop a run but travel with its results."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input; ``key`` is a dotted path (``ed.clinicians_per_shift``)."""

    file: str
    key: str
    reason: str

    def __str__(self) -> str:
        # one line per problem, whatever odd characters a key or a value holds
        return " ".join(f"{self.file}: {self.key}: {self.reason}".splitlines())


class InputError(Exception):
    """Bad input: the CLI prints one line per problem and exits with status 2."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(dict.fromkeys(problems))  # each problem once
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, file: str, key: str, reason: str) -> InputError:
        return cls([Problem(file, key, reason)])


@dataclass(frozen=True)
class RunWarning:
    """Something a reader of the results must know (a suspicious input, a queue that never
    settles, a scaled run): printed on the console and kept in ``manifest.json`` under
    ``"warnings"`` as ``{kind, subject, message}``.

    ``kind`` says who raised it (``"input"`` for scenario values), ``subject`` what it is about
    (a dotted key, a queue, a target) and ``message`` is the sentence shown to people."""

    kind: str
    subject: str
    message: str
    scenarios: tuple[str, ...] = ()  # in a batch, the scenarios it concerns (all when empty)

    @classmethod
    def from_problem(cls, problem: Problem, kind: str = "input") -> RunWarning:
        """An input warning found by the loader, worded like an input error."""
        return cls(kind, problem.key, str(problem))

    def as_dict(self) -> dict[str, Any]:
        """The manifest's form: ``{kind, subject, message, scenarios}``."""
        return {"kind": self.kind, "subject": self.subject, "message": self.message,
                "scenarios": list(self.scenarios)}

    def __str__(self) -> str:
        return " ".join(f"warning: {self.message}".splitlines())


def did_you_mean(word: str, known: Iterable[str], prefix: str = "") -> str:
    """``"; did you mean PREFIX+NAME?"`` for the known name closest to a mistyped one, or ``""``
    when none is close: a typo should point at the key the user meant, not just be refused."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.75)
    return f"; did you mean {prefix}{close[0]}?" if close else ""
