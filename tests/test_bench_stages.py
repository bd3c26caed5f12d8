"""The stage benchmark times the pipeline's real work: its stages give run_check's report."""

from __future__ import annotations

import os
import shutil

import pytest

from bench.__main__ import COLUMNS, format_table, median_row
from bench.stages import (
    STAGES,
    StageClock,
    _read_and_parse,
    check_stages,
    embed_stage,
    pure_embedding,
    pure_embedding_fresh,
    run_stages,
    workloads,
)
from qa.batchembed import segment_texts
from qa.pipeline import CheckOptions, run_check
from qa.report.json import render
from tests.conftest import EXAMPLES, REPO, KeywordEncoder

KEYWORDS = {"Transformer": 0, "CLIP": 1, "GAN": 2, "模型": 3, "model": 3, "数据": 4, "data": 4}
ZH, EN = EXAMPLES / "issue13.zh.md", EXAMPLES / "issue13.en.md"


def _staged(options: CheckOptions, glossary, encoder=None):
    clock = StageClock()
    vectors = None
    if encoder is not None and options.source is not None:
        target, source = _read_and_parse(options)
        vectors = embed_stage(encoder, [source, target], clock)
    return check_stages(options, glossary, vectors, clock), clock


@pytest.fixture
def unrelated_source(tmp_path):
    path = tmp_path / "weather.en.md"
    path.write_text(
        "\n\n".join(f"Paragraph {k}: the weather in the mountains was cold and rainy all week." for k in range(20))
    )
    return path


@pytest.fixture
def suppressed(tmp_path):
    """issue13 with a qa-ignore comment, so suppression (and its note) is part of the run."""
    lines = ZH.read_text(encoding="utf-8").split("\n")
    lines[85] += " <!-- qa-ignore glossary/forbidden-term -->"  # line 86 has a planted 变压器
    target = tmp_path / "issue13.zh.md"
    target.write_text("\n".join(lines), encoding="utf-8")
    shutil.copy(EN, tmp_path / "issue13.en.md")
    return target


@pytest.mark.parametrize(
    "case",
    ["with drift", "no drift", "no source", "unrelated source", "selection", "unrelated, drift", "severity, ignored"],
)
def test_stages_give_run_checks_report(glossary, unrelated_source, suppressed, case):
    encoder = KeywordEncoder(KEYWORDS)
    from qa.rules.selection import RuleSelection

    options = {
        "with drift": CheckOptions(ZH, EN, encoder.name),
        "no drift": CheckOptions(ZH, EN, None),
        "no source": CheckOptions(ZH, None, None),
        "unrelated source": CheckOptions(ZH, unrelated_source, None),
        "selection": CheckOptions(ZH, EN, None, selection=RuleSelection(select=("glossary", "numbers"))),
        "unrelated, drift": CheckOptions(ZH, unrelated_source, encoder.name),
        "severity, ignored": CheckOptions(
            suppressed,
            suppressed.with_name("issue13.en.md"),
            None,
            selection=RuleSelection(extend_select=("glossary/missing-term",)),  # off by default
            severity=(("glossary/missing-term", "info"),),
        ),
    }[case]
    expected = render(run_check(options, glossary, lambda _: encoder))
    report, clock = _staged(options, glossary, encoder if options.model else None)
    assert render(report) == expected
    if case.startswith("unrelated"):
        assert "alignment/unrelated-documents" in expected  # the branch really ran
    if case == "severity, ignored":  # both really applied
        assert (
            "suppressed by qa-ignore" in expected
            and '"rule": "glossary/missing-term",\n      "severity": "info"' in expected
        )
    timed = {stage for stage, seconds in clock.seconds.items() if seconds > 0}
    assert {"read", "parse", "glossary", "other checks"} <= timed
    assert ("align" in timed) == (options.source is not None)
    assert ("embed" in timed) == (options.model is not None)


def test_stage_clock_sums_per_stage_and_refuses_unknown_stages():
    clock = StageClock()
    with clock("parse"):
        pass
    with clock("parse"):
        sum(range(1000))
    assert set(clock.seconds) == set(STAGES) and clock.seconds["parse"] > 0
    assert clock.total == pytest.approx(sum(clock.seconds.values()))
    with pytest.raises(KeyError, match="unknown stage 'parsing'"), clock("parsing"):
        pass


def test_run_stages_counts_files_blocks_and_embeds_only_what_has_a_source(glossary, tmp_path):
    shutil.copy(ZH, tmp_path / "alone.zh.md")
    encoder = KeywordEncoder(KEYWORDS)
    options = (CheckOptions(ZH, EN, encoder.name), CheckOptions(tmp_path / "alone.zh.md", None, encoder.name))
    from bench.stages import Workload

    run = run_stages(Workload("two", options), glossary, encoder)
    assert set(run.seconds) == set(STAGES) and all(run.seconds[s] > 0 for s in STAGES)
    first_target, first_source = _read_and_parse(options[0])
    alone, _ = _read_and_parse(options[1])
    assert run.documents == 2
    assert run.segments == len(first_target.segments) + len(first_source.segments) + len(alone.segments)
    assert list(run.embedded_texts) == segment_texts([first_source, first_target])
    assert [render(r) for r in run.reports] == [render(run_check(o, glossary, lambda _: encoder)) for o in options]


def test_check_stages_refuses_a_model_without_vectors(glossary):
    with pytest.raises(ValueError, match="no vectors were embedded"):
        check_stages(CheckOptions(ZH, EN, "m"), glossary, None, StageClock())


def test_workloads_cover_the_example_and_the_corpus_when_present(tmp_path):
    assert [w.name for w in workloads(REPO, tmp_path / "nowhere", "m")] == ["examples/issue13"]
    corpus = tmp_path / "corpus"
    (corpus / "parallel" / "docs").mkdir(parents=True)
    (corpus / "mt-zh" / "blog").mkdir(parents=True)
    for side in ("en", "zh"):
        (corpus / "parallel" / "docs" / f"page.{side}.md").write_text("x\n")
    (corpus / "mt-zh" / "blog" / "post.zh.md").write_text("x\n")
    found = {w.name: w.options for w in workloads(REPO, tmp_path, "m")}
    assert list(found) == ["examples/issue13", "corpus/parallel", "corpus/mt-zh --no-drift", "corpus (all)"]
    (page,) = found["corpus/parallel"]
    assert page.source == corpus / "parallel" / "docs" / "page.en.md" and page.model == "m"
    (post,) = found["corpus/mt-zh --no-drift"]
    assert post.source is None and post.model is None
    assert len(found["corpus (all)"]) == 2


def test_pure_embedding_embeds_all_texts_in_one_call_per_repeat():
    calls = []

    class Recording(KeywordEncoder):
        def encode(self, texts):
            calls.append(list(texts))
            return super().encode(texts)

    seconds = pure_embedding(Recording(KEYWORDS), ("a", "b", "c"), repeats=3)
    assert calls == [["a", "b", "c"]] * 3 and seconds >= 0


def _record_worker(model: str, texts: list[str]) -> int:
    with open(os.environ["QA_TEST_RECORD"], "a", encoding="utf-8") as record:
        record.write(f"{os.getpid()} {model} {len(texts)}\n")
    return len(texts)


def test_the_fresh_floor_starts_a_new_pool_for_every_repeat(tmp_path, monkeypatch):
    record = tmp_path / "record"
    monkeypatch.setenv("QA_TEST_RECORD", str(record))
    monkeypatch.setattr("bench.stages.embed_chunk", _record_worker)
    seconds = pure_embedding_fresh("m", ("a", "b", "c"), parts=2, repeats=2)
    rows = [line.split() for line in record.read_text().splitlines()]
    assert sorted((model, int(count)) for _, model, count in rows) == [("m", 1), ("m", 1), ("m", 2), ("m", 2)]
    pids = [pid for pid, _, _ in rows]  # the first repeat's two chunks, then the second's
    assert set(pids[:2]).isdisjoint(pids[2:]) and str(os.getpid()) not in pids
    assert seconds > 0


def test_format_table_has_every_column_and_readable_units():
    row = {"workload": "corpus", "files": 64, "blocks": 5263, "read": 0.0123, "embed": 2.3, "floor": 1.5}
    row |= {"cold/floor": 1.52, "cold/fresh floor": 1.234, "blocks/s": 2328.5, "peak RSS": 416_653_312}
    table = format_table([row, {"workload": "`qa --version` (process)", "batch cold": 0.09}])
    header, rule, first, second = table.splitlines()
    assert header == "| " + " | ".join(COLUMNS) + " |" and rule.count("---") == len(COLUMNS)
    cells = dict(zip(COLUMNS, first.strip("| ").split(" | "), strict=True))
    assert cells["read"] == "0.01 s" and cells["cold/floor"] == "1.52×" and cells["blocks/s"] == "2,328"
    assert cells["cold/fresh floor"] == "1.23×"
    assert cells["peak RSS"] == "417 MB" and cells["align"] == "–" and cells["files"] == "64"
    assert second.split(" | ")[COLUMNS.index("batch cold")] == "0.09 s"


def test_a_row_of_several_runs_gives_medians_and_keeps_every_ratio():
    def run(cold: float, floor: float, rss: int) -> dict[str, object]:
        return {
            "workload": "corpus",
            "files": 64,
            "blocks": 5263,
            "embedded": 1092,
            "batch cold": cold,
            "floor": floor,
            "cold/floor": cold / floor,
            "parent embeds": None,
            "floors": {"1 process × 1 thread": 2 * floor, "2 processes × 1 thread": floor},
            "peak RSS": rss,
        }

    row = median_row([run(1.5, 1.0, 300), run(1.2, 1.0, 500), run(1.4, 1.4, 400)])
    assert (row["workload"], row["files"], row["blocks"], row["embedded"]) == ("corpus", 64, 5263, 1092)
    assert row["batch cold"] == 1.4 and row["floor"] == 1.0 and row["peak RSS"] == 400
    assert row["cold/floor"] == 1.2  # the median of the runs' ratios (1.5, 1.2, 1.0), not 1.4 / 1.0
    assert row["cold/floor runs"] == [1.5, 1.2, 1.0] and row["parent embeds"] is None
    assert row["floors"] == {"1 process × 1 thread": 2.0, "2 processes × 1 thread": 1.0}
