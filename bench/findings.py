"""The findings of `qa check` on the whole corpus, saved and compared: a change that should not
alter what `qa` reports is checked against a saved run.

Corpora (under ../shared): the seed with our English rendering (bench/data/seed13.en.md),
`corpus/mt-zh` (real MT, no English beside it), `corpus/parallel/hf-docs` and `hf-course`
(human translations with their English). Each file is checked with `qa check --format json`
and the given flags (`--no-drift` by default: drift needs the model and is compared by
bench/drift.py); a finding is compared on every key of the JSON report except those named
with `--ignore-key` (e.g. `fix`, a key that an older qa did not write).

Run: python bench/findings.py --save FILE [--src DIR] [-- FLAGS...]
     python bench/findings.py --compare FILE [--ignore-key fix] [-- FLAGS...]
`--src DIR`: run the qa package of another checkout (through PYTHONPATH). Its bundled
glossaries are still the installed ones (an editable install maps `qa.glossaries` to the
installed checkout's glossaries/ folder, whatever PYTHONPATH says): compare a glossary edit by
saving a run without it (`git stash`), not with `--src`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def corpora(work: Path) -> dict[str, Path]:
    """Each corpus as a folder `qa check` can take; the seed is copied beside its English."""
    seed = work / "seed"
    seed.mkdir()
    shutil.copy(SHARED / "seeds" / "issue13.zh.md", seed / "issue13.zh.md")
    shutil.copy(REPO / "bench" / "data" / "seed13.en.md", seed / "issue13.en.md")
    return {
        "seed": seed,
        "mt-zh": SHARED / "corpus" / "mt-zh",
        "hf-docs": SHARED / "corpus" / "parallel" / "hf-docs",
        "hf-course": SHARED / "corpus" / "parallel" / "hf-course",
    }


def run(src: Path, flags: list[str]) -> dict[str, dict[str, list[dict]]]:
    """{corpus: {file name: findings}}."""
    found: dict[str, dict[str, list[dict]]] = {}
    env = dict(os.environ, PYTHONPATH=str(src))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for name, path in corpora(work).items():
            reports = work / "reports" / name
            # Relative to the temporary folder where it is one, so messages quoting paths are stable.
            where = path.relative_to(work) if path.is_relative_to(work) else path
            command = [sys.executable, "-m", "qa", "check", str(where), "--format", "json", "--fail-on", "never"]
            command += ["--report-dir", str(reports), "--output-format", "concise", *flags]
            done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{name}: qa check exited {done.returncode}\n{done.stderr}")
            found[name] = {
                report.name: json.loads(report.read_text(encoding="utf-8"))["findings"]
                for report in sorted(reports.rglob("*.review.json"))
            }
    return found


def compare(before: dict, after: dict, ignored: set[str]) -> int:
    """Prints a table of findings per corpus and every difference; returns how many."""
    differences = 0
    print("| corpus | files | findings before | findings after | differing |")
    print("|---|---|---|---|---|")
    lines = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        differing = 0
        for file in sorted(set(old) | set(new)):
            a = [_without(f, ignored) for f in old.get(file, [])]
            b = [_without(f, ignored) for f in new.get(file, [])]
            if a != b:
                gone = [f for f in a if f not in b]
                added = [f for f in b if f not in a]
                differing += len(gone) + len(added)
                lines += [f"{name}/{file}: - {_short(f)}" for f in gone]
                lines += [f"{name}/{file}: + {_short(f)}" for f in added]
        total_old = sum(len(v) for v in old.values())
        total_new = sum(len(v) for v in new.values())
        print(f"| {name} | {len(new)} | {total_old} | {total_new} | {differing} |")
        differences += differing
    for line in lines:
        print(line)
    return differences


def _without(finding: dict, ignored: set[str]) -> dict:
    return {key: value for key, value in finding.items() if key not in ignored}


def _short(finding: dict) -> str:
    return f"{finding['line']}:{finding['column']} {finding['rule']} {finding['text']!r} {finding['message'][:80]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path)
    group.add_argument("--compare", type=Path)
    parser.add_argument("--src", type=Path, default=REPO)
    parser.add_argument("--ignore-key", action="append", default=[])
    parser.add_argument("--drift", action="store_true", help="default settings: drift scored (slower)")
    parser.add_argument("flags", nargs="*", help="flags for qa check (after --) [default: --no-drift]")
    arguments = parser.parse_args()
    found = run(arguments.src.resolve(), arguments.flags or ([] if arguments.drift else ["--no-drift"]))
    if arguments.save:
        arguments.save.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"saved {sum(len(f) for c in found.values() for f in c.values())} findings to {arguments.save}")
        return
    before = json.loads(arguments.compare.read_text(encoding="utf-8"))
    raise SystemExit(1 if compare(before, found, set(arguments.ignore_key)) else 0)


if __name__ == "__main__":
    main()
