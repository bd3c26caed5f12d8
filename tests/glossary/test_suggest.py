import random
import re

import pytest

from qa.errors import QaInputError
from qa.glossary import suggest
from qa.glossary.lint import lint_sources
from qa.glossary.load import WrongRendering, term_key
from qa.glossary.match import outermost
from qa.glossary.suggest import Candidate, english_terms, mine, pair_paths, to_csv
from tests.conftest import doc


def test_english_terms_are_camelcase_acronyms_and_capitalised_names():
    text = "The EfficientNet and GPT-3 models from Hugging Face beat YOLOv4. This Week we train BERT."
    assert english_terms(text) >= {"EfficientNet", "GPT-3", "Hugging Face", "YOLOv4", "BERT"}
    assert not english_terms(text) & {"The", "This", "This Week", "Week"}


def segments(en: str, zh: str):
    return (doc(en).segments, doc(zh).segments)


def test_mines_recurring_renderings_and_kept_terms():
    pairs = [
        segments("We train a Transformer on text.", "我们在文本上训练一个变压器。"),
        segments("The Transformer is large.", "这个变压器很大。"),
        segments("A Transformer for images.", "一个用于图像的变压器。"),
        segments("Use PyTorch for this.", "用 PyTorch 来做。"),
        segments("PyTorch is popular.", "PyTorch 很流行。"),
        segments("Images are large.", "图像很大。"),
    ]
    found = {c.term: c for c in mine(pairs, None, min_count=2)}
    assert found["Transformer"].renderings[0] == ("变压器", 3)
    assert (found["Transformer"].kept, found["PyTorch"].kept) == (0, 2)
    assert "很大" not in dict(found["Transformer"].renderings)  # also in a pair without the term


def test_known_terms_are_left_out(glossary):
    pairs = [segments("CLIP and Zorblax.", "CLIP 和 Zorblax。")] * 2
    assert [c.term for c in mine(pairs, glossary, min_count=2)] == ["Zorblax"]


def test_csv_is_a_valid_glossary_with_the_evidence_in_the_note():
    candidates = [
        Candidate("Zorblax", 5, 4, ()),
        Candidate("Transformer", 3, 0, (("变压器", 3),)),
        Candidate("Nothing", 2, 0, ()),
    ]
    text, skipped = to_csv(candidates)
    assert skipped == 1
    assert lint_sources([("s.csv", text.encode())]) == []
    rows = text.splitlines()
    assert rows[1].startswith("Zorblax,,,,,,true,")
    assert rows[2].startswith("Transformer,变压器,,,,,false,")
    assert "rendered 变压器 ×3. Review: move wrong renderings to forbidden" in rows[2]


def test_pairs_from_two_folders_or_a_list(tmp_path):
    en, zh = tmp_path / "en", tmp_path / "zh"
    en.mkdir()
    zh.mkdir()
    for name in ("a", "b"):
        (en / f"{name}.en.md").write_text("x", encoding="utf-8")
        (zh / f"{name}.zh.md").write_text("x", encoding="utf-8")
    (zh / "orphan.zh.md").write_text("x", encoding="utf-8")
    assert pair_paths([en, zh]) == [(en / "a.en.md", zh / "a.zh.md"), (en / "b.en.md", zh / "b.zh.md")]
    assert pair_paths([en / "a.en.md", zh / "b.zh.md"]) == [(en / "a.en.md", zh / "b.zh.md")]
    with pytest.raises(QaInputError, match="has no partner"):
        pair_paths([en / "a.en.md", zh / "a.zh.md", en / "b.en.md"])
    with pytest.raises(QaInputError, match="no Chinese file has an English partner"):
        pair_paths([zh, en])


def test_mdx_pages_pair_with_mdx_pages(tmp_path):
    for name in ("a.en.md", "a.zh.md", "b.en.mdx", "b.zh.mdx", "c.zh.mdx", "c.en.md"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert pair_paths([tmp_path, tmp_path]) == [
        (tmp_path / "a.en.md", tmp_path / "a.zh.md"),
        (tmp_path / "b.en.mdx", tmp_path / "b.zh.mdx"),
    ]


def test_csv_cells_cannot_start_a_spreadsheet_formula():
    from qa.glossary.suggest import spreadsheet_safe

    assert spreadsheet_safe('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert [spreadsheet_safe(c) for c in ("+1", "-2", "@SUM(A1)", "\tx")] == ["'+1", "'-2", "'@SUM(A1)", "'\tx"]
    assert spreadsheet_safe("Transformer") == "Transformer" and spreadsheet_safe("") == ""


# The term patterns as they were written before they were made linear (see qa/glossary/suggest.py).
_CAMEL = r"[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*"
_ACRONYM = r"[A-Z][A-Z0-9]*[A-Z][A-Za-z0-9]*|[A-Z]+[0-9][A-Za-z0-9]*"
_WORD = rf"(?:{_CAMEL}|{_ACRONYM})(?:-[A-Za-z0-9]+)*"
NESTED_TECH = re.compile(rf"(?<![\w-])(?:{_WORD})(?![\w-])")
NESTED_MULTIWORD = re.compile(
    rf"(?<![\w-])(?:{_WORD}|[A-Z][a-z]+[A-Za-z0-9]*)(?:[ -](?:{_WORD}|[A-Z][a-z]+[A-Za-z0-9]*))+(?![\w-])"
)
TERM_PIECES = [
    *("GPT", "XL", "Neo", "x1", "a", "Aa", "AB", "aB", "iPhone", "T5", "v2", "Face", "the", "1", "A1", "B"),
    *("Hugging", "ab", "Ab1", "AbC", "-", "-", "-", " ", " ", " ", "_", ".", "中", "é"),
]


def test_the_term_patterns_match_what_the_nested_ones_did():
    rng = random.Random(20)
    for _ in range(20_000):
        text = "".join(rng.choice(TERM_PIECES) for _ in range(rng.randrange(1, 16)))
        for linear, nested in ((suggest._TECH, NESTED_TECH), (suggest._MULTIWORD, NESTED_MULTIWORD)):
            assert [m.span() for m in linear.finditer(text)] == [m.span() for m in nested.finditer(text)], text


def test_terms_kept_in_the_chinese_are_those_a_search_per_term_finds():
    rng = random.Random(21)
    words = ["gpt", "neo", "a1", "hugging face", "x", "face", "gpt neo", "ab"]
    for _ in range(3_000):
        chinese = "".join(rng.choice([*words, " ", "中", "1", "-", "b"]) for _ in range(rng.randrange(12)))
        terms = {rng.choice(words).title() for _ in range(rng.randrange(1, 5))}
        folded = term_key(chinese)
        expected = {t for t in terms if re.search(rf"(?<![a-z0-9]){re.escape(term_key(t))}(?![a-z0-9])", folded)}
        assert suggest.kept_in(terms, folded) == expected, (chinese, terms)


GLOSSARY_CSV = """term,zh,forbidden,keep_english,note
checkpoint,检查点,,false,A saved training state.
paper,论文,报纸,false,
"""


@pytest.fixture
def small_glossary(tmp_path):
    from qa.glossary.load import load_glossaries

    path = tmp_path / "terms.csv"
    path.write_text(GLOSSARY_CSV, encoding="utf-8")
    return load_glossaries([path])


def test_term_alignment_finds_a_name_rendered_by_sound_with_its_lines(small_glossary):
    pairs = [
        segments("We fine-tune RoBERTa on text.", "我们在文本上微调罗伯塔。"),
        segments("RoBERTa is large.", "罗伯塔很大。"),
        segments("Text is long.", "文本很长。"),
    ]
    found = {c.term: c for c in mine(pairs, small_glossary, 2, ["a.zh.md", "b.zh.md", "c.zh.md"])}
    (seen,) = found["RoBERTa"].found
    assert (seen.text, seen.verdict, seen.column, seen.count) == ("罗伯塔", "by sound", "forbidden_always", 2)
    assert seen.examples == ("a.zh.md:1", "b.zh.md:1")
    text, skipped = to_csv(list(found.values()))
    assert skipped == 0 and lint_sources([("s.csv", text.encode())]) == []
    row = next(r for r in text.splitlines() if r.startswith("RoBERTa,"))
    # A name found rendered stays in English; its rendering is wrong, never approved.
    assert row.startswith("RoBERTa,,,罗伯塔,,,true,")
    assert "罗伯塔 ×2 by sound (a.zh.md:1, b.zh.md:1) -> forbidden_always" in row


def test_a_glossary_term_rendered_by_an_unapproved_word_extends_its_entry(small_glossary):
    pairs = [
        segments("Save the checkpoint.", "保存检查站。"),
        segments("Load the checkpoint.", "加载检查站。"),
        segments("A checkpoint.", "一个检查点。"),
        segments("The paper is long.", "这篇报纸很长。"),
        segments("The paper is short.", "这张报纸很短。"),
    ]
    candidates = mine(pairs, small_glossary, 2, ["a.zh.md"] * 5)
    # paper's 报纸 is listed already: nothing to add, no row.
    assert [c.term for c in candidates] == ["checkpoint"]
    (checkpoint,) = candidates
    assert (checkpoint.pairs, checkpoint.kept) == (3, 1)
    assert [(s.text, s.verdict, s.column, s.count) for s in checkpoint.found] == [
        ("检查站", "not approved", "forbidden_with_source", 2)
    ]
    text, _ = to_csv(candidates)
    assert lint_sources([("s.csv", text.encode())]) == []
    row = text.splitlines()[1]
    assert row.startswith("checkpoint,检查点,,,检查站,,false,false,true,,")
    assert "A saved training state. [suggest: replaces the row at " in row


def test_a_term_seen_in_fewer_pairs_than_asked_is_not_aligned(small_glossary):
    pairs = [segments("Save the checkpoint.", "保存检查站。"), segments("Text.", "文本。")]
    assert mine(pairs, small_glossary, 2) == []
    assert [c.term for c in mine(pairs, small_glossary, 1)] == ["checkpoint"]


def test_found_renderings_keep_formula_quoting():
    from qa.glossary.suggest import Seen

    seen = Seen("=1+1", "word by word", "forbidden", 2, ("a.zh.md:3",))
    text, _ = to_csv([Candidate("Zorblax", 2, 0, (("=2", 2),), (seen,))])
    row = text.splitlines()[1]
    assert row.startswith("Zorblax,'=2,'=1+1,,,,true,")


def test_the_matches_of_all_pairs_found_at_once_are_those_of_each_segment(glossary):
    texts = [
        ("CLIP and a Vision Transformer, `GAN` code.", "CLIP 和视觉变压器，剪辑，`GAN` 代码。"),
        ("Nothing here.", "这里没有。"),
        ("```\nTransformer\n```\n\nThe Transformers and GANs.", "```\nTransformer\n```\n\n变压器和生成对抗网络。"),
        ("", "变形金刚\n\n- 剪辑"),
    ]
    pairs = [segments(english, chinese) for english, chinese in texts]
    english = suggest._english_entries([side for side, _ in pairs], glossary)
    chinese = suggest._target_matches([side for _, side in pairs], glossary)
    for (english_side, chinese_side), entries, (accepted, wrong, _) in zip(pairs, english, chinese, strict=True):
        assert entries == {
            m.key
            for s in english_side
            for m in outermost(glossary.english_matcher.find(s.raw, s.protected, nested=True))
        }
        assert accepted == {
            m.key for s in chinese_side for m in glossary.accepted_matcher.find(s.raw, s.protected, nested=True)
        }
        assert wrong == {
            m.key.entry
            for s in chinese_side
            for m in glossary.wrong_matcher.find(s.raw, s.protected, nested=True)
            if isinstance(m.key, WrongRendering)
        }
    assert any(english) and any(accepted for accepted, _, _ in chinese) and any(wrong for _, wrong, _ in chinese)


def test_jieba_reads_only_chinese_sides_with_han_characters(monkeypatch):
    import jieba

    read = []
    cut = jieba.lcut

    def spy(text, *args, **kwargs):
        read.append(text)
        return cut(text, *args, **kwargs)

    monkeypatch.setattr(jieba, "lcut", spy)
    pairs = [segments("Use PyTorch 2.", "Use PyTorch 2.")] * 2 + [segments("PyTorch is popular.", "PyTorch 很流行。")]
    found = {c.term: c for c in mine(pairs, None, min_count=2)}
    assert read == ["PyTorch 很流行。"]
    assert (found["PyTorch"].pairs, found["PyTorch"].kept, found["PyTorch"].renderings) == (3, 3, ())
