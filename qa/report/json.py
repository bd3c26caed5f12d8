"""Report -> JSON report version 1: the contract CI jobs and other tools rely on.

Extend it with new keys; never rename, remove or change the meaning of one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from qa.model import Alignment, Finding, Fix, Pair, PairScore, ReferenceScore, Report, Severity
from qa.report.indented import dumps_indented

REPORT_VERSION = 1
SCHEMA_RESOURCE = "schema/report-v1.schema.json"


def schema() -> dict[str, Any]:
    """The JSON Schema of report v1, shipped in the package for tools that consume reports."""
    from importlib.resources import files

    return json.loads(files("qa").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8"))


def to_dict(report: Report) -> dict[str, Any]:
    drift = {score.pair: score.drift for score in report.scores}
    scores = {score.pair: score for score in report.scores}
    mean = report.drift_mean
    return {
        "qa_report_version": REPORT_VERSION,
        "target": report.target,
        "source": report.source,
        "signature": {
            "qa": report.signature.qa_version,
            "glossaries": dict(report.signature.glossaries),
            "model": report.signature.model,
            "thresholds": dict(report.signature.thresholds),
            "calibration": report.signature.calibration,
        },
        "summary": {
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
            "infos": report.count(Severity.INFO),
            "pairs": len(report.pairs),
            "drift_mean": None if mean is None else round(mean, 4),
        },
        "notes": list(report.notes),
        "pairs": [{**_pair(pair, drift.get(pair.id)), **_signals(scores.get(pair.id))} for pair in report.pairs],
        "findings": [_finding(finding) for finding in report.findings],
        "reference": _reference(report.reference),
    }


def render(report: Report) -> str:
    return dumps_indented(to_dict(report)) + "\n"


def pairs_to_json(alignment: Alignment, scores: Sequence[PairScore]) -> str:
    """`qa align --format json`: the `pairs` of report v1, with the two paths."""
    drift = {score.pair: score.drift for score in scores}
    data = {
        "qa_report_version": REPORT_VERSION,
        "source": alignment.source.path,
        "target": alignment.target.path,
        "pairs": [_pair(pair, drift.get(pair.id)) for pair in alignment.pairs],
    }
    return dumps_indented(data) + "\n"


def _pair(pair: Pair, drift: float | None) -> dict[str, Any]:
    return {
        "id": pair.id,
        "type": pair.type.value,
        "source_lines": list(pair.source_lines) if pair.source_lines else None,
        "target_lines": list(pair.target_lines) if pair.target_lines else None,
        "similarity": pair.similarity,
        "drift": drift,
    }


def _signals(score: PairScore | None) -> dict[str, Any]:
    """Per-pair signals added to report v1 after `drift`; None where not measured."""
    return {
        "cosine": score.cosine if score else None,
        "length_z": score.length_z if score else None,
        "english_kept": score.english_kept if score else None,
        "chrf": score.chrf if score else None,
        "bleu": score.bleu if score else None,
    }


def _reference(reference: ReferenceScore | None) -> dict[str, Any] | None:
    if reference is None:
        return None
    return {
        "path": reference.path,
        "chrf": reference.chrf,
        "bleu": reference.bleu,
        "pairs": reference.pairs,
        "signatures": dict(reference.signatures),
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity.label,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "text": finding.text,
        "term": finding.term,
        "suggestion": finding.suggestion,
        "message": finding.message,
        "pair": finding.pair,
        "fix": None if finding.fix is None else fix_to_json(finding.fix),
    }


def fix_to_json(fix: Fix) -> dict[str, Any]:
    """Ruff's shape: applicability, message, and edits in the finding's coordinates."""
    return {
        "applicability": fix.applicability.value,
        "message": fix.message,
        "edits": [
            {
                "line": edit.line,
                "column": edit.column,
                "end_line": edit.end_line,
                "end_column": edit.end_column,
                "content": edit.content,
            }
            for edit in fix.edits
        ],
    }
