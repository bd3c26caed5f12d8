"""Report -> SARIF 2.1.0, so code scanning shows findings on the lines of the `.zh.md` file."""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePath
from typing import Any

from qa.model import Applicability, Finding, Report, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_INFORMATION_URI = "https://pypi.org/project/qa/"


def render(report: Report) -> str:
    from qa.rules import ALL_RULES

    rules = list(ALL_RULES)
    known = {rule.id for rule in rules}
    index = {rule.id: k for k, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "qa",
                "version": report.signature.qa_version,
                "informationUri": _INFORMATION_URI,
                "rules": [
                    {
                        "id": rule.id,
                        "name": rule.id.replace("/", "-"),
                        "shortDescription": {"text": rule.summary},
                        "fullDescription": {"text": rule.doc},
                        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
                    }
                    for rule in rules
                ],
            }
        },
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the folder qa was run from"}}},
        "artifacts": [{"location": _location(path)} for path in _files(report)],
        "results": [_result(f, index) for f in report.findings if f.rule in known]
        + [_result(f, None) for f in report.findings if f.rule not in known],
        "properties": {
            "signature": {
                "glossaries": dict(report.signature.glossaries),
                "model": report.signature.model,
                "thresholds": dict(report.signature.thresholds),
            },
            "notes": list(report.notes),
        },
    }
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _files(report: Report) -> list[str]:
    files = [report.target] + ([report.source] if report.source else [])
    return list(dict.fromkeys(files + [f.file for f in report.findings]))


def _location(path: str) -> dict[str, str]:
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": pure.as_uri()}
    return {"uri": pure.as_posix(), "uriBaseId": "%SRCROOT%"}


def _result(finding: Finding, rule_index: dict[str, int] | None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": finding.line, "startColumn": finding.column}
    if finding.text:
        region.update(endLine=finding.end_line, endColumn=finding.end_column, snippet={"text": finding.text})
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {"artifactLocation": _location(finding.file), "region": region}}],
        # Stable across runs while the finding itself is unchanged, so code scanning can track it.
        "partialFingerprints": {"qaFinding/v1": _fingerprint(finding)},
    }
    if rule_index is not None:
        result["ruleIndex"] = rule_index[finding.rule]
    if finding.suggestion:
        result["properties"] = {"suggestion": finding.suggestion, "term": finding.term}
    if finding.fix is not None:
        result["fixes"] = [_fix(finding)]
    return result


def _fix(finding: Finding) -> dict[str, Any]:
    """SARIF has no applicability: an unsafe fix says so in its description."""
    fix = finding.fix
    prefix = "" if fix.applicability is Applicability.SAFE else "unsafe (qa fix --unsafe-fixes): "
    replacements = [
        {
            "deletedRegion": {
                "startLine": edit.line,
                "startColumn": edit.column,
                "endLine": edit.end_line,
                "endColumn": edit.end_column,
            },
            "insertedContent": {"text": edit.content},
        }
        for edit in fix.edits
    ]
    return {
        "description": {"text": prefix + fix.message},
        "artifactChanges": [{"artifactLocation": _location(finding.file), "replacements": replacements}],
    }


def _fingerprint(finding: Finding) -> str:
    key = "\x1f".join((finding.rule, finding.file, finding.text, finding.term or "", finding.message))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
