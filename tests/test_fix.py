import codecs
import difflib
import os
import random
import stat
from collections import Counter
from pathlib import Path

import pytest

from qa.errors import QaInputError
from qa.fix import _in_place_opcodes, backup_path, fixed_path, plan_fixes, unified_diff, write_plan
from tests.conftest import EXAMPLES, REPO, SHARED

EN = "# Papers\n\nA Transformer-based model and [CLIP](https://x.dev/剪辑).\n\nWe read the newspaper.\n"
ZH = "# 报纸\n\n基于变压器的模型和[剪辑](https://x.dev/剪辑)。\n\n我们看报纸。`变压器`\n"


def pair(tmp_path, en=EN, zh=ZH, newline="\n", bom=b""):
    (tmp_path / "a.en.md").write_text(en, encoding="utf-8")
    target = tmp_path / "a.zh.md"
    target.write_bytes(bom + zh.replace("\n", newline).encode("utf-8"))
    return target, tmp_path / "a.en.md"


def test_fixes_what_the_english_confirms_and_nothing_else(tmp_path, glossary):
    target, source = pair(tmp_path)
    plan = plan_fixes(target, source, glossary)
    fixed = plan.fixed.decode()
    # The link target and the code span keep their 剪辑/变压器; the newspaper stays a newspaper.
    assert fixed == "# 论文\n\n基于 Transformer 的模型和[CLIP](https://x.dev/剪辑)。\n\n我们看报纸。`变压器`\n"
    assert [(f.line, f.old, f.new) for f in plan.fixes] == [
        (1, "报纸", "论文"),
        (3, "变压器", "Transformer"),
        (3, "剪辑", "CLIP"),
    ]
    assert plan.left == ()


def test_without_english_only_always_wrong_unambiguous_renderings_are_fixed(tmp_path, glossary):
    target = tmp_path / "b.zh.md"
    target.write_text("视觉变形金刚和报纸，还有剪辑和抱抱脸。\n", encoding="utf-8")
    plan = plan_fixes(target, None, glossary)
    assert plan.fixed.decode() == "Vision Transformer 和报纸，还有剪辑和 Hugging Face。\n"
    # 报纸 (ordinary word) and 剪辑 (CLIP or CutMix) need a human
    assert [item.text for item in plan.left] == ["报纸", "剪辑"]


def test_line_endings_bom_and_untouched_bytes_are_kept(tmp_path, glossary):
    target, source = pair(tmp_path, newline="\r\n", bom=codecs.BOM_UTF8)
    plan = plan_fixes(target, source, glossary)
    assert plan.fixed.startswith(codecs.BOM_UTF8)
    assert plan.fixed.count(b"\r\n") == plan.original.count(b"\r\n")
    assert (
        plan.fixed.replace("论文".encode(), "报纸".encode())
        .replace(b"CLIP]", "剪辑]".encode())
        .replace(b" Transformer ", "变压器".encode())
        == plan.original
    )


def test_writes_a_fixed_copy_by_default(tmp_path, glossary):
    target, source = pair(tmp_path)
    plan = plan_fixes(target, source, glossary)
    assert write_plan(plan, in_place=False) == [tmp_path / "a.zh.fixed.md"]
    assert fixed_path(target).read_bytes() == plan.fixed
    assert target.read_text(encoding="utf-8") == ZH
    assert "-# 报纸\n+# 论文\n" in plan.diff("a.zh.fixed.md")


def test_in_place_keeps_a_backup_and_never_overwrites_an_older_one(tmp_path, glossary):
    target, source = pair(tmp_path)
    plan = plan_fixes(target, source, glossary)
    assert write_plan(plan, in_place=True) == [target, backup_path(target)]
    assert backup_path(target).read_text(encoding="utf-8") == ZH
    assert target.read_bytes() == plan.fixed
    target.write_text(ZH.replace("报纸\n\n基于", "报纸\n\n一个基于"), encoding="utf-8")
    again = plan_fixes(target, source, glossary)
    with pytest.raises(QaInputError, match=r"\.bak: exists and differs"):
        write_plan(again, in_place=True)
    assert backup_path(target).read_text(encoding="utf-8") == ZH


def test_nothing_to_fix_writes_nothing(tmp_path, glossary):
    target, source = pair(tmp_path, zh="# 论文\n\n基于 Transformer 的模型和 CLIP。\n\n我们看报纸。\n")
    plan = plan_fixes(target, source, glossary)
    assert plan.fixes == () and write_plan(plan, in_place=True) == []
    assert not backup_path(target).exists() and not fixed_path(target).exists()


def test_utf16_files_are_refused(tmp_path, glossary):
    target = tmp_path / "c.zh.md"
    target.write_bytes("变形金刚\n".encode("utf-16"))
    with pytest.raises(QaInputError, match="UTF-16"):
        plan_fixes(target, None, glossary)


def left_of(plan):
    return [(item.line, item.column, item.text, item.reason, item.beside) for item in plan.left]


def test_lists_what_it_left_with_the_reason(tmp_path, glossary):
    target = tmp_path / "d.zh.md"
    target.write_text("# 标题\n\n视觉变形金刚和报纸，还有剪辑。\n", encoding="utf-8")
    plan = plan_fixes(target, None, glossary)
    assert left_of(plan) == [
        (3, 8, "报纸", "needs the English: no English source confirms it means 'paper' (use '论文')", ""),
        (
            3,
            13,
            "剪辑",
            "ambiguous: stands for several glossary entries ('CLIP', 'CutMix'); no English source to tell which",
            "",
        ),
    ]
    assert plan.left[0].describe("d.zh.md") == (
        "d.zh.md:3:8: '报纸' left unfixed — needs the English: no English source confirms it means 'paper' (use '论文')"
    )


def test_a_block_with_no_english_and_an_english_with_both_terms_are_said_apart(tmp_path, glossary):
    en = "# Papers\n\nCLIP and CutMix are both here.\n"
    zh = "# 论文\n\n剪辑和剪辑都在这里。\n\n我们看报纸。\n"
    target, source = pair(tmp_path, en=en, zh=zh)
    plan = plan_fixes(target, source, glossary)
    assert plan.fixes == ()
    assert [(line, text, reason.split(";")[-1]) for line, _, text, reason, _ in left_of(plan)] == [
        (3, "剪辑", " the aligned English has all of them"),
        (3, "剪辑", " the aligned English has all of them"),
        (5, "报纸", "needs the English: no aligned English block confirms it means 'paper' (use '论文')"),
    ]


def test_a_term_fixed_in_a_sentence_and_left_in_the_same_sentence_is_said(tmp_path, glossary):
    target = tmp_path / "e.zh.md"
    target.write_text("基于变压器的模型很好，即变压器对任务有用。\n", encoding="utf-8")
    plan = plan_fixes(target, None, glossary)
    # The second may be an electrical transformer: left, never guessed, but never silently.
    assert plan.fixed.decode() == "基于 Transformer 的模型很好，即变压器对任务有用。\n"
    assert left_of(plan) == [
        (
            1,
            13,
            "变压器",
            "needs the English: no English source confirms it means 'Transformer'",
            "in a sentence where '变压器' was fixed to 'Transformer' (1:3)",
        )
    ]
    line = plan.left[0].describe("e.zh.md")
    assert line.startswith(
        "e.zh.md:1:13: '变压器' left unfixed in a sentence where '变压器' was fixed to 'Transformer'"
    )


def test_beyond_the_sentence_the_block_is_named(tmp_path, glossary):
    target = tmp_path / "f.zh.md"
    target.write_text("* 基于变压器的模型。即变压器有用！\n* 变压器坏了。\n", encoding="utf-8")
    plan = plan_fixes(target, None, glossary)
    assert [(line, beside) for line, _, _, _, beside in left_of(plan)] == [
        (1, "in a list item where '变压器' was fixed to 'Transformer' (1:5)"),
        (2, ""),
    ]


def test_an_ordinary_word_the_english_lets_pass_is_said_only_beside_a_fix_of_its_term(tmp_path, glossary):
    en = "The model is useful, as the results show.\n"
    target, source = pair(tmp_path, en=en, zh="基于变压器的模型，即变压器有用。\n")
    plan = plan_fixes(target, source, glossary)
    assert plan.fixed.decode() == "基于 Transformer 的模型，即变压器有用。\n"
    assert left_of(plan) == [
        (
            1,
            11,
            "变压器",
            "judgement call: an ordinary Chinese word the aligned English does not confirm as 'Transformer'",
            "in a sentence where '变压器' was fixed to 'Transformer' (1:3)",
        )
    ]
    # Alone, it is the ordinary word the check lets pass: nothing to say.
    target.write_text("这个变压器有用。\n", encoding="utf-8")
    assert plan_fixes(target, source, glossary).left == ()


def test_an_approved_rendering_beside_a_wrong_one_is_said(tmp_path, glossary):
    target = tmp_path / "g.zh.md"
    target.write_text("这篇论文和那份报纸。斑块很多。\n", encoding="utf-8")
    plan = plan_fixes(target, None, glossary)
    # 块 is approved for "patch", but inside 斑块 it is no rendering of its own.
    assert [(text, beside) for _, _, text, _, beside in left_of(plan)] == [
        ("报纸", "in a sentence that has the approved '论文' (1:3)"),
        ("斑块", ""),
    ]


def test_words_wrong_only_with_the_english_are_not_pointed_at(tmp_path, glossary):
    # 关注 (to follow) is wrong for "attention" only when the English says so.
    target, source = pair(tmp_path, en="We look at it closely.\n", zh="注意力机制值得关注。\n")
    assert plan_fixes(target, source, glossary).left == ()


# Inputs of our own: a sentence whose always-wrong rendering 变形金刚 needs no English to fix.
MINE = "第一段：用变形金刚做翻译。\n"
MINE_FIXED = "第一段：用 Transformer 做翻译。\n"


def test_in_place_through_a_chain_of_links_fixes_the_real_file(tmp_path, glossary):
    (tmp_path / "store").mkdir()
    real = tmp_path / "store" / "p.zh.md"
    real.write_text(MINE, encoding="utf-8")
    os.chmod(real, 0o640)
    (tmp_path / "store" / "mid.zh.md").symlink_to("p.zh.md")
    (tmp_path / "docs").mkdir()
    link = tmp_path / "docs" / "p.zh.md"
    link.symlink_to(Path("..") / "store" / "mid.zh.md")
    plan = plan_fixes(link, None, glossary)
    assert write_plan(plan, in_place=True) == [link, backup_path(link)]
    assert real.read_text(encoding="utf-8") == MINE_FIXED
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert link.is_symlink() and (tmp_path / "store" / "mid.zh.md").is_symlink()
    # The backup holds the real file's old content, beside the name given, as a plain file.
    backup = backup_path(link)
    assert not backup.is_symlink() and backup.read_text(encoding="utf-8") == MINE
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["mid.zh.md", "p.zh.md"]
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == ["p.zh.md", "p.zh.md.bak"]


def test_a_fixed_copy_beside_a_link_is_a_new_file_and_the_target_is_untouched(tmp_path, glossary):
    real = tmp_path / "real.zh.md"
    real.write_text(MINE, encoding="utf-8")
    link = tmp_path / "q.zh.md"
    link.symlink_to(real.name)
    assert write_plan(plan_fixes(link, None, glossary), in_place=False) == [tmp_path / "q.zh.fixed.md"]
    assert real.read_text(encoding="utf-8") == MINE and link.is_symlink()
    assert (tmp_path / "q.zh.fixed.md").read_text(encoding="utf-8") == MINE_FIXED


def test_in_place_refuses_a_file_changed_since_it_was_read(tmp_path, glossary):
    target = tmp_path / "r.zh.md"
    target.write_text(MINE, encoding="utf-8")
    plan = plan_fixes(target, None, glossary)
    target.write_text(MINE + "第二段：新加的。\n", encoding="utf-8")  # an editor saved meanwhile
    with pytest.raises(QaInputError, match=r"r\.zh\.md: changed since qa fix read it"):
        write_plan(plan, in_place=True)
    assert target.read_text(encoding="utf-8") == MINE + "第二段：新加的。\n"
    assert not backup_path(target).exists()


def _difflib_diff(plan, to_name: str) -> str:
    """FixPlan.diff as it was: difflib over the whole files."""
    old = plan.original.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    new = plan.fixed.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), str(plan.target), to_name
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@pytest.mark.parametrize(
    ("target", "source"),
    [
        (EXAMPLES / "issue13.zh.md", EXAMPLES / "issue13.en.md"),
        (EXAMPLES / "issue13.zh.md", None),
        (SHARED / "seeds" / "issue13.zh.md", REPO / "bench" / "data" / "seed13.en.md"),
        (SHARED / "seeds" / "issue13.zh.md", None),
    ],
)
def test_the_diff_is_difflibs_for_the_example_and_the_seed(target, source, glossary):
    if not target.exists():
        pytest.skip(f"no {target}")
    plan = plan_fixes(target, source, glossary)
    old, new = (data.decode("utf-8-sig").splitlines(keepends=True) for data in (plan.original, plan.fixed))
    assert plan.fixes and _in_place_opcodes(old, new) is not None  # the diff of changed lines, not difflib's
    assert plan.diff("fixed.md") == _difflib_diff(plan, "fixed.md")


def _applied(old: list[str], diff: list[str]) -> list[str]:
    """`old` with the hunks of a unified diff applied, each checked against its context."""
    new, at = [], 0
    for line in diff[2:]:
        if line.startswith("@@"):
            first, _, count = line.split()[1].lstrip("-").partition(",")
            start = int(first) - (count != "0")  # an empty range names the line before it
            new += old[at:start]
            at = start
        elif line[0] in " -":
            assert old[at] == line[1:]
            at += 1
            if line[0] == " ":
                new.append(line[1:])
        else:
            new.append(line[1:])
    return new + old[at:]


def _pairable_elsewhere(old: list[str], new: list[str]) -> bool:
    """Whether a changed line's text stands elsewhere where difflib may pair it across."""
    popular = set()
    if len(new) >= 200:
        popular = {line for line, count in Counter(new).items() if count > len(new) // 100 + 1}
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    return bool(
        ({old[i] for i in changed} & (set(new) - popular)) or ({new[i] for i in changed} & (set(old) - popular))
    )


def test_the_diff_of_lines_changed_in_place_is_difflibs():
    # Lines fixed in place, blank and other popular lines between them (difflib pairs those only
    # next to a line that is not popular), files over and under difflib's 200-line autojunk
    # threshold; where a changed line's text stands elsewhere, difflib may pair it across, and
    # the diff of changed lines is then checked to turn the one file into the other.
    rng = random.Random(24)
    compared = 0
    for _ in range(3_000):
        pool = ["\n", "\n", "\n", "---\n", "```\n", *(f"第 {i} 行\n" for i in range(rng.choice([2, 10, 1000])))]
        old = [rng.choice(pool) for _ in range(rng.choice([1, 5, 50, 199, 200, 250, 400]))]
        new = list(old)
        for index in rng.sample(range(len(old)), rng.randrange(1, min(len(old), 12) + 1)):
            new[index] = rng.choice([f"改 {rng.randrange(10**6)}\n", old[index].replace("行", "line"), "\n"])
        diff = list(unified_diff(old, new, "a", "b"))
        if _pairable_elsewhere(old, new):
            assert _applied(old, diff) == new
        else:
            assert diff == list(difflib.unified_diff(old, new, "a", "b"))
            compared += 1
    assert compared > 1_000
