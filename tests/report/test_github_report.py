from dataclasses import replace

from qa.report.github import render
from tests.report.test_json_report import sample_report


def test_workflow_command_with_position_and_escaping():
    report = sample_report()
    finding = replace(report.findings[0], message="50% wrong,\nsee: docs", file="dir,x/a:b.zh.md")
    (line,) = render(replace(report, findings=(finding,))).splitlines()
    assert line == (
        "::error file=dir%2Cx/a%3Ab.zh.md,line=1,col=3,endLine=1,title=glossary/forbidden-term,endColumn=5"
        "::50%25 wrong,%0Asee: docs (use: CLIP)"
    )
