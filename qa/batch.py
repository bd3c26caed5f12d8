"""Many targets in one run: folders and globs expanded, the glossary loaded once, every file
checked with the same settings, consistency judged across the run, a baseline applied.

The CLI builds RunSettings from the config file and its flags; this module does the rest, so
a CI job, a test or a distributed worker runs exactly what `qa check` runs.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

from qa.errors import QaInputError
from qa.executors import Executor
from qa.glossary.load import Glossary
from qa.model import Report, Severity
from qa.pipeline import MARKDOWN_EXTENSIONS, CheckOptions, english_source_for
from qa.rules.selection import RuleSelection

TARGET_PATTERNS = ("*.zh.md", "*.zh.mdx")
"""What a folder given as a target stands for: its Chinese Markdown and MDX pages."""


@dataclass(frozen=True)
class RunSettings:
    model: str | None
    drift_threshold: float | None = None
    source: Path | None = None
    """Only with a single target: its English original, instead of NAME.en.md beside it."""
    reference: Path | None = None
    selection: RuleSelection = field(default_factory=RuleSelection)
    severity: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Summary:
    target: str
    report: str
    errors: int
    warnings: int
    infos: int
    pairs: int
    drift_mean: float | None


def expand_targets(arguments: Sequence[str]) -> list[Path]:
    """Files as given; a folder means every NAME.zh.md and NAME.zh.mdx file below it; a quoted
    glob is expanded to the Markdown files it matches. A file that is not Markdown (by its name) is
    an error: a glossary a shell expanded among the targets must not be checked as Chinese."""
    targets: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if (hint := _flag_value_hint(argument)) is not None:
            raise QaInputError(argument, hint)
        if path.is_dir():
            # Regular files only (is_file follows a symlink to its file): a FIFO would block the
            # run for ever and /dev/zero never ends; a file named on the command line is refused
            # with its reason instead (qa/read/io.py).
            found = sorted(
                {
                    p
                    for pattern in TARGET_PATTERNS
                    for p in path.rglob(pattern)
                    if not _hidden(p.relative_to(path)) and p.is_file()
                }
            )
            if not found:
                raise QaInputError(argument, "no *.zh.md files in this folder (nor *.zh.mdx)")
            targets += found
        elif not path.exists() and glob.has_magic(argument):
            matched = sorted(Path(p) for p in glob.glob(argument, recursive=True) if Path(p).is_file())
            found = [p for p in matched if _is_markdown(p)]
            if not found:
                what = "no Markdown file (.md, .mdx, .markdown)" if matched else "no file"
                raise QaInputError(argument, f"{what} matches this pattern")
            targets += found
        elif not _is_markdown(path):
            raise QaInputError(argument, _not_markdown(path, argument))
        else:
            targets.append(path)
    return list(dict.fromkeys(targets))


_FLAG_VALUES = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1"})


def _flag_value_hint(argument: str) -> str | None:
    """`qa check --no-drift true` makes `true` a TARGET: when no such file exists, say that
    flags take no value (older help drew `--no-drift <bool>`)."""
    if argument.lower() in _FLAG_VALUES and not Path(argument).exists():
        return f"no such file (flags take no value: write --no-drift, not --no-drift {argument})"
    return None


def _is_markdown(path: Path) -> bool:
    return path.suffix.lower() in MARKDOWN_EXTENSIONS


def _not_markdown(path: Path, argument: str) -> str:
    message = "is not a Markdown file (.md, .mdx or .markdown)"
    if path.suffix.lower() in (".csv", ".tsv"):
        return f"{message}; did you mean --glossary {argument}?"
    return f"{message}; qa checks Chinese Markdown pages (NAME.zh.md, NAME.zh.mdx)"


def check_targets(
    targets: Sequence[Path],
    settings: RunSettings,
    glossary: Glossary,
    progress: Callable[[int, Path], None] | None = None,
    executor: Executor | None = None,
) -> list[Report]:
    """Every target's report, in the order given; `progress(done, target)` is told as each
    file finishes (on a pool or a cluster, not in order). Serial unless an executor is given."""
    from qa.executors import FileCheck, SerialExecutor, check_files

    options, notes = _options(targets, settings)
    done = iter(range(1, len(targets) + 1))
    tell = None if progress is None else (lambda index: progress(next(done), targets[index]))
    check = FileCheck.for_glossary(glossary, preload_model=settings.model)
    reports = check_files(options, check, executor or SerialExecutor(), progress=tell)
    reports = [replace(r, notes=(n, *r.notes)) if n else r for r, n in zip(reports, notes, strict=True)]
    if len(reports) > 1:
        reports = _run_checks(reports, settings, glossary)
    return reports


def _run_checks(reports: list[Report], settings: RunSettings, glossary: Glossary) -> list[Report]:
    """The checks over the whole run (consistency across files replaces each file's own);
    their findings pass the same selection, severities and qa-ignore comments as the rest."""
    from qa.read.markdown import parse_document
    from qa.rules import checks_at
    from qa.rules.rule import Scope
    from qa.rules.verdict import decide

    for check in checks_at(Scope.RUN):
        if settings.selection.allows_any(rule.id for rule in check.rules):
            reports = check.run_reports(reports, glossary)
    decided = []
    for report in reports:
        verdict = decide(
            report.findings, parse_document(report.target, report.target_text), settings.selection, settings.severity
        )
        decided.append(replace(report, findings=verdict.findings))
    return decided


def needs_model(targets: Sequence[Path], settings: RunSettings) -> bool:
    """Whether to load the encoder before the run starts (before a pool forks, so workers
    share it): some file has an English source, and the largest such file, the first one sent
    out, has a block the embedding cache lacks. After a glossary edit every block is cached and
    no model is loaded; a file that still misses loads it in its own process."""
    from qa.executors import model_needed

    if settings.model is None:
        return False
    options, _ = _options(targets, settings)
    return model_needed(options)


def _options(targets: Sequence[Path], settings: RunSettings) -> tuple[list[CheckOptions], list[str | None]]:
    """Each target's CheckOptions, and the note on its English source (None: nothing to say)."""
    if len(targets) > 1 and (settings.source is not None or settings.reference is not None):
        raise QaInputError(str(targets[1]), "--source and --reference take a single TARGET")
    options: list[CheckOptions] = []
    notes: list[str | None] = []
    for target in targets:
        source, note = resolve_source(target, settings.source)
        options.append(
            CheckOptions(
                target=target,
                source=source,
                model=settings.model,
                drift_threshold=settings.drift_threshold,
                reference=settings.reference,
                selection=settings.selection,
                severity=settings.severity,
            )
        )
        notes.append(note)
    return options, notes


def resolve_source(target: Path, source: Path | None) -> tuple[Path | None, str | None]:
    """The English original and, when there is none, a note saying why."""
    if source is not None:
        return source, None
    candidate = english_source_for(target)
    if candidate is not None and candidate.exists():  # a FIFO or folder there: the reader says why
        return candidate, None
    if candidate is None:
        named = "is not named NAME.zh.md (or .zh.mdx)"
        return None, f"{target.name} {named}, so no English source was looked for; use --source"
    return None, f"no English source at {candidate}"


def summarise(report: Report, written: str) -> Summary:
    return Summary(
        target=report.target,
        report=written,
        errors=report.count(Severity.ERROR),
        warnings=report.count(Severity.WARNING),
        infos=report.count(Severity.INFO),
        pairs=len(report.pairs),
        drift_mean=report.drift_mean,
    )


def summary_table(summaries: Sequence[Summary]) -> str:
    """A plain-text table, readable in a terminal and in a CI log alike."""
    header = ("file", "errors", "warnings", "info", "pairs", "drift", "report")
    rows = [
        (
            s.target,
            str(s.errors),
            str(s.warnings),
            str(s.infos),
            str(s.pairs),
            "–" if s.drift_mean is None else f"{s.drift_mean:.2f}",
            s.report,
        )
        for s in summaries
    ]
    total = (
        f"{len(summaries)} files",
        str(sum(s.errors for s in summaries)),
        str(sum(s.warnings for s in summaries)),
        str(sum(s.infos for s in summaries)),
        str(sum(s.pairs for s in summaries)),
        "",
        "",
    )
    widths = [max(len(row[k]) for row in (header, *rows, total)) for k in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()

    return "\n".join([line(header), *(line(row) for row in rows), line(total)]) + "\n"


def index_markdown(summaries: Sequence[Summary], index_path: Path) -> str:
    """reports/index.md: one row per file, linking its review. A file name is any text a
    folder may hold (spaces, `|`, `<img onerror=…>`, backticks, newlines): each is escaped for
    where it lands, so links work, rows keep their cells and no name becomes HTML."""
    lines = [
        "# qa reviews",
        "",
        "| file | errors | warnings | info | pairs | mean drift | review |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        link = _relative_link(Path(s.report), index_path.parent) if s.report != "-" else ""
        drift = "–" if s.drift_mean is None else f"{s.drift_mean:.2f}"
        review = f"[{_markdown_text(Path(s.report).name)}]({link})" if link else "–"
        row = f"| {_code_cell(s.target)} | {s.errors} | {s.warnings} | {s.infos} | {s.pairs} | {drift} | {review} |"
        lines.append(row)
    return "\n".join(lines) + "\n"


def _printable(text: str) -> str:
    """Control characters (a newline would end the table row) as their escapes: `\\n`."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _markdown_text(text: str) -> str:
    """`text` as literal Markdown inline text: HTML's three characters as entities, the other
    ASCII punctuation backslash-escaped (CommonMark allows it for all of it; GitHub's `$` math
    and `:emoji:` honour it too), so nothing in it is markup, a link or a cell border. Only
    `.`, `-`, `/` and `,`, in every file name and markup only at the start of a line, stay
    as they are, so the file reads as it renders."""
    entities = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
    return "".join(entities.get(c) or ("\\" + c if c in _PUNCTUATION else c) for c in _printable(text))


_PUNCTUATION = frozenset("!\"#$%'()*+:;=?@[\\]^_`{|}~")


def _code_cell(text: str) -> str:
    """`text` as a code span in a table cell: fenced by more backticks than it holds in a row,
    padded when it starts or ends with one, and `|` escaped (a table splits cells there even
    inside code; GFM and markdown-it unescape it)."""
    text = _printable(text).replace("|", "\\|")
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def report_paths(targets: Sequence[Path], report_dir: Path, extension: str, cwd: Path | None = None) -> list[Path]:
    """One report per target inside `report_dir`, mirroring where the target is: its folder
    from the working directory when it is below it (`a/issue13.zh.md` ->
    `reports/a/issue13.review.md`), else from the folder that the targets outside share. So
    two `issue13.zh.md` of different folders never take each other's report, in one run or
    in two, and nothing derived from a file name can point outside `report_dir`."""
    here = Path(os.path.abspath(cwd or Path.cwd()))
    absolute = [Path(os.path.abspath(t)) for t in targets]
    outside = [t.parent for t in absolute if not t.is_relative_to(here)]
    shared = Path(os.path.commonpath([str(p) for p in outside])) if outside else here

    def folder(target: Path) -> Path:
        return target.parent.relative_to(here if target.is_relative_to(here) else shared)

    return [report_dir / folder(t) / f"{report_stem(t)}.review.{extension}" for t in absolute]


def report_stem(target: Path) -> str:
    """`x.zh.md` -> `x`; other Markdown extensions stay, so `x.zh.mdx` -> `x.mdx` does not
    take the report of an `x.zh.md` beside it."""
    name = target.name
    for suffix, kept in ((".zh.md", ""), (".md", ""), (".zh.mdx", ".mdx"), (".zh.markdown", ".markdown")):
        if name.endswith(suffix):
            return (name[: -len(suffix)] or "report") + kept
    return name or "report"


def _relative_link(path: Path, folder: Path) -> str:
    """A link destination: percent-encoded, so spaces, parentheses and `|` do not end it."""
    try:
        return quote(path.resolve().relative_to(folder.resolve()).as_posix(), safe="/")
    except ValueError:
        return path.resolve().as_uri()  # encoded already


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)
