import json
from dataclasses import replace
from importlib.resources import files

import jsonschema
import pytest

from qa.model import Applicability, Edit, Finding, Fix, Pair, PairScore, Report, Severity, Signature
from qa.report.json import render, to_dict
from tests.conftest import doc


def sample_report() -> Report:
    source, target = doc("Para about CLIP.\n\nDropped.\n", "a.en.md"), doc("关于剪辑的段落。\n", "a.zh.md")
    pairs = (
        Pair(0, source.segments[:1], target.segments[:1], 0.83),
        Pair(1, source.segments[1:], (), None),
    )
    finding = Finding(
        rule="glossary/forbidden-term",
        severity=Severity.ERROR,
        file="a.zh.md",
        line=1,
        column=3,
        end_line=1,
        end_column=5,
        text="剪辑",
        message="m",
        term="CLIP",
        suggestion="CLIP",
        pair=0,
    )
    signature = Signature("0.1.0", (("g.csv", "sha256:ab"),), "use-multilingual", (("drift_high", 0.45),))
    return Report("a.zh.md", "a.en.md", signature, pairs, (PairScore(0, 0.25), PairScore(1, None)), (finding,))


def test_version_1_contract():
    data = json.loads(render(sample_report()))
    assert data["qa_report_version"] == 1
    # Version 1 may gain keys (issue 5 added signature.calibration, per-pair signals and
    # `reference`); the keys below must keep their values.
    assert data["signature"] | {"calibration": None} == {
        "qa": "0.1.0",
        "glossaries": {"g.csv": "sha256:ab"},
        "model": "use-multilingual",
        "thresholds": {"drift_high": 0.45},
        "calibration": None,
    }
    assert data["summary"] == {"errors": 1, "warnings": 0, "infos": 0, "pairs": 2, "drift_mean": 0.25}
    v1_pair_keys = ("id", "type", "source_lines", "target_lines", "similarity", "drift")
    assert [{k: p[k] for k in v1_pair_keys} for p in data["pairs"]] == [
        {"id": 0, "type": "1-1", "source_lines": [1, 1], "target_lines": [1, 1], "similarity": 0.83, "drift": 0.25},
        {"id": 1, "type": "1-0", "source_lines": [3, 3], "target_lines": None, "similarity": None, "drift": None},
    ]
    assert {k: data["pairs"][0][k] for k in ("cosine", "length_z", "english_kept", "chrf", "bleu")} == dict.fromkeys(
        ("cosine", "length_z", "english_kept", "chrf", "bleu")
    )
    assert data["reference"] is None
    assert data["findings"][0] == {
        "rule": "glossary/forbidden-term",
        "severity": "error",
        "file": "a.zh.md",
        "line": 1,
        "column": 3,
        "end_line": 1,
        "end_column": 5,
        "text": "剪辑",
        "term": "CLIP",
        "suggestion": "CLIP",
        "message": "m",
        "pair": 0,
        "fix": None,
    }


def test_no_source_has_null_source_and_drift():
    report = Report("a.zh.md", None, Signature("0.1.0", (), None), (), (), ())
    data = to_dict(report)
    assert data["source"] is None and data["summary"]["drift_mean"] is None and data["pairs"] == []
    assert "剪辑" in render(sample_report())  # Chinese stays readable, not \u-escaped


def with_fix(report: Report) -> Report:
    edit = Edit(1, 3, 1, 5, "CLIP")
    finding = replace(report.findings[0], fix=Fix(Applicability.SAFE, "replace '剪辑' with 'CLIP'", (edit,)))
    return replace(report, findings=(finding,))


def test_a_fix_is_written_in_ruffs_shape_and_validates():
    data = json.loads(render(with_fix(sample_report())))
    data["signature"]["glossaries"] = {"g.csv": "sha256:" + "ab" * 32}  # the sample's is short
    assert data["findings"][0]["fix"] == {
        "applicability": "safe",
        "message": "replace '剪辑' with 'CLIP'",
        "edits": [{"line": 1, "column": 3, "end_line": 1, "end_column": 5, "content": "CLIP"}],
    }
    schema = json.loads(files("qa.schema").joinpath("report-v1.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    data["findings"][0]["fix"]["applicability"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
