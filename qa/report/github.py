"""Report -> GitHub Actions workflow commands: annotations on the lines of a pull request."""

from __future__ import annotations

from qa.model import Finding, Report, Severity

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(report: Report) -> str:
    return "".join(_annotation(finding) + "\n" for finding in report.findings)


def _annotation(finding: Finding) -> str:
    properties = {
        "file": finding.file,
        "line": str(finding.line),
        "col": str(finding.column),
        "endLine": str(finding.end_line),
        "title": finding.rule,
    }
    if finding.text:
        properties["endColumn"] = str(finding.end_column)
    fix = f" (use: {finding.suggestion})" if finding.suggestion else ""
    joined = ",".join(f"{key}={_escape_property(value)}" for key, value in properties.items())
    return f"::{_COMMAND[finding.severity]} {joined}::{_escape_data(finding.message + fix)}"


def _escape_data(value: str) -> str:
    # As @actions/core escapes command data: % first, then line breaks.
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")
