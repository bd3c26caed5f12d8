"""Which rules run: `--select` / `--ignore` rule ids or prefixes, as Ruff does it.

A selector is a rule id (`typography/missing-space`), a family (`numbers` or `numbers/`), or
`ALL`. With no `select` every rule that is on by default runs (a rule off by default says why
in `qa rules --doc`: its precision on good human translations is too low for a gate);
`select` turns on only what it names, `extend-select` adds to the selection (the way to turn
on a rule that is off by default), `ignore` turns off what it names. When a rule matches
both, the more specific selector wins (an exact id beats a family), and on a tie `ignore`
wins: `--select typography --ignore typography/missing-space` keeps the other typography rules.

`RuleSelection` is plain data: the config file (`[tool.qa]` select / ignore / extend-select)
builds one and `RuleSelection.override` layers the command line on top.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qa.model import Finding

ALL = "ALL"


class SelectionError(ValueError):
    """A selector that names no known rule or family."""


@dataclass(frozen=True)
class RuleSelection:
    select: tuple[str, ...] | None = None
    """None: every rule on by default; otherwise only the rules these selectors match."""
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    """Added to `select` (or to the default set): how a rule that is off by default is turned on
    without restating the others."""

    @classmethod
    def parse(
        cls,
        select: Iterable[str] | None,
        ignore: Iterable[str] | None,
        known: Sequence[str],
        extend_select: Iterable[str] | None = None,
    ) -> RuleSelection:
        """From command-line values, each a comma-separated list; unknown selectors raise."""
        selected = _split(select) if select is not None else None
        ignored = _split(ignore) if ignore is not None else ()
        extended = _split(extend_select) if extend_select is not None else ()
        for selector in (*(selected or ()), *ignored, *extended):
            if not any(_matches(selector, rule) for rule in known):
                families = sorted({rule.split("/")[0] for rule in known})
                raise SelectionError(
                    f"unknown rule or prefix {selector!r} (families: {', '.join(families)}; `qa rules` lists the ids)"
                )
        # An empty --select ("") selects nothing in particular: the default rules stay on.
        return cls(select=selected or None, ignore=ignored, extend_select=extended)

    def override(self, other: RuleSelection) -> RuleSelection:
        """`other` (the command line) on top of `self` (a config file): its select replaces
        this one's, its ignores add to these."""
        return RuleSelection(
            select=other.select if other.select is not None else self.select,
            ignore=(*self.ignore, *other.ignore),
            extend_select=(*self.extend_select, *other.extend_select),
        )

    def allows(self, rule: str) -> bool:
        if self.select is not None:
            selected = _specificity(self.select, rule)
        else:
            selected = -1 if rule in _off_by_default() else 0
        selected = max(selected, _specificity(self.extend_select, rule))
        ignored = _specificity(self.ignore, rule)
        if selected < 0:
            return False
        return ignored < 0 or selected > ignored

    def allows_any(self, rules: Iterable[str]) -> bool:
        return any(self.allows(rule) for rule in rules)

    def filter(self, findings: Iterable[Finding]) -> list[Finding]:
        return [finding for finding in findings if self.allows(finding.rule)]


@functools.cache
def _off_by_default() -> frozenset[str]:
    """The ids of the rules that run only when a selector names them (qa/rules/rule.py)."""
    from qa.rules import ALL_RULES  # the registry imports the rule modules: read it when first asked

    return frozenset(rule.id for rule in ALL_RULES if not rule.on_by_default)


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
