from rich.console import Console

from qa.align.pairs import align
from qa.model import PairScore
from qa.report.terminal import print_alignment
from tests.conftest import doc


def test_table_shows_line_numbers_types_and_both_texts():
    alignment = align(
        doc("# Title\n\nFirst paragraph about CLIP.\n\nSecond one, about GAN and its 300 layers.\n", "a.en.md"),
        doc("# 标题\n\n关于 CLIP 的第一段。\n", "a.zh.md"),
    )
    console = Console(record=True, width=160)
    print_alignment(alignment, [PairScore(p.id, 0.25 if p.id == 1 else None) for p in alignment.pairs], console)
    text = console.export_text()
    assert "a.en.md ↔ a.zh.md" in text
    assert "关于 CLIP 的第一段。" in text and "First paragraph about CLIP." in text
    rows = [line for line in text.splitlines() if "│" in line]
    assert any("1-0" in row and "Second one" in row and "–" in row for row in rows)
    assert any("0.25" in row for row in rows)
