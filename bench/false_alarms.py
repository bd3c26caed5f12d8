"""False alarms on good human translations: every finding judged by hand, per rule.

`qa check` runs with default settings (drift on, the bundled glossary) on the human
translations of ../shared/corpus/parallel (`hf-docs`, `hf-course`). Each finding is looked up
in the judgements (bench/data/judgements/*.tsv: file, line, column, rule, severity, text,
message, verdict true/false, reason), matched on file, line, column, rule and text. A finding
with no judgement is counted as unjudged, never as true or false: judge it and add it.

Printed per rule: findings, judged true, judged false, unjudged, findings and false alarms per
100 aligned pairs, precision (true / judged); then the default gate (a file fails on an
error-level finding): files failing, and of those how many have a real (judged true)
error-level finding.

Run: python bench/false_alarms.py [--no-drift] [--corpus hf-docs --corpus hf-course] [--unjudged] [--false]
`--unjudged` lists the findings that have no judgement yet (to add to the TSVs); `--false` the
findings judged false, with the judge's reason.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PARALLEL = REPO.parent / "shared" / "corpus" / "parallel"
JUDGEMENTS = REPO / "bench" / "data" / "judgements"


@dataclass(frozen=True)
class Judged:
    verdict: bool
    reason: str


def judgements() -> dict[tuple[str, int, int, str, str], Judged]:
    found: dict[tuple[str, int, int, str, str], Judged] = {}
    for path in sorted(JUDGEMENTS.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as file:
            for row in csv.DictReader(file, delimiter="\t"):
                if row["verdict"] not in ("true", "false"):
                    continue
                key = (row["file"], int(row["line"]), int(row["column"]), row["rule"], row["text"])
                found[key] = Judged(row["verdict"] == "true", row["reason"])
    return found


def _text(text: str) -> str:
    """As the TSVs hold it: tabs as spaces, newlines as ⏎, at most 200 characters."""
    return text.replace("\t", " ").replace("\n", "⏎")[:200]


def reports(corpus: str, flags: list[str]) -> list[dict]:
    """The JSON report of every file of the corpus, checked from the corpus folder's parent."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "qa", "check", corpus, "--format", "json", "--fail-on", "never"]
        command += ["--report-dir", folder, "--output-format", "concise", *flags]
        env = dict(os.environ, PYTHONPATH=str(REPO))
        done = subprocess.run(command, cwd=PARALLEL, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{corpus}: qa check exited {done.returncode}\n{done.stderr}")
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(folder).rglob("*.review.json"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-drift", action="store_true")
    parser.add_argument("--corpus", action="append", default=None)
    parser.add_argument("--unjudged", action="store_true")
    parser.add_argument("--false", action="store_true", help="list the findings judged false, with the reason")
    arguments = parser.parse_args()
    known = judgements()
    flags = ["--no-drift"] if arguments.no_drift else []
    rows: dict[str, Counter] = {}
    pairs = files = failing = failing_real = 0
    unjudged: list[str] = []
    false_alarms: list[str] = []
    failing_without_real: list[str] = []
    for corpus in arguments.corpus or ["hf-docs", "hf-course"]:
        for report in reports(corpus, flags):
            files += 1
            pairs += len(report["pairs"])
            real_error = any_error = False
            for finding in report["findings"]:
                key = (finding["file"], finding["line"], finding["column"], finding["rule"], _text(finding["text"]))
                counts = rows.setdefault(finding["rule"], Counter())
                counts["findings"] += 1
                counts[finding["severity"]] += 1
                judged = known.get(key)
                if judged is None:
                    counts["unjudged"] += 1
                    unjudged.append("\t".join(map(str, key)) + "\t" + finding["message"][:120])
                else:
                    counts["true" if judged.verdict else "false"] += 1
                    if not judged.verdict:
                        false_alarms.append("\t".join(map(str, key)) + f"\t{finding['severity']}\t{judged.reason}")
                if finding["severity"] == "error":
                    any_error = True
                    real_error |= judged is not None and judged.verdict
            failing += any_error
            failing_real += any_error and real_error
            if any_error and not real_error:
                failing_without_real.append(report["findings"][0]["file"])
    per100 = 100 / max(pairs, 1)
    print(f"{files} files, {pairs} aligned pairs, drift {'off' if arguments.no_drift else 'on'}")
    print()
    print("| rule | findings | errors | true | false | unjudged | per 100 pairs | false per 100 | precision |")
    print("|---|---|---|---|---|---|---|---|---|")
    total: Counter = Counter()
    for rule, counts in sorted(rows.items(), key=lambda item: -item[1]["findings"]):
        total.update(counts)
        print(_row(rule, counts, per100))
    print(_row("**all**", total, per100))
    print()
    print(
        f"default gate (fail on error): {failing} of {files} files fail; "
        f"{failing_real} of them have a judged-true error"
    )
    if failing_without_real:
        print("failing without a judged-true error: " + ", ".join(failing_without_real))
    if arguments.false:
        print("\nfindings judged false (file, line, column, rule, text, severity, reason):")
        print("\n".join(false_alarms))
    if arguments.unjudged:
        print("\nunjudged findings (file, line, column, rule, text, message):")
        print("\n".join(unjudged))


def _row(rule: str, counts: Counter, per100: float) -> str:
    judged = counts["true"] + counts["false"]
    precision = f"{counts['true'] / judged:.2f}" if judged else "–"
    return (
        f"| {rule} | {counts['findings']} | {counts['error']} | {counts['true']} | {counts['false']} | "
        f"{counts['unjudged']} | {counts['findings'] * per100:.1f} | {counts['false'] * per100:.1f} | {precision} |"
    )


if __name__ == "__main__":
    main()
