"""Input problems, reported all at once with the file, the key and the reason."""

from __future__ import annotations

from dataclasses import dataclass


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
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, file: str, key: str, reason: str) -> InputError:
        return cls([Problem(file, key, reason)])
