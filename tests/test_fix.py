import difflib
import os
import random
import stat
from collections import Counter
from pathlib import Path

import pytest

from qa.errors import QaInputError
from qa.fix import (
    apply_fixes,
    backup_path,
    choose_fixes,
    plan_fixes,
    unified_diff,
    write_plan,
)
from qa.model import Applicability, Edit, Finding, Fix, Severity
from qa.pipeline import CheckOptions, run_check
from qa.rules import ALL_RULES
from qa.rules.selection import RuleSelection
from tests.conftest import EXAMPLES, REPO, SHARED

EN = "# Papers\n\nA Transformer-based model and [CLIP](https://x.dev/剪辑).\n\nWe read the newspaper.\n"
ZH = "# 报纸\n\n基于变压器的模型和[剪辑](https://x.dev/剪辑)。\n\n我们看报纸。`变压器`\n"


def pair(tmp_path, en=EN, zh=ZH, newline="\n", bom=b""):
    (tmp_path / "a.en.md").write_text(en, encoding="utf-8")
    target = tmp_path / "a.zh.md"
    target.write_bytes(bom + zh.replace("\n", newline).encode("utf-8"))
    return target, tmp_path / "a.en.md"


def plan_for(target, source, glossary, **options):
    """`qa fix` as the command runs it, without drift (no model in unit tests)."""
    unsafe = options.pop("unsafe", False)
    return plan_fixes(CheckOptions(target=target, source=source, model=None, **options), glossary, unsafe=unsafe)


def applied(plan):
    return [(f.rule, f.text, f.fix.edits[0].content) for f in plan.applied]


def test_fixes_what_the_english_confirms_and_nothing_else(tmp_path, glossary):
    target, source = pair(tmp_path)
    plan = plan_for(target, source, glossary)
    fixed = plan.fixed.decode()
    # The link target and the code span keep their 剪辑/变压器; the newspaper stays a newspaper.
    assert fixed == "# 论文\n\n基于 Transformer 的模型和[CLIP](https://x.dev/剪辑)。\n\n我们看报纸。`变压器`\n"
    assert applied(plan) == [
        ("glossary/forbidden-term", "报纸", "论文"),
        ("glossary/forbidden-term", "变压器", " Transformer "),
        ("glossary/forbidden-term", "剪辑", "CLIP"),
    ]
    assert plan.left == () and plan.report.findings == ()


def test_fixes_exactly_what_check_reports(tmp_path, glossary):
    target, source = pair(tmp_path)
    report = run_check(CheckOptions(target=target, source=source, model=None), glossary)
    fixable = [(f.line, f.column, f.text) for f in report.findings if f.fix and f.fix.applicability == "safe"]
    assert [(f.line, f.column, f.text) for f in plan_for(target, source, glossary).applied] == fixable


def test_without_english_only_always_wrong_unambiguous_renderings_are_fixed(tmp_path, glossary):
    target = tmp_path / "b.zh.md"
    target.write_text("视觉变形金刚和报纸，还有剪辑和抱抱脸。\n", encoding="utf-8")
    plan = plan_for(target, None, glossary)
    assert plan.fixed.decode() == "Vision Transformer 和报纸，还有剪辑和 Hugging Face。\n"
    # 报纸 (an ordinary word: unsafe) and 剪辑 (CLIP or CutMix: no fix) need a human
    assert [(item.finding.text, item.reason.split(" ")[0]) for item in plan.left] == [
        ("报纸", "unsafe"),
        ("剪辑", "no"),
    ]
    assert (
        plan.left[0]
        .describe("b.zh.fixed.md")
        .startswith("b.zh.fixed.md:1:21: glossary/forbidden-term '报纸' left — unsafe fix (replace '报纸' with '论文')")
    )
    unsafe = plan_for(target, None, glossary, unsafe=True)
    assert unsafe.fixed.decode() == "Vision Transformer 和论文，还有剪辑和 Hugging Face。\n"


def test_a_variant_or_a_longer_english_term_is_no_safe_fix(tmp_path, glossary):
    # "Next Generation" holds the variant "generation" of "text generation", not the term:
    # 下一代 is never rewritten to 下文本生成.
    en = "# Apps\n\nThe Next Generation of Apps is here.\n"
    zh = "# 应用\n\n下一代应用来了。\n"
    target, source = pair(tmp_path, en=en, zh=zh)
    plan = plan_for(target, source, glossary)
    assert plan.applied == () and plan.fixed == plan.original
    # The English has "Vision Transformers", a longer term than "Transformer": 变压器 is wrong,
    # but which rendering replaces it is a judgement call.
    en = "# Models\n\nVision Transformers work well.\n"
    zh = "# 模型\n\n视觉 变压器效果很好。\n"
    target, source = pair(tmp_path, en=en, zh=zh)
    plan = plan_for(target, source, glossary)
    assert plan.applied == () and plan.fixed == plan.original
    left = [(i.finding.text, i.reason.split(" ")[0]) for i in plan.left if i.finding.rule == "glossary/forbidden-term"]
    assert left == [("变压器", "unsafe")]


def test_a_suppressed_or_unselected_finding_is_not_fixed(tmp_path, glossary):
    zh = "# 报纸\n\n基于变压器的模型和[剪辑](https://x.dev/剪辑)。<!-- qa-ignore glossary/forbidden-term -->\n"
    target, source = pair(tmp_path, zh=zh)
    plan = plan_for(target, source, glossary)
    assert applied(plan) == [("glossary/forbidden-term", "报纸", "论文")]
    assert "基于变压器的模型和[剪辑]" in plan.fixed.decode()
    selection = RuleSelection.parse(["typography"], None, [rule.id for rule in ALL_RULES])
    assert plan_for(target, source, glossary, selection=selection).applied == ()
    off = plan_for(target, source, glossary, severity=(("glossary/forbidden-term", "off"),))
    assert off.applied == ()


RELATED = [
    ("HaloNet uses local self-attention on EfficientNet.", "HaloNet 在 EfficientNet 上使用局部自注意力。"),
    ("ViT is pre-trained on FractalDB and tested on CIFAR10.", "ViT 在 FractalDB 上预训练，并在 CIFAR10 上测试。"),
    ("The H7 model uses b=10 and h=3, like EfficientNetB7.", "H7 模型使用 b=10 和 h=3，与 EfficientNetB7 相当。"),
]


def test_every_family_with_safe_fixes_is_fixed_and_a_second_run_changes_nothing(tmp_path, glossary):
    en = (
        "## [**Title**](https://a.dev/t)\n\n"
        "Read [the paper](https://a.dev/p.pdf) and see ![a chart](img/c.png).\n\n"
        "It works (mostly) well, see [OpenAI's CLIP](https://a.dev/CLIP.pdf).\n\n"
    ) + "\n\n".join(e for e, _ in RELATED)
    zh = (
        "## **[**标题**](https://a.dev/t)**\n\n"
        "阅读[论文] (https://a.dev/p.pdf)并看！[图表](img/c.png)。\n\n"
        "它效果很好（大多数情况下)，见[OpenAI 的 CLIP](https://a.dev/CLIP. pdf)。中文,中文。\n\n"
    ) + "\n\n".join(z for _, z in RELATED)
    target, source = pair(tmp_path, en=en, zh=zh)
    plan = plan_for(target, source, glossary)
    assert plan.fixed.decode() == (
        "## [**标题**](https://a.dev/t)\n\n"
        "阅读[论文](https://a.dev/p.pdf)并看![图表](img/c.png)。\n\n"
        "它效果很好（大多数情况下），见[OpenAI 的 CLIP](https://a.dev/CLIP.pdf)。中文，中文。\n\n"
    ) + "\n\n".join(z for _, z in RELATED)
    rules = sorted({f.rule for f in plan.applied})
    assert rules == [
        "images/broken-syntax",
        "links/broken-syntax",
        "markdown/emphasis-wrapped",
        "typography/halfwidth-punctuation",
        "typography/mixed-brackets",
    ]
    target.write_bytes(plan.fixed)
    again = plan_for(target, source, glossary)
    assert again.applied == () and again.fixed == plan.fixed


def _finding(line, column, end_column, content, rule="x/y", applicability=Applicability.SAFE):
    edit = Edit(line, column, line, end_column, content)
    return Finding(
        rule, Severity.ERROR, "f", line, column, line, end_column, "", "", fix=Fix(applicability, "m", (edit,))
    )


def test_overlapping_fixes_the_first_in_file_order_wins_and_code_is_never_edited():
    first, overlapping, later = _finding(1, 3, 6, "A"), _finding(1, 5, 8, "B"), _finding(1, 8, 9, "C")
    insertion = _finding(1, 3, 3, "D")
    safe = {Applicability.SAFE}
    assert choose_fixes([later, overlapping, first], safe, []) == [first, later]
    # Same start: the shorter edit wins, whatever order the findings came in.
    assert choose_fixes([first, insertion], safe, []) == choose_fixes([insertion, first], safe, []) == [insertion]
    assert choose_fixes([first, later], safe, [(1, 7, 1, 12)]) == [first]  # `later` edits inside a code span
    assert choose_fixes([_finding(1, 3, 6, "A", applicability=Applicability.UNSAFE)], safe, []) == []
    assert apply_fixes("abcdefghij\r\nxyz\r\n", [first, later], "f") == "abAfgCij\r\nxyz\r\n"


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
    plan = plan_for(link, None, glossary)
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
    assert write_plan(plan_for(link, None, glossary), in_place=False) == [tmp_path / "q.zh.fixed.md"]
    assert real.read_text(encoding="utf-8") == MINE and link.is_symlink()
    assert (tmp_path / "q.zh.fixed.md").read_text(encoding="utf-8") == MINE_FIXED


def test_in_place_refuses_a_file_changed_since_it_was_read(tmp_path, glossary):
    target = tmp_path / "r.zh.md"
    target.write_text(MINE, encoding="utf-8")
    plan = plan_for(target, None, glossary)
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
    plan = plan_for(target, source, glossary)
    assert plan.fixes
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


def test_apply_selected_is_one_pass_of_qa_fix_over_the_accepted_fixes(tmp_path, glossary):
    from qa.fix import apply_selected, code_ranges, fix_candidates
    from qa.model import Applicability
    from qa.read.markdown import parse_document

    target, source = pair(tmp_path, newline="\r\n", bom=b"\xef\xbb\xbf")
    report = run_check(CheckOptions(target=target, source=source, model=None), glossary)
    original = target.read_bytes()
    safe = [f for f in report.findings if f.fix and f.fix.applicability is Applicability.SAFE]
    plan = plan_for(target, source, glossary)
    assert plan.passes == 2  # one pass applied everything: the whole run is that pass
    assert apply_selected(original, report.findings, safe, str(target)) == plan.fixed
    # A subset: only the fixes accepted change, the BOM and CRLF stay.
    document = parse_document(str(target), report.target_text)
    first = fix_candidates(report.findings, set(Applicability), code_ranges(document))[0]
    one = apply_selected(original, report.findings, [first], str(target))
    assert one.startswith(b"\xef\xbb\xbf") and one.count(b"\r\n") == original.count(b"\r\n")
    assert one.decode("utf-8-sig").replace("论文", "报纸", 1) == original.decode("utf-8-sig")
    assert apply_selected(original, report.findings, [], str(target)) == original


def test_edit_offsets_count_code_points_of_the_file_as_on_disk():
    from qa.fix import edit_offsets

    raw = "a😀b\r\ncd"
    edits = [Edit(1, 2, 1, 3, "x"), Edit(2, 1, 2, 3, ""), Edit(3, 1, 3, 1, "!")]
    assert edit_offsets(raw, edits, "f") == [(1, 2, "x"), (5, 7, ""), (7, 7, "!")]
    with pytest.raises(QaInputError):
        edit_offsets(raw, [Edit(1, 9, 1, 9, "")], "f")
