"""Consistency checks (numbers, links, images, code, markdown, typography) on real MT output.

    python bench/consistency.py            # the seed issue, judged by hand; the example
    python bench/consistency.py --parallel # also: counts on the human-translated corpus

1. The seed: ../shared/seeds/issue13.zh.md (real MT output) against bench/data/seed13.en.md,
   our own English rendering of it, line for line. Every finding is looked up in
   bench/data/seed13_consistency_labels.tsv, where each one was judged by hand (tp / fp);
   the tables give findings, true and false positives per rule family. A finding with no
   judgement is listed and makes the script exit 1, so the labels cannot silently go stale.
   bench/data/seed13_damage.tsv lists the MT damage visible in the seed, by reading it; the
   second table says which of it the rules catch (and what no rule covers).
2. examples/issue13.{en,zh}.md, judged the same way (bench/data/example13_consistency_labels.tsv).
3. --parallel: the 14 human-translated pairs of ../shared/corpus/parallel/hf-docs, where the
   English side moved on after translation. Not labelled finding by finding: the counts per
   100 aligned pairs show how much each family says about careful human work.

Alignment uses no encoder (as `qa check --no-drift`), so the numbers do not depend on a model.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qa.align.pairs import align  # noqa: E402
from qa.model import Finding  # noqa: E402
from qa.read.markdown import parse_document  # noqa: E402
from qa.rules import checks_at  # noqa: E402
from qa.rules.rule import CheckInput, Scope  # noqa: E402

SHARED = REPO.parent / "shared"
DATA = REPO / "bench" / "data"
FAMILIES = ("numbers", "links", "images", "code", "markdown", "typography")


@dataclass(frozen=True)
class Judged:
    name: str
    english: Path
    chinese: Path
    labels: Path
    damage: Path | None


DOCUMENTS = (
    Judged(
        "seed (real MT)",
        DATA / "seed13.en.md",
        SHARED / "seeds" / "issue13.zh.md",
        DATA / "seed13_consistency_labels.tsv",
        DATA / "seed13_damage.tsv",
    ),
    Judged(
        "example",
        REPO / "examples" / "issue13.en.md",
        REPO / "examples" / "issue13.zh.md",
        DATA / "example13_consistency_labels.tsv",
        None,
    ),
)


def run(english: Path, chinese: Path) -> tuple[list[Finding], int]:
    source = parse_document(str(english), english.read_text(encoding="utf-8"))
    target = parse_document(str(chinese), chinese.read_text(encoding="utf-8"))
    alignment = align(source, target)
    # Every rule of the families, whether on by default or not: this measures the rules.
    given = CheckInput(target=target, source=source, alignment=alignment)
    findings = [f for check in checks_at(Scope.PAIR) if check.family in FAMILIES for f in check.run(given)]
    return findings, len(alignment.pairs)


def read_tsv(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def judge(document: Judged) -> bool:
    started = time.perf_counter()
    findings, pairs = run(document.english, document.chinese)
    elapsed = time.perf_counter() - started
    # Several findings can share a place (numbers missing from one block): a list per place.
    labels: dict[tuple[str, int, int], list[dict[str, str]]] = {}
    for row in read_tsv(document.labels):
        labels.setdefault((row["rule"], int(row["line"]), int(row["column"])), []).append(row)
    counts: dict[str, Counter[str]] = {family: Counter() for family in FAMILIES}
    unjudged: list[Finding] = []
    for finding in findings:
        family = finding.rule.split("/")[0]
        counts[family]["findings"] += 1
        counts[family][finding.severity.label] += 1
        rows = labels.get((finding.rule, finding.line, finding.column))
        row = rows.pop(0) if rows else None
        if row is None:
            unjudged.append(finding)
        else:
            counts[family][row["verdict"]] += 1
    print(
        f"\n## {document.name}: {document.chinese.relative_to(REPO.parent)} against "
        f"{document.english.relative_to(REPO.parent)}"
    )
    print(f"\n{pairs} aligned pairs, {len(findings)} findings, checks took {elapsed:.2f} s\n")
    print("| family | findings | error / warning / info | true pos. | false pos. | unjudged |")
    print("|---|---|---|---|---|---|")
    total: Counter[str] = Counter()
    for family in FAMILIES:
        c = counts[family]
        total.update(c)
        print(
            f"| {family} | {c['findings']} | {c['error']} / {c['warning']} / {c['info']} | {c['tp']} | "
            f"{c['fp']} | {c['findings'] - c['tp'] - c['fp']} |"
        )
    print(
        f"| **all** | {total['findings']} | {total['error']} / {total['warning']} / {total['info']} | "
        f"{total['tp']} | {total['fp']} | {total['findings'] - total['tp'] - total['fp']} |"
    )
    for finding in unjudged:
        print(f"UNJUDGED {finding.rule}\t{finding.line}\t{finding.column}\t{finding.text!r}: {finding.message}")
    stale = [(key, row) for key, rows in labels.items() for row in rows]
    for (rule, line, column), _ in stale:
        print(f"STALE LABEL (no such finding now) {rule}\t{line}\t{column}")
    if document.damage is not None:
        damage_table(document.damage, findings)
    return not unjudged and not stale


def damage_table(path: Path, findings: list[Finding]) -> None:
    found = {(f.rule, f.line) for f in findings}
    groups: dict[tuple[str, str], list[tuple[int, bool | None]]] = {}
    for row in read_tsv(path):
        rule, line = row["rule"], int(row["line"])
        caught = None if rule == "-" else (rule, line) in found
        groups.setdefault((row["damage"], rule), []).append((line, caught))
    print("\n| damage visible in the seed | zh lines | rule | caught |")
    print("|---|---|---|---|")
    for (damage, rule), items in groups.items():
        lines = ", ".join(str(line) for line, _ in items)
        caught = sum(1 for _, hit in items if hit)
        shown = "no rule (missed)" if rule == "-" else f"{caught}/{len(items)}"
        print(f"| {damage} | {lines} | {'–' if rule == '-' else f'`{rule}`'} | {shown} |")


def parallel() -> None:
    folder = SHARED / "corpus" / "parallel" / "hf-docs"
    counts: Counter[str] = Counter()
    pairs = 0
    for english in sorted(folder.glob("*.en.md")):
        findings, n = run(english, english.with_name(english.name.replace(".en.md", ".zh.md")))
        pairs += n
        counts.update(f"{f.rule.split('/')[0]} {f.severity.label}" for f in findings)
    print(f"\n## human translations: {folder.relative_to(REPO.parent)} ({pairs} aligned pairs, not labelled)\n")
    print("| family | error | warning | info | findings per 100 pairs |")
    print("|---|---|---|---|---|")
    for family in FAMILIES:
        row = [counts[f"{family} {severity}"] for severity in ("error", "warning", "info")]
        print(f"| {family} | {row[0]} | {row[1]} | {row[2]} | {100 * sum(row) / pairs:.1f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--parallel", action="store_true", help="also count findings on the human-translated corpus")
    args = parser.parse_args()
    missing = [d.chinese for d in DOCUMENTS if not d.chinese.exists()]
    if missing:
        print(f"bench/consistency.py: missing {missing[0]} (the shared data folder beside the repo)", file=sys.stderr)
        return 2
    judged = [judge(document) for document in DOCUMENTS]
    if args.parallel:
        parallel()
    return 0 if all(judged) else 1


if __name__ == "__main__":
    sys.exit(main())
