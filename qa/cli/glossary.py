"""`qa glossary …`: the maintainers' commands. Options and wiring only; logic lives in
qa/glossary/lint.py, qa/glossary/edit.py and qa/glossary/suggest.py. Nothing here imports a model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from qa.cli.help import QaTyper
from qa.errors import QaInputError
from qa.glossary.schema import help_for

app = QaTyper(
    no_args_is_help=True,
    help="Maintain the glossaries: lint, show, add, remove, suggest.\n\nExample: qa glossary lint",
)

EXIT_CLEAN, EXIT_NOT_FOUND, EXIT_ERROR = 0, 1, 2

_FILE_HELP = "The project glossary CSV to edit \\[default: the only project glossary found]."
_GLOSSARY_HELP = "A project glossary CSV, or a folder of them, added to the bundled one (repeatable)."


@app.command()
def lint(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Glossary CSV files or folders \\[default: the bundled glossary and the project's]."),
    ] = None,
) -> None:
    """Check glossary files; print `file:line:column: message` per problem, exit 2 when any.

    Example: qa glossary lint glossaries/*.csv
    """
    from qa.glossary.files import expand_glossary_paths, project_files
    from qa.glossary.lint import lint_glossaries
    from qa.glossary.load import is_bundled

    try:
        if files:
            groups = [expand_glossary_paths(files)]
        else:
            # Bundled and project files are linted as two sets: a project entry for a bundled
            # term is an override, not a duplicate.
            used = _files()
            groups = [[f.location for f in used.used if is_bundled(f.location)], project_files(used)]
        paths = [path for group in groups for path in group]
        results = [lint_glossaries(group) for group in groups if group]
        problems = [problem for result in results for problem in result.problems]
    except QaInputError as error:
        _fail(str(error))
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problems in {len(paths)} glossary files", err=True)
        raise typer.Exit(EXIT_ERROR)
    entries = sum(result.entries for result in results)
    typer.echo(f"{_plural(len(paths), 'file')}, {_plural(entries, 'entry', 'entries')}: ok")


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


@app.command()
def show(
    query: Annotated[str, typer.Argument(help="An English term or variant, or a Chinese rendering (剪辑).")],
    glossary: Annotated[
        list[Path] | None, typer.Option("--glossary", "-g", metavar="FILE_OR_DIR", help=_GLOSSARY_HELP)
    ] = None,
    no_bundled_glossary: Annotated[
        bool, typer.Option("--no-bundled-glossary", help="Only the project's glossaries.")
    ] = False,
) -> None:
    """Show every entry whose term, variant or rendering is QUERY, and the file that defines it;
    exit 1 when none.

    Example: qa glossary show 剪辑
    """
    from qa.glossary.edit import describe_match, find_matches
    from qa.glossary.load import load_glossaries

    try:
        loaded = load_glossaries(_files(glossary, bundled=not no_bundled_glossary, required=True).locations)
    except QaInputError as error:
        _fail(str(error))
    matches = find_matches(loaded, query)
    if not matches:
        typer.echo(f"qa: no glossary entry matches {query!r}", err=True)
        raise typer.Exit(EXIT_NOT_FOUND)
    typer.echo("\n\n".join(describe_match(loaded, match) for match in matches))


@app.command()
def add(
    term: Annotated[str, typer.Argument(help=help_for("term"))],
    zh: Annotated[list[str] | None, typer.Option("--zh", help=help_for("zh"))] = None,
    forbidden: Annotated[list[str] | None, typer.Option(help=help_for("forbidden"))] = None,
    forbidden_always: Annotated[list[str] | None, typer.Option(help=help_for("forbidden_always"))] = None,
    forbidden_with_source: Annotated[list[str] | None, typer.Option(help=help_for("forbidden_with_source"))] = None,
    exception: Annotated[list[str] | None, typer.Option(help=help_for("exceptions"))] = None,
    variant: Annotated[list[str] | None, typer.Option(help=help_for("variants"))] = None,
    keep_english: Annotated[
        bool | None, typer.Option("--keep-english/--translate", help=help_for("keep_english"))
    ] = None,
    case_sensitive: Annotated[
        bool | None, typer.Option("--case-sensitive/--ignore-case", help=help_for("case_sensitive"))
    ] = None,
    report_missing: Annotated[
        bool | None, typer.Option("--report-missing/--no-report-missing", help=help_for("report_missing"))
    ] = None,
    note: Annotated[str, typer.Option(help=help_for("note"))] = "",
    file: Annotated[Path | None, typer.Option("--file", "-f", help=_FILE_HELP)] = None,
) -> None:
    """Append an entry; every other row is kept byte for byte. Refused if it adds a lint problem.

    Example: qa glossary add "diffusion model" --zh 扩散模型 --forbidden 传播模型 -f glossaries/ml-terms.csv
    """
    from qa.cli.process import check_destination
    from qa.glossary.edit import NewEntry, add_entry
    from qa.glossary.files import project_files

    entry = NewEntry(
        term=term,
        zh=tuple(zh or ()),
        forbidden=tuple(forbidden or ()),
        forbidden_always=tuple(forbidden_always or ()),
        forbidden_with_source=tuple(forbidden_with_source or ()),
        exceptions=tuple(exception or ()),
        variants=tuple(variant or ()),
        keep_english=keep_english,
        case_sensitive=case_sensitive,
        report_missing=report_missing,
        note=note,
    )
    destination = file
    try:
        found = project_files(_files())
        destination = file or _single(found)
        check_destination(destination, "the glossary")
        edit = add_entry(destination, entry, others=found)
    except QaInputError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"{destination}: cannot write: {error.strerror or error}")
    typer.echo(f"{edit.file}:{edit.line}: added {edit.row}")


@app.command()
def remove(
    term: Annotated[str, typer.Argument(help="The English term of the entry to remove.")],
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="The glossary CSV \\[default: the one defining TERM].")
    ] = None,
) -> None:
    """Remove the entry of TERM; every other row is kept byte for byte.

    Example: qa glossary remove "diffusion model"
    """
    from qa.cli.process import describe_os_error
    from qa.glossary.edit import remove_entry

    try:
        edit = remove_entry(term, [file] if file else _editable(term))
    except QaInputError as error:
        _fail(str(error))
    except OSError as error:
        _fail(describe_os_error(error))
    typer.echo(f"{edit.file}:{edit.line}: removed {edit.row}")


@app.command()
def suggest(
    paths: Annotated[list[Path], typer.Argument(help="EN_DIR ZH_DIR (NAME.en.md ~ NAME.zh.md), or EN ZH file pairs.")],
    output: Annotated[
        str, typer.Option("--output", "-o", help="CSV to write, or '-' for stdout.")
    ] = "glossary-suggestions.csv",
    min_count: Annotated[int, typer.Option(min=1, help="Report terms seen in at least this many aligned pairs.")] = 2,
    glossary: Annotated[
        list[Path] | None, typer.Option("--glossary", "-g", metavar="FILE_OR_DIR", help=_GLOSSARY_HELP)
    ] = None,
) -> None:
    """Mine aligned documents for candidate entries and write them as a glossary CSV to review.

    Example: qa glossary suggest docs/en docs/zh -o new-terms.csv
    """
    from qa.cli.process import check_destination
    from qa.glossary.load import load_glossaries
    from qa.glossary.suggest import aligned_segments, mine, pair_paths, to_csv
    from qa.read.io import read_text
    from qa.read.markdown import parse_document

    try:
        if output != "-":
            check_destination(Path(output), "the suggestions")
        known = load_glossaries(_files(glossary).locations)
        documents = [
            (parse_document(str(en), read_text(en)), parse_document(str(zh), read_text(zh)))
            for en, zh in pair_paths(paths)
        ]
        aligned, files = aligned_segments(documents)
        candidates = mine(aligned, known, min_count, files)
        text, skipped = to_csv(candidates)
        if output == "-":
            typer.echo(text, nl=False)
        else:
            from qa.atomic import replace_file

            replace_file(Path(output), text.encode("utf-8"))
    except QaInputError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"{output}: cannot write: {error.strerror or error}")
    rows = text.count("\n") - 1
    where = "stdout" if output == "-" else output
    typer.echo(f"{rows} candidate entries from {len(documents)} document pairs -> {where}", err=True)
    extended = sum(1 for candidate in candidates if candidate.entry is not None)
    if extended:
        typer.echo(f"{extended} of them extend a glossary entry with renderings found: replace its row", err=True)
    if skipped:
        typer.echo(f"{skipped} terms had neither a kept English form nor a recurring rendering", err=True)


@app.command()
def path() -> None:
    """Print where the bundled glossary files are installed, to copy one and edit it.

    Example: cp "$(qa glossary path)/ml-terms.csv" glossaries/
    """
    from qa.glossary.load import bundled_folder, bundled_glossaries

    typer.echo(str(bundled_folder()))
    names = ", ".join(location.removeprefix("bundled:") for location in bundled_glossaries())
    typer.echo(f"bundled glossary files: {names}", err=True)


def _files(extra: list[Path] | None = None, *, bundled: bool = True, required: bool = False):
    """The glossary files in use from here: bundled, found, `[tool.qa] glossaries`, and `extra`."""
    from dataclasses import replace

    from qa.config import find_config, load_config
    from qa.glossary.files import files_for_settings, no_glossary_error

    cwd = Path.cwd()
    settings = load_config(find_config(cwd))
    if not bundled:
        settings = replace(settings, bundled_glossary=False)
    files = files_for_settings(cwd, settings, tuple(extra or ()))
    if required and not files.used:
        raise no_glossary_error(str(cwd))
    return files


def _editable(term: str) -> list[Path]:
    """Project files to remove TERM from; a term only the bundled glossary has is read-only."""
    from qa.glossary.files import project_files
    from qa.glossary.load import load_glossaries, term_key

    files = _files()
    found = project_files(files)
    if found:
        return found
    bundled = load_glossaries(files.locations)
    if any(term_key(term) == term_key(entry.term) for entry in bundled.entries):
        raise QaInputError(
            term,
            "is in the bundled glossary, which is read-only: override it in a project glossary "
            "(qa glossary add TERM … --file glossaries/terms.csv), or copy the file from `qa glossary path`",
        )
    raise QaInputError(str(Path.cwd()), "no project glossary: pass --file or add glossaries/*.csv")


def _single(found: list[Path]) -> Path:
    if not found:
        raise QaInputError(
            str(Path.cwd()),
            "no project glossary to add to: pass --file glossaries/terms.csv "
            "(the bundled glossary is read-only; a project entry overrides it)",
        )
    if len(found) != 1:
        names = ", ".join(str(p) for p in found)
        raise QaInputError(names, "several glossary files: choose one with --file")
    return found[0]


def _fail(message: str) -> NoReturn:
    from qa.cli.process import fail

    fail(message)
