"""The one error a parser raises: a dump rejected whole, with every problem listed."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One broken rule at one place in a dump.

    ``location`` is what an operator looks for in the file: ``line 12``,
    ``record 3`` (1-based), or ``file`` for problems of the dump as a whole.
    ``rule`` is a stable machine-readable name (``odd_line_count``,
    ``empty_title``...), ``detail`` the human sentence.
    """

    location: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.location}: {self.detail} [{self.rule}]"


class DumpRejected(Exception):
    """A dump that cannot be landed. Parsers list every problem, not only the first,
    so that an operator can fix a dump in one pass."""

    def __init__(self, source: str, problems: list[Problem]):
        if not problems:
            raise ValueError("DumpRejected needs at least one problem")
        self.source = source
        self.problems = list(problems)
        super().__init__(self.message)

    @property
    def rules(self) -> list[str]:
        return sorted({p.rule for p in self.problems})

    @property
    def message(self) -> str:
        shown = self.problems[:20]
        lines = [f"{self.source}: rejected ({len(self.problems)} problem(s))"]
        lines += [f"  {p}" for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "rules": self.rules,
            "problems": [asdict(p) for p in self.problems],
        }


def reject(source: str, location: str, rule: str, detail: str) -> DumpRejected:
    """Shorthand for a dump rejected for a single reason."""
    return DumpRejected(source, [Problem(location, rule, detail)])
