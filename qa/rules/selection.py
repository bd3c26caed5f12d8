"""Which rules run: `--select` / `--ignore` rule ids or prefixes, as Ruff does it.

A selector is a rule id (`typography/missing-space`), a family (`numbers` or `numbers/`), or
`ALL`. With no `select` every rule is on; `select` turns on only what it names; `ignore`
turns off what it names. When a rule matches both, the more specific selector wins (an exact
id beats a family), and on a tie `ignore` wins: `--select typography --ignore
typography/missing-space` keeps the other typography rules.

`RuleSelection` is plain data so that a config loader (`[tool.qa]` select / ignore, not
written yet) can build one and `RuleSelection.override` can layer the command line on top.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qa.model import Finding

ALL = "ALL"


class SelectionError(ValueError):
    """A selector that names no known rule or family."""


@dataclass(frozen=True)
class RuleSelection:
    select: tuple[str, ...] | None = None
    """None: every rule; otherwise only the rules these selectors match."""
    ignore: tuple[str, ...] = ()

    @classmethod
    def parse(cls, select: Iterable[str] | None, ignore: Iterable[str] | None, known: Sequence[str]) -> RuleSelection:
        """From command-line values, each a comma-separated list; unknown selectors raise."""
        selected = _split(select) if select is not None else None
        ignored = _split(ignore) if ignore is not None else ()
        for selector in (*(selected or ()), *ignored):
            if not any(_matches(selector, rule) for rule in known):
                families = sorted({rule.split("/")[0] for rule in known})
                raise SelectionError(
                    f"unknown rule or prefix {selector!r} (families: {', '.join(families)}; `qa rules` lists the ids)"
                )
        # An empty --select ("") selects nothing in particular: every rule stays on.
        return cls(select=selected or None, ignore=ignored)

    def override(self, other: RuleSelection) -> RuleSelection:
        """`other` (the command line) on top of `self` (a config file): its select replaces
        this one's, its ignores add to these."""
        return RuleSelection(
            select=other.select if other.select is not None else self.select,
            ignore=(*self.ignore, *other.ignore),
        )

    def allows(self, rule: str) -> bool:
        selected = _specificity(self.select, rule) if self.select is not None else 0
        ignored = _specificity(self.ignore, rule)
        if self.select is not None and selected < 0:
            return False
        return ignored < 0 or selected > ignored

    def allows_any(self, rules: Iterable[str]) -> bool:
        return any(self.allows(rule) for rule in rules)

    def filter(self, findings: Iterable[Finding]) -> list[Finding]:
        return [finding for finding in findings if self.allows(finding.rule)]

    @property
    def is_default(self) -> bool:
        return self.select is None and not self.ignore


def _split(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _matches(selector: str, rule: str) -> bool:
    if selector == ALL:
        return True
    prefix = selector.rstrip("/")
    return rule == prefix or rule.startswith(prefix + "/")


def _specificity(selectors: Iterable[str] | None, rule: str) -> int:
    """How specifically the best of `selectors` names `rule`: -1 not at all, 0 ALL, then the
    number of path components (1 a family, 2 an exact id)."""
    best = -1
    for selector in selectors or ():
        if _matches(selector, rule):
            best = max(best, 0 if selector == ALL else len(selector.rstrip("/").split("/")))
    return best
