from xml.etree import ElementTree as ET

from qa.report.junit import render
from qa.rules import ALL_RULES
from tests.report.test_json_report import sample_report


def test_a_case_per_rule_failed_by_errors():
    root = ET.fromstring(render(sample_report()))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "a.zh.md"
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) >= {rule.id for rule in ALL_RULES}
    failure = cases["glossary/forbidden-term"].find("failure")
    assert failure is not None and "a.zh.md:1:3: error:" in (failure.text or "")
    assert cases["drift/high"].find("failure") is None
    assert suite.get("failures") == "1" and root.get("tests") == str(len(cases))
