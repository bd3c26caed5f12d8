"""Alignment -> a side-by-side table for the terminal (`qa align`), drawn with rich."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from qa.model import Alignment, PairScore, PairType

_EXCERPT = 60
_TYPE_STYLE = {PairType.ONE_ZERO: "bold red", PairType.ZERO_ONE: "bold yellow"}


def alignment_table(alignment: Alignment, scores: Sequence[PairScore]) -> Table:
    drift = {s.pair: s.drift for s in scores}
    table = Table(title=f"{alignment.source.path} ↔ {alignment.target.path}", show_lines=False)
    for name, justify in (
        ("#", "right"),
        ("type", "center"),
        ("en lines", "right"),
        ("English", "left"),
        ("zh lines", "right"),
        ("中文", "left"),
        ("sim", "right"),
        ("drift", "right"),
    ):
        table.add_column(name, justify=justify, overflow="ellipsis", no_wrap=name not in ("English", "中文"))
    for pair in alignment.pairs:
        value = drift.get(pair.id)
        table.add_row(
            str(pair.id),
            pair.type.value,
            _lines(pair.source_lines),
            _excerpt(pair.source_text or " ".join(s.raw for s in pair.source)),
            _lines(pair.target_lines),
            _excerpt(pair.target_text or " ".join(s.raw for s in pair.target)),
            "" if pair.similarity is None else f"{pair.similarity:.2f}",
            "" if value is None else f"{value:.2f}",
            style=_TYPE_STYLE.get(pair.type),
        )
    return table


def print_alignment(alignment: Alignment, scores: Sequence[PairScore], console: Console | None = None) -> None:
    (console or Console()).print(alignment_table(alignment, scores))


def _lines(span: tuple[int, int] | None) -> str:
    if span is None:
        return "–"
    start, end = span
    return str(start) if start == end else f"{start}–{end}"


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _EXCERPT else flat[: _EXCERPT - 1] + "…"
