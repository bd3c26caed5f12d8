import pytest

from qa.rules.language import (
    MAX_SOURCE_HAN_SHARE,
    MIN_HAN_SHARE,
    MIN_LETTERS,
    SOURCE_NOT_ENGLISH,
    TARGET_NOT_CHINESE,
    check_documents,
    han_share,
)
from tests.conftest import EXAMPLES, doc

EN = (EXAMPLES / "issue13.en.md").read_text(encoding="utf-8")
ZH = (EXAMPLES / "issue13.zh.md").read_text(encoding="utf-8")


def test_a_real_translation_passes():
    assert check_documents(doc(EN, "a.en.md"), doc(ZH, "a.zh.md")) == []
    assert han_share(doc(ZH))[0] > 0.6 and han_share(doc(EN))[0] == 0.0


def test_swapped_files_are_reported():
    findings = check_documents(doc(ZH, "a.zh.md"), doc(EN, "a.en.md"))
    assert [(f.rule, f.file, f.line) for f in findings] == [
        (TARGET_NOT_CHINESE.id, "a.en.md", 1),
        (SOURCE_NOT_ENGLISH.id, "a.en.md", 1),
    ]


def test_target_identical_to_english_source_is_reported():
    assert [f.rule for f in check_documents(doc(EN, "a.en.md"), doc(EN, "a.zh.md"))] == [TARGET_NOT_CHINESE.id]


def test_code_and_tiny_files_do_not_count():
    code_only = doc("```python\nprint('hello world, this is code and only code here')\n```\n")
    assert check_documents(None, code_only) == []
    assert check_documents(None, doc("OK\n")) == []


def test_han_share_counts_letters_as_str_isalpha_does():
    # Numerals that are not letters (², 〇, Ⅷ), Han-block symbols (䷀), full-width and
    # compatibility forms, other scripts and digits: each character is judged on its own.
    text = "模型²用〇个 Ⅷ 卦䷀䷁ 和 ＡＢ，丽﨎 Straße 3 ٣ 한국어 ñ_x\n\n第二段 abc。\n"
    letters = [ch for segment in doc(text).segments for ch in segment.text if ch.isalpha()]
    han = [ch for ch in letters if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"]
    assert han_share(doc(text)) == (len(han) / len(letters), len(letters))
    assert 0 < len(han) < len(letters)


SHARES = [
    "中中中中" + "a" * 36,  # Han exactly a tenth of the characters and of the letters
    "中中中" + "a" * 37,
    "中中中中 " + "a " * 36,  # a tenth of the letters, not of the characters
    "中中中" + " a" * 37,
    "中" * 19 + "a" * 181,  # just under a tenth
    "中" * 25 + "a" * 20,  # just over half
    "䷀䷁䷂䷃" + "a" * 36,  # Han-block symbols are not letters
    "中文的句子，" * 10,
    "English only, " * 10,
    "中" * 30 + "a" * 30,
    "中" * 20 + "a" * 20 + "，" * 40,
    "",
]


@pytest.mark.parametrize("target", SHARES)
@pytest.mark.parametrize("source", [None, *SHARES])
def test_findings_follow_the_shares_however_they_are_counted(source, target):
    """check_documents skips counting letters where the Han characters alone decide; the
    findings are those of the shares han_share counts in full."""
    source_doc = None if source is None else doc(source + "\n", "a.en.md")
    target_doc = doc(target + "\n", "a.zh.md")
    expected = []
    share, letters = han_share(target_doc)
    if letters >= MIN_LETTERS and share < MIN_HAN_SHARE:
        expected.append(TARGET_NOT_CHINESE.id)
    if source_doc is not None:
        share, letters = han_share(source_doc)
        if letters >= MIN_LETTERS and share > MAX_SOURCE_HAN_SHARE:
            expected.append(SOURCE_NOT_ENGLISH.id)
    assert [f.rule for f in check_documents(source_doc, target_doc)] == expected
