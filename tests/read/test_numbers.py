"""qa.read.numbers: the words find_numbers looks for before it runs a pattern that needs them."""

import random

from qa.read.numbers import _ARXIV, _VERSION, _ZH_MONTH, _ZH_PERCENT, find_numbers

# Each pattern with the text every one of its matches has in it (find_numbers runs the pattern
# only on a text that has it).
NEEDS = [(_ARXIV, "."), (_VERSION, "."), (_ZH_MONTH, "月"), (_ZH_PERCENT, "百分之")]


def test_every_match_of_a_pattern_has_the_text_it_is_run_for():
    rng = random.Random(20)
    alphabet = [*"0123456789.．vV a-月百分之三,%１２", "2103.12731", "1.2.3", "百分之", "３月"]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(16)))
        for pattern, needed in NEEDS:
            for match in pattern.finditer(text):
                assert needed in match.group(), (pattern.pattern, text)


def test_names_versions_months_and_percentages_are_still_found():
    english = find_numbers("arXiv 2103.12731 and v1.2.3 in March 2020", "en")
    chinese = find_numbers("版本 1.2.3，3 月，百分之三，２１０３．１２７３１", "zh")
    assert [(n.kind.value, n.key) for n in english] == [
        ("name", "2103.12731"),
        ("name", "1.2.3"),
        ("month", "3"),
        ("number", "2.02E+3"),
    ]
    assert [(n.kind.value, n.key) for n in chinese] == [
        ("name", "1.2.3"),
        ("month", "3"),
        ("percent", "3"),
        ("name", "2103.12731"),
    ]
