"""The collector pause around the stages that build many objects."""

import gc

import pytest

import qa.read.markdown
from qa.gcpause import collector_paused
from qa.read.markdown import parse_document


@pytest.fixture(autouse=True)
def _collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after():
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: still off, and left off
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_turns_the_collector_back_on():
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_a_caller_that_paused_it_finds_it_paused_after():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_parse_document_runs_with_the_collector_paused(monkeypatch):
    seen = []
    walk = qa.read.markdown._walk

    def spy(tokens, lines):
        seen.append(gc.isenabled())
        return walk(tokens, lines)

    monkeypatch.setattr(qa.read.markdown, "_walk", spy)
    assert parse_document("a.md", "# Title\n").segments[0].text == "Title"
    assert seen == [False] and gc.isenabled()


def test_a_report_is_rendered_with_the_collector_paused(monkeypatch):
    import qa.report
    from qa.model import Report, Signature

    seen = []

    def render(report):
        seen.append(gc.isenabled())
        return ""

    monkeypatch.setattr(qa.report, "renderer", lambda module: render)
    qa.report.FORMATS["json"].render(Report("a.zh.md", None, Signature("0", (), None), (), (), ()))
    assert seen == [False] and gc.isenabled()
