"""`qa glossary …`: the maintainers' commands. Options and wiring only; logic lives in
qa/glossary_lint.py, qa/glossary_edit.py and qa/suggest.py. Nothing here imports a model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qa.errors import QaInputError

app = typer.Typer(
    no_args_is_help=True,
    help="Maintain the glossaries: lint, show, add, remove, suggest.\n\nExample: qa glossary lint",
)

EXIT_CLEAN, EXIT_NOT_FOUND, EXIT_ERROR = 0, 1, 2

_FILE_HELP = "The glossary CSV to edit \\[default: the only glossaries/*.csv found]."


@app.command()
def lint(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Glossary CSV files \\[default: glossaries/*.csv found from here].")
    ] = None,
) -> None:
    """Check glossary files; print `file:line:column: message` per problem, exit 2 when any.

    Example: qa glossary lint glossaries/*.csv
    """
    from qa.glossary_lint import lint_files

    paths = _glossary_files(files)
    try:
        problems = lint_files(paths)
    except QaInputError as error:
        _fail(str(error))
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problems in {len(paths)} glossary files", err=True)
        raise typer.Exit(EXIT_ERROR)


@app.command()
def show(
    query: Annotated[str, typer.Argument(help="An English term or variant, or a Chinese rendering (剪辑).")],
    glossary: Annotated[
        list[Path] | None, typer.Option("--glossary", "-g", help="Another glossary CSV (repeatable).")
    ] = None,
) -> None:
    """Show every entry whose term, variant or rendering is QUERY; exit 1 when none.

    Example: qa glossary show 剪辑
    """
    from qa.glossary import load_glossaries
    from qa.glossary_edit import describe, find_entries

    try:
        loaded = load_glossaries(_glossary_files(None, extra=glossary))
    except QaInputError as error:
        _fail(str(error))
    entries = find_entries(loaded, query)
    if not entries:
        typer.echo(f"qa: no glossary entry matches {query!r}", err=True)
        raise typer.Exit(EXIT_NOT_FOUND)
    typer.echo("\n\n".join(describe(entry) for entry in entries))


@app.command()
def add(
    term: Annotated[str, typer.Argument(help="The English term, as written in English text.")],
    zh: Annotated[
        list[str] | None, typer.Option("--zh", help="An approved rendering (repeatable; first = suggested).")
    ] = None,
    forbidden: Annotated[
        list[str] | None, typer.Option(help="A wrong rendering that is also an ordinary word (repeatable).")
    ] = None,
    forbidden_always: Annotated[
        list[str] | None, typer.Option(help="A rendering wrong in any ML text (repeatable).")
    ] = None,
    forbidden_with_source: Annotated[
        list[str] | None, typer.Option(help="A wrong rendering checked only against English (repeatable).")
    ] = None,
    exception: Annotated[
        list[str] | None, typer.Option(help="An ordinary word that contains a wrong rendering (repeatable).")
    ] = None,
    variant: Annotated[list[str] | None, typer.Option(help="Another English spelling (repeatable).")] = None,
    keep_english: Annotated[
        bool | None, typer.Option("--keep-english/--translate", help="The term stays in English in Chinese text.")
    ] = None,
    case_sensitive: Annotated[
        bool | None, typer.Option("--case-sensitive/--ignore-case", help="Case tells the term apart.")
    ] = None,
    report_missing: Annotated[
        bool | None, typer.Option("--report-missing/--no-report-missing", help="Warn when the rendering is missing.")
    ] = None,
    note: Annotated[str, typer.Option(help="A note for maintainers.")] = "",
    file: Annotated[Path | None, typer.Option("--file", "-f", help=_FILE_HELP)] = None,
) -> None:
    """Append an entry; every other row is kept byte for byte. Refused if it adds a lint problem.

    Example: qa glossary add "diffusion model" --zh 扩散模型 --forbidden 传播模型 -f glossaries/ml-terms.csv
    """
    from qa.glossary_edit import NewEntry, add_entry

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
    try:
        found = _glossary_files(None, required=file is None)
        destination = file or _single(found)
        edit = add_entry(destination, entry, others=found)
    except QaInputError as error:
        _fail(str(error))
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
    from qa.glossary_edit import remove_entry

    try:
        edit = remove_entry(term, [file] if file else _glossary_files(None))
    except QaInputError as error:
        _fail(str(error))
    typer.echo(f"{edit.file}:{edit.line}: removed {edit.row}")


@app.command()
def suggest(
    paths: Annotated[list[Path], typer.Argument(help="EN_DIR ZH_DIR (NAME.en.md ~ NAME.zh.md), or EN ZH file pairs.")],
    output: Annotated[
        str, typer.Option("--output", "-o", help="CSV to write, or '-' for stdout.")
    ] = "glossary-suggestions.csv",
    min_count: Annotated[int, typer.Option(min=1, help="Report terms seen in at least this many aligned pairs.")] = 2,
    glossary: Annotated[
        list[Path] | None, typer.Option("--glossary", "-g", help="Another glossary CSV whose terms are known.")
    ] = None,
) -> None:
    """Mine aligned documents for candidate entries and write them as a glossary CSV to review.

    Example: qa glossary suggest docs/en docs/zh -o new-terms.csv
    """
    from qa.glossary import load_glossaries
    from qa.io import read_text
    from qa.markdown import parse_document
    from qa.suggest import aligned_segments, mine, pair_paths, to_csv

    try:
        known = load_glossaries(_glossary_files(None, extra=glossary, required=False))
        documents = [
            (parse_document(str(en), read_text(en)), parse_document(str(zh), read_text(zh)))
            for en, zh in pair_paths(paths)
        ]
        text, skipped = to_csv(mine(aligned_segments(documents), known, min_count))
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
    if skipped:
        typer.echo(f"{skipped} terms had neither a kept English form nor a recurring rendering", err=True)


def _glossary_files(files: list[Path] | None, extra: list[Path] | None = None, required: bool = True) -> list[Path]:
    from qa.glossary import discover_glossaries

    cwd = Path.cwd()
    found = list(files) if files else discover_glossaries(cwd, cwd)
    found += [p for p in extra or [] if p not in found]
    if not found and required:
        _fail("no glossary files: pass FILES or add glossaries/*.csv")
    return found


def _single(found: list[Path]) -> Path:
    if len(found) != 1:
        names = ", ".join(str(p) for p in found)
        raise QaInputError(names, "several glossary files: choose one with --file")
    return found[0]


def _fail(message: str) -> None:
    typer.echo(f"qa: error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)
