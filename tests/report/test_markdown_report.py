from qa.model import Report, Signature
from qa.report.markdown import render
from tests.report.test_json_report import sample_report


def test_review_shows_summary_pairs_side_by_side_findings_and_signature():
    text = render(sample_report())
    assert text.startswith("# Translation review: `a.zh.md`")
    assert "| Errors | 1 |" in text
    assert "### Pair 0 (1-1) · en L1 · zh L1 · drift 0.25" in text
    assert "| Para about CLIP. | 关于剪辑的段落。 |" in text
    assert "`glossary/forbidden-term` L1:3 `剪辑` → **CLIP**" in text
    assert "| 1 | 1-0 | L3 | – | – |" in text
    assert "glossary `g.csv` sha256:ab" in text


def test_pipes_in_text_do_not_break_the_table():
    report = sample_report()
    pair = report.pairs[0]
    source = (pair.source[0].__class__(**{**pair.source[0].__dict__, "raw": "a | b"}),)
    patched = Report(
        report.target,
        report.source,
        report.signature,
        (pair.__class__(0, source, pair.target, 0.8), report.pairs[1]),
        report.scores,
        report.findings,
    )
    assert "| a \\| b | 关于剪辑的段落。 |" in render(patched)


def test_no_source_lists_findings_by_line():
    report = Report("a.zh.md", None, Signature("0.1.0", (), None), (), (), (), ("no English source",))
    text = render(report)
    assert "> **Note:** no English source" in text and "No findings." in text
