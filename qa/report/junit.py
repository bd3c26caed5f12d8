"""Report -> JUnit XML: a test case per file and rule, failed by error findings.

CI systems that read JUnit show one line per rule; warnings and notes are listed in the
case's output, since JUnit has no warning state.
"""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from qa.model import Finding, Report, Severity


def render(report: Report) -> str:
    from qa.rules import ALL_RULES

    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_rule[finding.rule].append(finding)
    rule_ids = list(dict.fromkeys([rule.id for rule in ALL_RULES] + list(by_rule)))
    failures = sum(1 for rule in rule_ids if _errors(by_rule[rule]))
    suites = ET.Element("testsuites", name="qa", tests=str(len(rule_ids)), failures=str(failures))
    suite = ET.SubElement(
        suites, "testsuite", name=report.target, tests=str(len(rule_ids)), failures=str(failures), errors="0"
    )
    for rule in rule_ids:
        findings = by_rule[rule]
        case = ET.SubElement(suite, "testcase", classname=report.target, name=rule)
        errors = _errors(findings)
        if errors:
            failure = ET.SubElement(case, "failure", type="error", message=f"{len(errors)} error finding(s) for {rule}")
            failure.text = "\n".join(_line(f) for f in errors)
        others = [f for f in findings if f.severity < Severity.ERROR]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(_line(f) for f in others)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity >= Severity.ERROR]


def _line(finding: Finding) -> str:
    return f"{finding.file}:{finding.line}:{finding.column}: {finding.severity.label}: {finding.message}"
