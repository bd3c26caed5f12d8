"""What `qa fix` does to the seed: findings of each family before and after, lines changed
outside the findings it fixed, a second run, and a qa-ignore'd finding.

The seed (../shared/seeds/issue13.zh.md) is checked against our English rendering
(bench/data/seed13.en.md) as `qa check` and `qa fix` run by default: the bundled glossary and
the default encoder (drift on; `--no-drift` to leave it out).

Run: python bench/fix.py [--no-drift] [--unsafe-fixes]
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from qa.config import Config
from qa.embed import DEFAULT_MODEL
from qa.fix import plan_fixes
from qa.glossary.files import files_for_settings
from qa.glossary.load import load_glossaries
from qa.pipeline import CheckOptions, run_check

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seeds" / "issue13.zh.md"
ENGLISH = REPO / "bench" / "data" / "seed13.en.md"


def families(findings) -> Counter:
    return Counter(f.rule.split("/")[0] for f in findings)


def changed_lines(before: bytes, after: bytes) -> set[int]:
    old = before.decode("utf-8-sig").splitlines()
    new = after.decode("utf-8-sig").splitlines()
    lines: set[int] = set()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            lines.update(range(i1 + 1, i2 + 1))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-drift", action="store_true")
    parser.add_argument("--unsafe-fixes", action="store_true")
    arguments = parser.parse_args()
    model = None if arguments.no_drift else DEFAULT_MODEL
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        target, source = work / "issue13.zh.md", work / "issue13.en.md"
        shutil.copy(SEED, target)
        shutil.copy(ENGLISH, source)
        glossary = load_glossaries(files_for_settings(work, Config(), ()).locations)
        options = CheckOptions(target=target, source=source, model=model)
        before = run_check(options, glossary)
        plan = plan_fixes(options, glossary, unsafe=arguments.unsafe_fixes)
        edited = {line for f in plan.applied for e in f.fix.edits for line in range(e.line, e.end_line + 1)}
        outside = changed_lines(plan.original, plan.fixed) - edited
        target.write_bytes(plan.fixed)
        again = plan_fixes(options, glossary, unsafe=arguments.unsafe_fixes)

        # A qa-ignore comment on a line with a safe glossary fix: that finding is left alone.
        shutil.copy(SEED, target)
        lines = target.read_text(encoding="utf-8").split("\n")
        fixable = next(f for f in before.findings if f.rule == "glossary/forbidden-term" and f.fix and f.line > 20)
        lines[fixable.line - 1] += " <!-- qa-ignore glossary/forbidden-term -->"
        target.write_text("\n".join(lines), encoding="utf-8")
        ignored = plan_fixes(options, glossary, unsafe=arguments.unsafe_fixes)
        kept = fixable.text in ignored.fixed.decode("utf-8").split("\n")[fixable.line - 1]

    after = plan.report.findings
    fixed_by_family = families(plan.applied)
    print(f"seed with our English, model {model or 'none (--no-drift)'}, unsafe fixes {arguments.unsafe_fixes}")
    print()
    print("| family | findings before | fixes applied | findings after |")
    print("|---|---|---|---|")
    b, a = families(before.findings), families(after)
    for family in sorted(set(b) | set(a)):
        print(f"| {family} | {b[family]} | {fixed_by_family[family]} | {a[family]} |")
    print(f"| all | {len(before.findings)} | {len(plan.applied)} | {len(after)} |")
    print()
    print(f"passes: {plan.passes}; lines changed: {len(changed_lines(plan.original, plan.fixed))}; ")
    print(f"lines changed outside the fixed findings: {len(outside)}")
    print(f"second qa fix: {len(again.applied)} fixes, file unchanged: {again.fixed == plan.fixed}")
    print(f"qa-ignore'd {fixable.text!r} on line {fixable.line}: left alone: {kept}")


if __name__ == "__main__":
    main()
