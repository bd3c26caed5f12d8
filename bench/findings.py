"""The findings of `qa check --no-drift` on every real document, saved and compared.

A change meant to leave behaviour alone (a faster pattern, a loop made linear) must leave
the findings on real documents as they were. This runs `qa check TARGET [--source EN]
--no-drift --format json` on

- seed: ../shared/seeds/issue13.zh.md against bench/data/seed13.en.md;
- example: examples/issue13.zh.md against examples/issue13.en.md;
- mt-zh: every ../shared/corpus/mt-zh/**/*.zh.md, alone (no English original is stored);
- hf-docs, hf-course: every NAME.zh.md of ../shared/corpus/parallel/{hf-docs,hf-course}
  against its NAME.en.md;

and `qa check DIR --no-drift --format json` on each of the folders mt-zh, hf-docs and hf-course
as a whole (which adds the findings across documents, such as glossary/inconsistent-rendering;
the totals people quote are these). It saves one JSON report per document and run in `--save
DIR`, and compares the findings (rule, severity,
line, column, end line, end column, text, message) with a folder saved before (`--compare
DIR`), printing the totals per corpus and every finding that differs.

Run: python bench/findings.py --save DIR [--src TREE] [--compare OLD_DIR]
     python bench/findings.py --compare OLD_DIR --against NEW_DIR   (no run)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIELDS = ("rule", "severity", "line", "column", "end_line", "end_column", "text", "message")


def documents(shared: Path) -> Iterator[tuple[str, str, Path, Path | None]]:
    """(corpus, name, Chinese file, English file or None) of every real document."""
    yield "seed", "issue13", shared / "seeds" / "issue13.zh.md", REPO / "bench" / "data" / "seed13.en.md"
    yield "example", "issue13", REPO / "examples" / "issue13.zh.md", REPO / "examples" / "issue13.en.md"
    mt = shared / "corpus" / "mt-zh"
    for chinese in sorted(mt.rglob("*.zh.md")):
        yield "mt-zh", str(chinese.relative_to(mt)), chinese, None
    for corpus in ("hf-docs", "hf-course"):
        folder = shared / "corpus" / "parallel" / corpus
        for chinese in sorted(folder.glob("*.zh.md")):
            english = chinese.with_name(chinese.name.removesuffix(".zh.md") + ".en.md")
            yield corpus, chinese.name, chinese, english if english.exists() else None


def _report_name(corpus: str, name: str) -> str:
    return f"{corpus}__{name.replace('/', '__')}.json"


FOLDERS = {"mt-zh": ("mt-zh",), "hf-docs": ("parallel", "hf-docs"), "hf-course": ("parallel", "hf-course")}


def _check(arguments: list[str], environment: dict[str, str]) -> None:
    command = [sys.executable, "-m", "qa", "check", *arguments, "--no-drift", "--format", "json", "--fail-on", "never"]
    # Run outside the repo: `python -m qa` imports the tree on PYTHONPATH, or the installed one.
    done = subprocess.run(command, env=environment, cwd="/", capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"qa check {arguments[0]} exited {done.returncode}: {done.stderr[-2000:]}")


def save(folder: Path, shared: Path, source_tree: Path | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    environment = dict(os.environ)
    if source_tree is not None:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source_tree), environment.get("PYTHONPATH")]))
    for corpus, name, chinese, english in documents(shared):
        source = ["--source", str(english)] if english is not None else []
        _check([str(chinese), *source, "--output", str(folder / _report_name(corpus, name))], environment)
    for corpus, parts in FOLDERS.items():
        _check([str(shared.joinpath("corpus", *parts)), "--report-dir", str(folder / f"folder-{corpus}")], environment)


def findings(folder: Path) -> dict[str, list[tuple]]:
    """Findings per report file of `folder` (its folder runs as folder-CORPUS/NAME), as
    tuples of FIELDS."""
    return {
        str(path.relative_to(folder)).replace("/", "__", 1): [
            tuple(f.get(field) for field in FIELDS) for f in json.loads(path.read_text("utf-8"))["findings"]
        ]
        for path in sorted(folder.rglob("*.json"))
    }


def _totals(reports: dict[str, list[tuple]]) -> str:
    totals: Counter[str] = Counter()
    for name, found in reports.items():
        totals[name.split("__", 1)[0]] += len(found)
    return ", ".join(f"{corpus} {count}" for corpus, count in sorted(totals.items()))


def compare(old: Path, new: Path) -> bool:
    """Print the totals per corpus and the differences; True when the findings are identical."""
    before, after = findings(old), findings(new)
    same = True
    for name in sorted(set(before) | set(after)):
        if name not in before or name not in after:
            print(f"{name}: only in {'the new' if name in after else 'the old'} folder")
            same = False
            continue
        if before[name] == after[name]:
            continue
        same = False
        old_set, new_set = Counter(before[name]), Counter(after[name])
        for finding in sorted((old_set - new_set).elements(), key=str):
            print(f"{name}: - {finding}")
        for finding in sorted((new_set - old_set).elements(), key=str):
            print(f"{name}: + {finding}")
        if old_set == new_set:
            print(f"{name}: same findings in another order")
    print("before:", _totals(before), "findings")
    print("after: ", _totals(after), "findings")
    print("identical" if same else "DIFFERENT")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--save", type=Path, help="run qa check on every document, reports into this folder")
    parser.add_argument("--src", type=Path, help="a checkout of qa to run (default: the one installed)")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (seeds/, corpus/)")
    parser.add_argument("--compare", type=Path, help="a folder saved before, to compare with")
    parser.add_argument("--against", type=Path, help="compare with this saved folder instead of running")
    arguments = parser.parse_args()
    new = arguments.against or arguments.save
    if new is None:
        parser.error("give --save DIR or --against DIR")
    if arguments.save is not None:
        save(arguments.save, arguments.shared, arguments.src.resolve() if arguments.src else None)
    if arguments.compare is not None:
        sys.exit(0 if compare(arguments.compare, new) else 1)
    print(_totals(findings(new)), "findings")


if __name__ == "__main__":
    main()
