import codecs

import pytest

from qa.errors import QaInputError
from qa.fix import backup_path, fixed_path, plan_fixes, write_plan

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
    assert plan.left == 0


def test_without_english_only_always_wrong_unambiguous_renderings_are_fixed(tmp_path, glossary):
    target = tmp_path / "b.zh.md"
    target.write_text("视觉变形金刚和报纸，还有剪辑和抱抱脸。\n", encoding="utf-8")
    plan = plan_fixes(target, None, glossary)
    assert plan.fixed.decode() == "Vision Transformer 和报纸，还有剪辑和 Hugging Face。\n"
    assert plan.left == 2  # 报纸 (ordinary word) and 剪辑 (CLIP or CutMix) need a human


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
